"""Offering requests to providers (系统派单), one or a whole backlog, and escalating to the town."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field, replace

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from models import notices as texts
from models.alerts import claim
from models.audit import Channel, record
from models.calendar import as_utc, day_start, local, local_today, spans_unknown_year
from db.crypto import DataCipher
from models.requests.dispatch.outcomes import DispatchOutcome, DispatchResult
from models.requests.dispatch.queries import FAILED, LIVE, Pool, address, candidate_pools, county_staff, histories, lock_request, provider_contacts
from models.households.households import mask_address, mask_name
from models.notices import Facts, NoticeKind, to_all
from policy.matching import ProviderCandidate, choose_provider, offer_deadline, offers_exhausted, rank_providers
from policy.thresholds import Thresholds
from policy.workdays import WorkCalendar
from models.catalogue.providers import Provider
from models.requests.requests import Offer, OfferStatus, RequestStatus, ServiceRequest
from models.households.residents import residents_of_member
from models.staff.staff import Role, Staff, town_staff

log = logging.getLogger(__name__)

SYSTEM = "system"
_NOBODY = Pool([], complete=True)


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
    offers = histories(db, [info.id for info in infos])
    pools, load = candidate_pools(db, infos, now), _Load(now)
    load.lock(db, _first_choices(infos, pools))
    results, chosen = [], []
    for info in infos:
        decision = _decide(db, info, offers.get(info.id, []), pools.get(info.id, _NOBODY), load, thresholds)
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
    locked, those it cannot use (locked by another transaction, or full), its own new offers."""

    now: dt.datetime
    left: dict[int, int] = field(default_factory=dict)
    unusable: set[int] = field(default_factory=set)
    added: Counter = field(default_factory=Counter)

    @property
    def since(self) -> dt.datetime:
        return day_start(local_today(self.now))

    def adjusted(self, candidates: list[ProviderCandidate]) -> list[ProviderCandidate]:
        """The candidates with this batch's offers counted in."""
        return [replace(c, assigned_today=c.assigned_today + self.added[c.id], open_orders=c.open_orders + self.added[c.id]) if self.added[c.id] else c for c in candidates]

    def lock(self, db: Session, provider_ids) -> None:
        """Lock these providers (never waiting: another transaction's are skipped) and count
        their offers today. The count comes after the lock: READ COMMITTED gives each statement
        a fresh snapshot, so an offer another worker committed a moment ago is counted."""
        wanted = [p for p in provider_ids if p not in self.left and p not in self.unusable]
        if not wanted:
            return
        capacity = dict(db.execute(select(Provider.id, Provider.daily_capacity).where(Provider.id.in_(wanted)).with_for_update(skip_locked=True)).all())
        self.unusable.update(p for p in wanted if p not in capacity)
        if capacity:
            counts = select(Offer.provider_id, func.count()).where(Offer.provider_id.in_(list(capacity)), Offer.offered_at >= self.since, Offer.status.in_(LIVE))
            today = dict(db.execute(counts.group_by(Offer.provider_id)).all())
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

    def busy(self, provider_id: int) -> bool:
        """Locked by another transaction (rather than full)."""
        return provider_id in self.unusable and provider_id not in self.left


def _decide(db: Session, info, history, pool: Pool, load: _Load, thresholds: Thresholds):
    """A result, an escalation reason (str), or the id of the provider to offer the request to."""
    if info.status not in (RequestStatus.RECEIVED.value, RequestStatus.OFFERED.value):
        return DispatchResult(DispatchOutcome.NOT_PENDING, info.id)
    if any(status == OfferStatus.OPEN.value for _, status in history):
        return DispatchResult(DispatchOutcome.ALREADY_OFFERED, info.id)
    failed = sum(status in FAILED for _, status in history)
    if offers_exhausted(failed, thresholds):
        return texts.REASON_EXHAUSTED.format(count=failed)
    chosen = _choose(db, info, pool, load)
    if chosen is None and not pool.complete:  # the best few are taken: read every candidate
        pool = candidate_pools(db, [info], load.now, top=None).get(info.id, _NOBODY)
        chosen = _choose(db, info, pool, load)
    if chosen is not None:
        return chosen
    if any(load.busy(c.id) for c in pool.candidates):
        return DispatchResult(DispatchOutcome.BUSY, info.id)
    return texts.REASON_EXHAUSTED.format(count=failed) if failed else texts.REASON_NO_PROVIDER


def _choose(db: Session, info, pool: Pool, load: _Load) -> int | None:
    """The best provider of the pool this batch can still give the request to, if certain."""
    for candidate in rank_providers(load.adjusted(pool.candidates), info.item_code, info.village_id, load.unusable):
        if not pool.covers(candidate):
            return None
        if load.take(db, candidate.id):
            return candidate.id
    return None


def _first_choices(infos, pools: dict[int, Pool]) -> set[int]:
    """Each request's best provider before this batch: most requests get it, so these are
    locked (and counted) in one go rather than one by one."""
    best = (choose_provider(pools.get(i.id, _NOBODY).candidates, i.item_code, i.village_id) for i in infos)
    return {b.id for b in best if b is not None}


def _write_offers(db: Session, chosen, now, calendar, thresholds, cipher) -> list[DispatchResult]:
    """Insert the offers, mark the requests offered and the providers assigned, audit, notices."""
    if not chosen:
        return []
    deadline = as_utc(offer_deadline(local(now), calendar, thresholds))
    warning = spans_unknown_year(calendar, now, deadline)
    if warning:
        log.warning("offer deadline %s counted without calendar data (weekdays only)", deadline.isoformat())
    table = Offer.__table__
    rows = [dict(request_id=info.id, provider_id=pid, status=OfferStatus.OPEN.value, offered_at=now, deadline=deadline) for info, pid in chosen]
    offer_ids = dict(db.execute(insert(table).returning(table.c.request_id, table.c.id), rows).all())
    db.execute(update(ServiceRequest.__table__).where(ServiceRequest.id.in_([i.id for i, _ in chosen])).values(status=RequestStatus.OFFERED.value))
    db.execute(update(Provider.__table__).where(Provider.id.in_({p for _, p in chosen})).values(last_assigned_at=now))
    contacts = provider_contacts(db, {p for _, p in chosen})
    results = []
    for info, pid in chosen:
        offer_id = offer_ids[info.id]
        record(db, "request", info.id, "offered", SYSTEM, Channel.WORKER, at=now, provider_id=pid, offer_id=offer_id, deadline=deadline.isoformat())
        text = texts.OFFER.format(number=info.number, item=info.item_name, place=mask_address(address(info, cipher)), who=mask_name(info.member_name), deadline=texts.when(deadline))
        facts = Facts(number=info.number, item=info.item_name, village=info.village_name, person=mask_name(info.member_name), deadline=deadline, at=now, next_step="点开详情接单或拒单")
        notices = to_all(contacts.get(pid, ("", []))[1], text, NoticeKind.NEW_OFFER, facts)
        results.append(DispatchResult(DispatchOutcome.OFFERED, info.id, offer_id, pid, deadline, notices, warning))
    return results


# -- to the town ------------------------------------------------------------------------------


def escalate(db: Session, info, now: dt.datetime, reason: str) -> DispatchResult:
    """To the town: status escalated, the A post told (the B post, then the county, if missing),
    and the resident told that the town will arrange it."""
    db.execute(update(ServiceRequest).where(ServiceRequest.id == info.id).values(status=RequestStatus.ESCALATED.value))
    record(db, "request", info.id, "escalated", SYSTEM, Channel.WORKER, at=now, reason=reason)
    stage, staff = town_post(db, info.town_id)
    claim(db, "request", info.id, stage, now)
    town_text = texts.ESCALATED_TOWN.format(number=info.number, village=info.village_name, who=mask_name(info.member_name), item=info.item_name, reason=reason)
    resident_text = texts.ESCALATED_RESIDENT.format(number=info.number, item=info.item_name)
    town_facts = Facts(number=info.number, item=info.item_name, village=info.village_name, person=mask_name(info.member_name), at=now, status="待安排", next_step="无人接单，请安排服务机构")
    resident_facts = Facts(number=info.number, item=info.item_name, at=now, status="转乡镇", next_step="乡镇工作人员会尽快联系您")
    notices = to_all((s.openid for s in staff), town_text, NoticeKind.ESCALATED, town_facts) + to_all(residents_of_member(db, info.member_id), resident_text, NoticeKind.PROGRESS, resident_facts)
    return DispatchResult(DispatchOutcome.ESCALATED, info.id, notices=notices)


def town_post(db: Session, town_id: int) -> tuple[str, list[Staff]]:
    """Who takes an escalated request: the A post; the B post if the town has none; else the county."""
    for stage, role in (("town_a", Role.TOWN_A), ("town_b", Role.TOWN_B)):
        staff = town_staff(db, town_id, {role})
        if staff:
            return stage, staff
    return "county", county_staff(db)


# -- by hand --------------------------------------------------------------------------------


def offer_to(db: Session, request_id: int, provider_id: int, now: dt.datetime, calendar: WorkCalendar, thresholds: Thresholds, cipher: DataCipher, actor: str) -> DispatchResult:
    """改派: the village secretary gives a request to a provider of their choice. Any live offer
    (open, or accepted but not yet served) is withdrawn first, so the request still has one holder."""
    info = lock_request(db, request_id)
    if info is None or info.status not in REASSIGNABLE:
        return DispatchResult(DispatchOutcome.NOT_PENDING if info else DispatchOutcome.NOT_FOUND, request_id)
    table = Offer.__table__
    released = db.execute(
        update(table).where(table.c.request_id == request_id, table.c.status.in_(LIVE)).values(status=OfferStatus.WITHDRAWN.value, answered_at=now).returning(table.c.provider_id)
    ).scalars().all()
    # one offer per provider and request: the chosen provider's earlier (declined, expired,
    # withdrawn) offer makes way for the new one; the audit trail keeps the history
    db.execute(delete(table).where(table.c.request_id == request_id, table.c.provider_id == provider_id))
    db.execute(update(ServiceRequest.__table__).where(ServiceRequest.id == request_id).values(provider_id=None))
    record(db, "request", request_id, "reassigned", actor, Channel.WECHAT, at=now, provider_id=provider_id, released=list(released))
    withdrawn = texts.OFFER_WITHDRAWN.format(number=info.number, item=info.item_name)
    contacts = provider_contacts(db, set(released))
    facts = Facts(number=info.number, item=info.item_name, at=now, status="已撤单", next_step="已改派他人，无需上门")
    notices = tuple(n for pid in released for n in to_all(contacts.get(pid, ("", []))[1], withdrawn, NoticeKind.OFFER_WITHDRAWN, facts))
    [result] = _write_offers(db, [(info, provider_id)], now, calendar, thresholds, cipher)
    return replace(result, notices=notices + result.notices)


#: a request a secretary may still give to someone else: not yet served, not closed
REASSIGNABLE = (RequestStatus.RECEIVED.value, RequestStatus.OFFERED.value, RequestStatus.ACCEPTED.value, RequestStatus.ESCALATED.value, RequestStatus.REOPENED.value)
