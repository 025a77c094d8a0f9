"""A provider's answers (接单 / 拒单), withdrawals, and offers timing out."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import notices as texts
from models.audit import Channel, record
from models.calendar import as_utc
from models.catalogue.catalogue import ServiceItem
from models.requests.dispatch.offering import SYSTEM
from models.requests.dispatch.outcomes import AnswerOutcome, AnswerResult, ExpiryResult
from models.requests.dispatch.queries import CLOSED, lock_request, provider_contacts
from models.households.households import mask_name
from models.notices import Facts, Notice, NoticeKind, to_all
from models.requests.requests import Offer, OfferStatus, RequestStatus, ServiceRequest
from models.households.residents import residents_of_member
from models.staff.staff import Role, village_staff


def accept_offer(db: Session, now: dt.datetime, offer_id: int | None = None, *, request_id: int | None = None, provider_id: int | None = None, channel: Channel = Channel.WECHAT) -> AnswerResult:
    """The provider takes the order (接单): by offer id, or by request and provider.

    Atomic: under the request's lock, only an open offer within its deadline is accepted; a
    repeated, late or lost claim gets its outcome, and a late one passes the request on.
    """
    found = _answerable(db, now, offer_id, request_id, provider_id)
    if isinstance(found, AnswerResult):
        return found
    info, offer = found
    offer.status, offer.answered_at = OfferStatus.ACCEPTED.value, now
    db.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == info.id)
        .values(status=RequestStatus.ACCEPTED.value, provider_id=offer.provider_id, assigned_at=now)
    )
    record(db, "request", info.id, "accepted", f"provider:{offer.provider_id}", channel, at=now, offer_id=offer.id)
    return AnswerResult(AnswerOutcome.ACCEPTED, info.id, offer.id, _accepted_notices(db, info, offer.provider_id, now))


def decline_offer(db: Session, now: dt.datetime, offer_id: int | None = None, *, request_id: int | None = None, provider_id: int | None = None, reason: str | None = None, channel: Channel = Channel.WECHAT) -> AnswerResult:
    """The provider turns the order down (拒单); the request passes to the next provider."""
    found = _answerable(db, now, offer_id, request_id, provider_id)
    if isinstance(found, AnswerResult):
        return found
    info, offer = found
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
        facts = Facts(number=info.number, item=info.item_name, at=now, status="已取消", next_step="居民已取消，无需上门")
        notices += to_all(_contacts(db, provider_id)[1], texts.OFFER_WITHDRAWN.format(number=info.number, item=info.item_name), NoticeKind.CANCELLED, facts)
    return notices


def _answerable(db: Session, now: dt.datetime, offer_id, request_id, provider_id):
    """The open, still timely offer a provider answers (its request locked), or the outcome
    instead: no such offer, already answered, or too late (then it passes on)."""
    found = _locked_offer(db, offer_id, request_id, provider_id)
    if isinstance(found, AnswerResult):
        return found
    info, offer = found
    if offer.status == OfferStatus.OPEN.value and as_utc(offer.deadline) <= now:
        return _expire_one(db, info, offer, now)
    if offer.status != OfferStatus.OPEN.value:
        return _not_open(info, offer)
    return info, offer


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


def _accepted_notices(db, info, provider_id: int, now: dt.datetime) -> tuple[Notice, ...]:
    provider, _ = _contacts(db, provider_id)
    resident_facts = Facts(number=info.number, item=info.item_name, at=now, status="已接单", next_step=f"{provider}会联系您")
    secretary_facts = Facts(number=info.number, item=info.item_name, village=info.village_name, person=mask_name(info.member_name), at=now, status="已接单", next_step=f"{provider}接单")
    resident = texts.ACCEPTED_RESIDENT.format(provider=provider, number=info.number, item=info.item_name)
    secretary = texts.ACCEPTED_SECRETARY.format(village=info.village_name, who=mask_name(info.member_name), item=info.item_name, number=info.number, provider=provider)
    secretaries = village_staff(db, info.village_id, {Role.SECRETARY})
    return to_all(residents_of_member(db, info.member_id), resident, NoticeKind.PROGRESS, resident_facts) + to_all((s.openid for s in secretaries), secretary, NoticeKind.ASSIGNED, secretary_facts)


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
        notices += _expired_notices(db, request_id, provider_id, now)
    return ExpiryResult(tuple(sorted({r for _, r, _ in rows})), notices)


def _expired_notices(db, request_id: int, provider_id: int, now: dt.datetime) -> tuple[Notice, ...]:
    number, item = db.execute(select(ServiceRequest.number, ServiceItem.name).join(ServiceItem).where(ServiceRequest.id == request_id)).one()
    openids = _contacts(db, provider_id)[1]
    facts = Facts(number=number, item=item, at=now, status="已转派", next_step="超过接单时限，无需上门")
    return to_all(openids, texts.OFFER_EXPIRED.format(number=number, item=item), NoticeKind.OFFER_EXPIRED, facts)


def _contacts(db: Session, provider_id: int) -> tuple[str, list[str]]:
    return provider_contacts(db, [provider_id]).get(provider_id, ("", []))
