"""系统派单、机构接单: offer each request to a provider, accept, decline, time out, escalate.

Use cases on the tables, no Flask or Redis. The caller owns the transaction; every result
carries the ``notices`` to record in that same transaction (``Messenger.queue_text``, then
enqueue delivery after commit), and ``redispatch`` when the request needs its next offer
(``workers.dispatch.enqueue_dispatch`` after commit; the sweeper catches it if Redis is down).

The chat side, for a provider who types 接单 / 拒单::

    result = accept_offer(db, now, request_id=request.id, provider_id=provider.id)
    for n in result.notices:
        notify(turn, n.openid, n.text, kind=n.kind)
    # result.outcome says what to answer: ACCEPTED, ALREADY_ACCEPTED, TAKEN, EXPIRED, ...

Concurrency. Every transition of a request first locks its row (``FOR UPDATE``), so offer,
accept, decline and expiry of one request are serialised; a partial unique index allows one
live (open or accepted) offer per request, and ``service_requests.provider_id`` holds one
provider, so a request is never held by two. A provider's row is locked with ``SKIP LOCKED``
while its capacity is counted, so two dispatchers never overfill it and never wait on each
other: a provider being assigned by another worker at that instant is passed over, and when
only such providers qualify the result is ``BUSY`` (try again shortly), never an escalation.
Lock order: the request, then the provider or the offer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Iterable

from sqlalchemy import Index, and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from models import notices as texts
from models.alerts import claim
from models.areas import Town, Village
from models.audit import Channel, record
from models.calendar import as_utc, day_start, local, local_today, spans_unknown_year
from models.catalogue import ServiceItem
from models.crypto import DataCipher
from models.households import Member, mask_address, mask_name
from models.notices import Notice, to_all
from models.policy.matching import ProviderCandidate, choose_provider, offer_deadline, offers_exhausted, rank_providers
from models.policy.thresholds import Thresholds
from models.policy.workdays import WorkCalendar
from models.providers import Provider, provider_items, provider_villages
from models.requests import Offer, OfferStatus, RequestStatus, ServiceRequest
from models.residents import residents_of_member
from models.staff import Role, Staff, town_staff, village_staff

log = logging.getLogger(__name__)

#: at most one live offer per request: the database itself refuses a second holder
LIVE_OFFER_INDEX = Index(
    "uq_offers_one_live_per_request",
    Offer.request_id,
    unique=True,
    postgresql_where=Offer.status.in_(["open", "accepted"]),
    sqlite_where=Offer.status.in_(["open", "accepted"]),
)

#: the counts ``candidates_for`` takes per provider, and the expiry scan, stay index look-ups
#: of today's or open offers however long the history grows
LOAD_INDEXES = (
    Index("ix_offers_provider_offered_at", Offer.provider_id, Offer.offered_at),
    Index("ix_offers_open_by_provider", Offer.provider_id, postgresql_where=Offer.status == "open", sqlite_where=Offer.status == "open"),
    Index("ix_offers_open_deadline", Offer.deadline, postgresql_where=Offer.status == "open", sqlite_where=Offer.status == "open"),
)

FAILED = (OfferStatus.DECLINED.value, OfferStatus.EXPIRED.value)
LIVE = (OfferStatus.OPEN.value, OfferStatus.ACCEPTED.value)
IN_HAND = (RequestStatus.ACCEPTED.value, RequestStatus.ON_SITE.value)
CLOSED = (RequestStatus.COMPLETED.value, RequestStatus.CANCELLED.value, RequestStatus.REFERRED.value)
SYSTEM = "system"


class DispatchOutcome(str, Enum):
    OFFERED = "offered"
    ESCALATED = "escalated"  # K failed offers, or nobody qualifies: the town's A post
    ALREADY_OFFERED = "already_offered"  # an open offer exists: nothing to do
    NOT_PENDING = "not_pending"  # accepted, escalated, cancelled ...: left alone
    BUSY = "busy"  # only providers another worker is assigning right now: try again
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class DispatchResult:
    outcome: DispatchOutcome
    request_id: int
    offer_id: int | None = None
    provider_id: int | None = None
    deadline: dt.datetime | None = None
    notices: tuple[Notice, ...] = ()
    #: the deadline was counted (partly) with weekdays only: a year without calendar data
    calendar_warning: bool = False


class AnswerOutcome(str, Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALREADY_ACCEPTED = "already_accepted"  # the holder said 接单 again
    ALREADY_DECLINED = "already_declined"
    TAKEN = "taken"  # the request went to someone else (or was withdrawn from this provider)
    EXPIRED = "expired"  # too late: the offer timed out and passes to the next provider
    CLOSED = "closed"  # the request was cancelled or finished
    NO_OFFER = "no_offer"  # this provider was never offered this request


@dataclass(frozen=True)
class AnswerResult:
    outcome: AnswerOutcome
    request_id: int | None = None
    offer_id: int | None = None
    notices: tuple[Notice, ...] = ()
    #: enqueue the next dispatch of ``request_id`` after commit
    redispatch: bool = False


@dataclass(frozen=True)
class ExpiryResult:
    request_ids: tuple[int, ...]
    notices: tuple[Notice, ...]


# -- reading ----------------------------------------------------------------------------------

_INFO = (
    select(
        ServiceRequest.id,
        ServiceRequest.number,
        ServiceRequest.status,
        ServiceRequest.item_code,
        ServiceRequest.village_id,
        ServiceRequest.member_id,
        ServiceRequest.address_enc,
        ServiceRequest.provider_id,
        ServiceItem.name.label("item_name"),
        Village.name.label("village_name"),
        Town.id.label("town_id"),
        Town.name.label("town_name"),
        Member.name.label("member_name"),
    )
    .join(ServiceItem, ServiceItem.code == ServiceRequest.item_code)
    .join(Village, Village.id == ServiceRequest.village_id)
    .join(Town, Town.id == Village.town_id)
    .join(Member, Member.id == ServiceRequest.member_id)
)


def _needs_dispatch():
    """Received, or offered with no open offer left (declined or expired, next offer pending)."""
    open_offer = exists().where(Offer.request_id == ServiceRequest.id, Offer.status == OfferStatus.OPEN.value)
    return or_(
        ServiceRequest.status == RequestStatus.RECEIVED.value,
        and_(ServiceRequest.status == RequestStatus.OFFERED.value, ~open_offer),
    )


def lock_request(db: Session, request_id: int):
    """The request with what its notices need, its row locked for this transaction."""
    return db.execute(_INFO.where(ServiceRequest.id == request_id).with_for_update(of=ServiceRequest.__table__)).one_or_none()


def claim_pending(db: Session, limit: int):
    """Up to ``limit`` requests needing dispatch that no other transaction holds, locked."""
    query = _INFO.where(_needs_dispatch()).order_by(ServiceRequest.id).limit(limit)
    return list(db.execute(query.with_for_update(of=ServiceRequest.__table__, skip_locked=True)))


def pending_dispatch_ids(db: Session, older_than: dt.datetime, limit: int = 1000) -> list[int]:
    """Requests waiting for an offer since before ``older_than`` (for the sweeper)."""
    query = select(ServiceRequest.id).where(_needs_dispatch(), ServiceRequest.created_at < older_than)
    return list(db.scalars(query.order_by(ServiceRequest.id).limit(limit)))


def candidates_for(db: Session, request, now: dt.datetime, exclude: Iterable[int] = ()) -> list[ProviderCandidate]:
    """Active providers offering the request's item in its village, with their load, in one query.

    ``assigned_today``: offers made to the provider since the county's midnight that are still
    open or were accepted; ``open_orders``: open offers plus requests it holds (accepted, on site).
    """
    excluded = set(exclude)
    return [c for c in _candidates(db, [request], now).get(request.id, []) if c.id not in excluded]


def _candidates(db: Session, requests, now: dt.datetime) -> dict[int, list[ProviderCandidate]]:
    """``candidates_for`` of several requests in one statement, by request id."""
    since = day_start(local_today(now))
    assigned_today = select(func.count()).where(Offer.provider_id == Provider.id, Offer.offered_at >= since, Offer.status.in_(LIVE))
    open_offers = select(func.count()).where(Offer.provider_id == Provider.id, Offer.status == OfferStatus.OPEN.value)
    in_hand = select(func.count()).where(ServiceRequest.provider_id == Provider.id, ServiceRequest.status.in_(IN_HAND))
    wanted = {r.id: (r.village_id, r.item_code) for r in requests}
    pairs = select(ServiceRequest.id, ServiceRequest.village_id, ServiceRequest.item_code).where(ServiceRequest.id.in_(list(wanted))).subquery("wanted")
    query = (
        select(
            pairs.c.id, Provider.id, Provider.daily_capacity, Provider.last_assigned_at,
            assigned_today.scalar_subquery(), open_offers.scalar_subquery() + in_hand.scalar_subquery(),
        )
        .select_from(pairs)
        .join(provider_villages, provider_villages.c.village_id == pairs.c.village_id)
        .join(provider_items, and_(provider_items.c.provider_id == provider_villages.c.provider_id, provider_items.c.item_code == pairs.c.item_code))
        .join(Provider, and_(Provider.id == provider_villages.c.provider_id, Provider.active.is_(True)))
    )
    found: dict[int, list[ProviderCandidate]] = {}
    for request_id, pid, capacity, last, today, load in db.execute(query):
        village, item = wanted[request_id]
        found.setdefault(request_id, []).append(
            ProviderCandidate(id=pid, item_codes={item}, village_ids={village}, active=True, daily_capacity=capacity, assigned_today=today, open_orders=load, last_assigned_at=last)
        )
    return found


def open_offers_for_provider(db: Session, provider_id: int) -> list[Offer]:
    """A provider's offers waiting for 接单/拒单, oldest first."""
    query = select(Offer).where(Offer.provider_id == provider_id, Offer.status == OfferStatus.OPEN.value)
    return list(db.scalars(query.order_by(Offer.offered_at, Offer.id)))


def provider_for_openid(db: Session, openid: str) -> Provider | None:
    """The provider a WeChat user takes orders for (its bound openid, or a provider staff row)."""
    provider = db.scalar(select(Provider).where(Provider.openid == openid, Provider.active.is_(True)))
    if provider is not None:
        return provider
    staff_of = select(Staff.provider_id).where(Staff.openid == openid, Staff.role == Role.PROVIDER.value, Staff.active.is_(True))
    return db.scalar(select(Provider).where(Provider.id.in_(staff_of), Provider.active.is_(True)))


# -- dispatch ---------------------------------------------------------------------------------


def offer_next(db: Session, request_id: int, now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds, cipher: DataCipher) -> DispatchResult:
    """Offer the request to the best qualified provider not offered it before, or escalate.

    Idempotent: a request with an open offer, or no longer waiting, is left alone.
    """
    info = lock_request(db, request_id)
    if info is None:
        return DispatchResult(DispatchOutcome.NOT_FOUND, request_id)
    return offer_batch(db, [info], now, calendar, thresholds, cipher)[0]


def offer_batch(db: Session, infos, now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds, cipher: DataCipher) -> list[DispatchResult]:
    """``offer_next`` for requests this transaction has locked (``lock_request``, ``claim_pending``).

    The requests are decided one after the other, exactly as one by one, but read and written
    with a handful of statements for the whole batch (a backlog of thousands after an outage).
    """
    if not infos:
        return []
    histories = _histories(db, [info.id for info in infos])
    pool, load = _candidates(db, infos, now), _Load(since=day_start(local_today(now)))
    load.lock(db, _first_choices(infos, pool, histories))
    results, chosen = [], []
    for info in infos:
        decision = _decide(db, info, histories.get(info.id, []), pool.get(info.id, []), load, thresholds)
        if isinstance(decision, int):
            chosen.append((info, decision))
        elif isinstance(decision, str):
            results.append(escalate(db, info, now, decision))
        else:
            results.append(decision)
    return results + _write_offers(db, chosen, now, calendar, thresholds, cipher)


@dataclass
class _Load:
    """What this transaction knows of providers' load: capacity left today of those it has
    locked, those it could not use (locked by another transaction, or full), its own new offers."""

    since: dt.datetime
    left: dict[int, int] = field(default_factory=dict)
    unusable: set[int] = field(default_factory=set)
    added: Counter = field(default_factory=Counter)

    def adjusted(self, candidates: list[ProviderCandidate]) -> list[ProviderCandidate]:
        return [replace(c, assigned_today=c.assigned_today + self.added[c.id], open_orders=c.open_orders + self.added[c.id]) if self.added[c.id] else c for c in candidates]

    def lock(self, db: Session, provider_ids) -> None:
        """Lock these providers (those not locked yet; never waiting: another transaction's are
        skipped) and count their offers today. The count comes after the lock: READ COMMITTED
        gives each statement a fresh snapshot, so an offer another worker just committed is seen."""
        wanted = [p for p in provider_ids if p not in self.left and p not in self.unusable]
        if not wanted:
            return
        capacity = dict(db.execute(select(Provider.id, Provider.daily_capacity).where(Provider.id.in_(wanted)).with_for_update(skip_locked=True)).all())
        self.unusable.update(p for p in wanted if p not in capacity)
        if capacity:
            today = dict(db.execute(
                select(Offer.provider_id, func.count()).where(Offer.provider_id.in_(list(capacity)), Offer.offered_at >= self.since, Offer.status.in_(LIVE)).group_by(Offer.provider_id)
            ).all())
            self.left.update({p: cap - today.get(p, 0) for p, cap in capacity.items()})

    def take(self, db: Session, provider_id: int) -> bool:
        """Count a new offer to the provider if it has capacity left today (locking it first)."""
        self.lock(db, [provider_id])
        if provider_id in self.unusable or self.left[provider_id] <= 0:
            self.unusable.add(provider_id)
            return False
        self.left[provider_id] -= 1
        self.added[provider_id] += 1
        return True


def _decide(db: Session, info, history, candidates: list[ProviderCandidate], load: _Load, thresholds: Thresholds):
    """A result, an escalation reason (str), or the provider id to offer the request to."""
    if info.status not in (RequestStatus.RECEIVED.value, RequestStatus.OFFERED.value):
        return DispatchResult(DispatchOutcome.NOT_PENDING, info.id)
    if any(status == OfferStatus.OPEN.value for _, status in history):
        return DispatchResult(DispatchOutcome.ALREADY_OFFERED, info.id)
    failed = sum(status in FAILED for _, status in history)
    if offers_exhausted(failed, thresholds):
        return texts.REASON_EXHAUSTED.format(count=failed)
    offered = {provider_id for provider_id, _ in history}
    ranked = rank_providers(load.adjusted(candidates), info.item_code, info.village_id, offered | load.unusable)
    for candidate in ranked:
        if load.take(db, candidate.id):
            return candidate.id
    if any(c.id in load.unusable and c.id not in offered and c.id not in load.left for c in candidates):
        return DispatchResult(DispatchOutcome.BUSY, info.id)
    return texts.REASON_EXHAUSTED.format(count=failed) if failed else texts.REASON_NO_PROVIDER


def _first_choices(infos, pool, histories) -> set[int]:
    """Each request's best provider before this batch: most of them take it, so they are
    locked (and counted) in one go rather than one by one."""
    choices = set()
    for info in infos:
        offered = {p for p, _ in histories.get(info.id, [])}
        best = choose_provider(pool.get(info.id, []), info.item_code, info.village_id, offered)
        if best is not None:
            choices.add(best.id)
    return choices


def _histories(db: Session, request_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    found: dict[int, list[tuple[int, str]]] = {}
    for request_id, provider_id, status in db.execute(select(Offer.request_id, Offer.provider_id, Offer.status).where(Offer.request_id.in_(request_ids))):
        found.setdefault(request_id, []).append((provider_id, status))
    return found


def _write_offers(db: Session, chosen, now, calendar, thresholds, cipher) -> list[DispatchResult]:
    """Insert the offers, mark the requests offered and the providers assigned, audit, notices."""
    if not chosen:
        return []
    deadline = as_utc(offer_deadline(local(now), calendar, thresholds))
    warning = spans_unknown_year(calendar, now, deadline)
    if warning:
        log.warning("offer deadline %s counted without calendar data (weekdays only)", deadline.isoformat())
    rows = [dict(request_id=info.id, provider_id=pid, status=OfferStatus.OPEN.value, offered_at=now, deadline=deadline) for info, pid in chosen]
    offer_ids = dict(db.execute(insert(Offer.__table__).returning(Offer.__table__.c.request_id, Offer.__table__.c.id, sort_by_parameter_order=True), rows).all())
    db.execute(update(ServiceRequest.__table__).where(ServiceRequest.id.in_([i.id for i, _ in chosen])).values(status=RequestStatus.OFFERED.value))
    db.execute(update(Provider.__table__).where(Provider.id.in_({p for _, p in chosen})).values(last_assigned_at=now))
    contacts = _providers_contacts(db, {p for _, p in chosen})
    results = []
    for info, pid in chosen:
        offer_id = offer_ids[info.id]
        record(db, "request", info.id, "offered", SYSTEM, Channel.WORKER, at=now, provider_id=pid, offer_id=offer_id, deadline=deadline.isoformat())
        text = texts.OFFER.format(number=info.number, item=info.item_name, place=mask_address(_address(info, cipher)), who=mask_name(info.member_name), deadline=texts.when(deadline))
        results.append(DispatchResult(DispatchOutcome.OFFERED, info.id, offer_id, pid, deadline, to_all(contacts.get(pid, ("", []))[1], text, "dispatch"), warning))
    return results


def escalate(db: Session, info, now: dt.datetime, reason: str) -> DispatchResult:
    """To the town: status escalated, the A post told (the B post, then the county, if missing)."""
    db.execute(update(ServiceRequest).where(ServiceRequest.id == info.id).values(status=RequestStatus.ESCALATED.value))
    record(db, "request", info.id, "escalated", SYSTEM, Channel.WORKER, at=now, reason=reason)
    stage, staff = town_post(db, info.town_id)
    claim(db, "request", info.id, stage, now)
    town_text = texts.ESCALATED_TOWN.format(number=info.number, village=info.village_name, who=mask_name(info.member_name), item=info.item_name, reason=reason)
    resident_text = texts.ESCALATED_RESIDENT.format(number=info.number, item=info.item_name)
    notices = to_all((s.openid for s in staff), town_text, "escalation") + to_all(residents_of_member(db, info.member_id), resident_text, "progress")
    return DispatchResult(DispatchOutcome.ESCALATED, info.id, notices=notices)


def town_post(db: Session, town_id: int) -> tuple[str, list[Staff]]:
    """Who takes an escalated request: the A post; the B post if the town has none; else the county."""
    for stage, role in (("town_a", Role.TOWN_A), ("town_b", Role.TOWN_B)):
        staff = town_staff(db, town_id, {role})
        if staff:
            return stage, staff
    return "county", county_staff(db)


def county_staff(db: Session) -> list[Staff]:
    return list(db.scalars(select(Staff).where(Staff.role == Role.COUNTY.value, Staff.active.is_(True)).order_by(Staff.id)))


# -- answers ----------------------------------------------------------------------------------


def accept_offer(db: Session, now: dt.datetime, offer_id: int | None = None, *, request_id: int | None = None, provider_id: int | None = None, channel: Channel = Channel.WECHAT) -> AnswerResult:
    """The provider takes the order (接单): by offer id, or by request and provider.

    Atomic: under the request's lock, only an open offer within its deadline is accepted; a
    repeated, late or lost claim gets its outcome, and a late one passes the request on.
    """
    found = _locked_offer(db, offer_id, request_id, provider_id)
    if isinstance(found, AnswerResult):
        return found
    info, offer = found
    if offer.status == OfferStatus.OPEN.value and as_utc(offer.deadline) <= now:
        return _expire_one(db, info, offer, now)
    if offer.status != OfferStatus.OPEN.value:
        return _not_open(info, offer)
    offer.status, offer.answered_at = OfferStatus.ACCEPTED.value, now
    db.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == info.id)
        .values(status=RequestStatus.ACCEPTED.value, provider_id=offer.provider_id, assigned_at=now)
    )
    record(db, "request", info.id, "accepted", f"provider:{offer.provider_id}", channel, at=now, offer_id=offer.id)
    return AnswerResult(AnswerOutcome.ACCEPTED, info.id, offer.id, _accepted_notices(db, info, offer.provider_id))


def decline_offer(db: Session, now: dt.datetime, offer_id: int | None = None, *, request_id: int | None = None, provider_id: int | None = None, reason: str | None = None, channel: Channel = Channel.WECHAT) -> AnswerResult:
    """The provider turns the order down (拒单); the request passes to the next provider."""
    found = _locked_offer(db, offer_id, request_id, provider_id)
    if isinstance(found, AnswerResult):
        return found
    info, offer = found
    if offer.status == OfferStatus.OPEN.value and as_utc(offer.deadline) <= now:
        return _expire_one(db, info, offer, now)
    if offer.status != OfferStatus.OPEN.value:
        return _not_open(info, offer)
    offer.status, offer.answered_at = OfferStatus.DECLINED.value, now
    record(db, "request", info.id, "declined", f"provider:{offer.provider_id}", channel, at=now, offer_id=offer.id, reason=reason)
    return AnswerResult(AnswerOutcome.DECLINED, info.id, offer.id, redispatch=True)


def withdraw_offers(db: Session, request_id: int, now: dt.datetime) -> tuple[Notice, ...]:
    """Withdraw the open offer of a request being cancelled; tells the provider. Call under the
    same transaction that cancels the request."""
    info = lock_request(db, request_id)
    rows = db.execute(
        update(Offer.__table__)
        .where(Offer.request_id == request_id, Offer.status == OfferStatus.OPEN.value)
        .values(status=OfferStatus.WITHDRAWN.value, answered_at=now)
        .returning(Offer.__table__.c.provider_id)
    ).scalars().all()
    notices: tuple[Notice, ...] = ()
    for provider_id in rows:
        record(db, "request", request_id, "offer_withdrawn", SYSTEM, Channel.WORKER, at=now, provider_id=provider_id)
        notices += to_all(_provider_contacts(db, provider_id)[1], texts.OFFER_WITHDRAWN.format(number=info.number, item=info.item_name))
    return notices


def _locked_offer(db, offer_id, request_id, provider_id):
    """Lock the offer's request, then read the offer afresh; or the outcome when there is none."""
    if offer_id is not None:
        request_id = db.scalar(select(Offer.request_id).where(Offer.id == offer_id))
    if request_id is None:
        return AnswerResult(AnswerOutcome.NO_OFFER)
    info = lock_request(db, request_id)
    if info is None:
        return AnswerResult(AnswerOutcome.NO_OFFER)
    query = select(Offer).where(Offer.id == offer_id) if offer_id is not None else select(Offer).where(Offer.request_id == request_id, Offer.provider_id == provider_id)
    offer = db.scalar(query.execution_options(populate_existing=True))
    if offer is None:
        return AnswerResult(AnswerOutcome.CLOSED if info.status in CLOSED else AnswerOutcome.NO_OFFER, info.id)
    if info.status in CLOSED:
        return AnswerResult(AnswerOutcome.CLOSED, info.id, offer.id)
    return info, offer


def _not_open(info, offer: Offer) -> AnswerResult:
    outcome = {
        OfferStatus.ACCEPTED.value: AnswerOutcome.ALREADY_ACCEPTED,
        OfferStatus.DECLINED.value: AnswerOutcome.ALREADY_DECLINED,
        OfferStatus.EXPIRED.value: AnswerOutcome.EXPIRED,
    }.get(offer.status, AnswerOutcome.TAKEN)
    return AnswerResult(outcome, info.id, offer.id)


def _expire_one(db, info, offer: Offer, now) -> AnswerResult:
    offer.status, offer.answered_at = OfferStatus.EXPIRED.value, now
    record(db, "request", info.id, "offer_expired", SYSTEM, Channel.WORKER, at=now, offer_id=offer.id, provider_id=offer.provider_id)
    return AnswerResult(AnswerOutcome.EXPIRED, info.id, offer.id, redispatch=True)


def _accepted_notices(db, info, provider_id: int) -> tuple[Notice, ...]:
    provider, _ = _provider_contacts(db, provider_id)
    resident = texts.ACCEPTED_RESIDENT.format(provider=provider, number=info.number, item=info.item_name)
    secretary = texts.ACCEPTED_SECRETARY.format(village=info.village_name, who=mask_name(info.member_name), item=info.item_name, number=info.number, provider=provider)
    secretaries = village_staff(db, info.village_id, {Role.SECRETARY})
    return to_all(residents_of_member(db, info.member_id), resident, "progress") + to_all((s.openid for s in secretaries), secretary, "dispatch")


# -- time-outs --------------------------------------------------------------------------------


def expire_offers(db: Session, now: dt.datetime) -> ExpiryResult:
    """Expire every open offer past its deadline, in one statement; returns the requests to offer
    again. Requests locked by another transaction (being accepted right now) are skipped and
    picked up by the next run."""
    due = (
        select(Offer.id)
        .join(ServiceRequest, ServiceRequest.id == Offer.request_id)
        .where(Offer.status == OfferStatus.OPEN.value, Offer.deadline <= now)
        .with_for_update(of=ServiceRequest.__table__, skip_locked=True)
    )
    rows = db.execute(
        update(Offer.__table__)
        .where(Offer.id.in_(due.scalar_subquery()), Offer.status == OfferStatus.OPEN.value)
        .values(status=OfferStatus.EXPIRED.value, answered_at=now)
        .returning(Offer.__table__.c.id, Offer.__table__.c.request_id, Offer.__table__.c.provider_id)
    ).all()
    notices: tuple[Notice, ...] = ()
    for offer_id, request_id, provider_id in rows:
        record(db, "request", request_id, "offer_expired", SYSTEM, Channel.WORKER, at=now, offer_id=offer_id, provider_id=provider_id)
        notices += _expired_notices(db, request_id, provider_id)
    return ExpiryResult(tuple(sorted({r for _, r, _ in rows})), notices)


def _expired_notices(db, request_id: int, provider_id: int) -> tuple[Notice, ...]:
    number, item = db.execute(select(ServiceRequest.number, ServiceItem.name).join(ServiceItem).where(ServiceRequest.id == request_id)).one()
    return to_all(_provider_contacts(db, provider_id)[1], texts.OFFER_EXPIRED.format(number=number, item=item), "dispatch")


# -- helpers ----------------------------------------------------------------------------------


def _provider_contacts(db: Session, provider_id: int) -> tuple[str, list[str]]:
    """The provider's name and the openids that take its orders."""
    return _providers_contacts(db, {provider_id}).get(provider_id, ("", []))


def _providers_contacts(db: Session, provider_ids) -> dict[int, tuple[str, list[str]]]:
    rows = db.execute(
        select(Provider.id, Provider.name, Provider.openid, Staff.openid)
        .outerjoin(Staff, and_(Staff.provider_id == Provider.id, Staff.role == Role.PROVIDER.value, Staff.active.is_(True)))
        .where(Provider.id.in_(list(provider_ids)))
    ).all()
    found: dict[int, tuple[str, list[str]]] = {}
    for pid, name, own, staff in rows:
        openids = found.setdefault(pid, (name, []))[1]
        openids.extend(o for o in (own, staff) if o and o not in openids)
    return found


def _address(info, cipher: DataCipher) -> str:
    return cipher.decrypt(info.address_enc) or info.village_name
