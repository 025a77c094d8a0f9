"""What dispatch reads: requests with what their notices need, candidates with their load, offer
histories, providers' contacts; and the indexes that keep these reads cheap."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Index, and_, bindparam, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session

from models.areas import Town, Village
from models.calendar import day_start, local_today
from models.catalogue.catalogue import ServiceItem
from db.crypto import DataCipher
from models.households.households import Member
from policy.matching import ProviderCandidate, rank_key
from models.catalogue.providers import Provider, provider_items, provider_villages
from models.requests.requests import Offer, OfferStatus, RequestStatus, ServiceRequest
from models.staff.staff import Role, Staff

FAILED = (OfferStatus.DECLINED.value, OfferStatus.EXPIRED.value)
LIVE = (OfferStatus.OPEN.value, OfferStatus.ACCEPTED.value)
IN_HAND = (RequestStatus.ACCEPTED.value, RequestStatus.ON_SITE.value)
CLOSED = (RequestStatus.COMPLETED.value, RequestStatus.CANCELLED.value, RequestStatus.REFERRED.value)

TOP_CANDIDATES = 8
"""Candidates read per request, best first; the rest only when these run out (see ``Pool``)."""

#: at most one live offer per request: the database itself refuses a second holder
LIVE_OFFER_INDEX = Index(
    "uq_offers_one_live_per_request",
    Offer.request_id,
    unique=True,
    postgresql_where=Offer.status.in_(["open", "accepted"]),
    sqlite_where=Offer.status.in_(["open", "accepted"]),
)

#: the loads and the expiry scan read today's or open offers, however long the history grows
LOAD_INDEXES = (
    Index("ix_offers_offered_at", Offer.offered_at),
    Index("ix_offers_open_by_provider", Offer.provider_id, postgresql_where=Offer.status == "open", sqlite_where=Offer.status == "open"),
    Index("ix_offers_open_deadline", Offer.deadline, postgresql_where=Offer.status == "open", sqlite_where=Offer.status == "open"),
)

# -- requests ---------------------------------------------------------------------------------

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


def claim_pending(db: Session, limit: int, *, own: int | None = None, exclude: Iterable[int] = ()):
    """Up to ``limit`` requests needing dispatch that no other transaction holds, locked, oldest
    first; ``own`` (whatever its state, so its caller learns what became of it) before them,
    ``exclude`` left out."""
    wanted = _needs_dispatch()
    excluded = [i for i in exclude if i != own]
    if excluded:
        wanted = and_(wanted, ServiceRequest.id.not_in(excluded))
    order = [ServiceRequest.id]
    if own is not None:
        wanted = or_(ServiceRequest.id == own, wanted)
        order.insert(0, (ServiceRequest.id == own).desc())
    query = _INFO.where(wanted).order_by(*order).limit(limit)
    return list(db.execute(query.with_for_update(of=ServiceRequest.__table__, skip_locked=True)))


def pending_dispatch_ids(db: Session, older_than: dt.datetime, limit: int = 1000) -> list[int]:
    """Requests waiting for an offer since before ``older_than`` (for the sweeper)."""
    query = select(ServiceRequest.id).where(_needs_dispatch(), ServiceRequest.created_at < older_than)
    return list(db.scalars(query.order_by(ServiceRequest.id).limit(limit)))


def histories(db: Session, request_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """(provider id, offer status) of every offer of these requests."""
    found: dict[int, list[tuple[int, str]]] = {}
    for request_id, provider_id, status in db.execute(select(Offer.request_id, Offer.provider_id, Offer.status).where(Offer.request_id.in_(request_ids))):
        found.setdefault(request_id, []).append((provider_id, status))
    return found


def address(info, cipher: DataCipher) -> str:
    return cipher.decrypt(info.address_enc) or info.village_name


# -- candidates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """A request's qualified providers as read, best first: all of them, or the best few.

    When only the best few were read, a choice is certain only while it ranks no worse than
    the last one read (every provider not read ranks after it); past that, read them all.
    """

    candidates: list[ProviderCandidate]
    complete: bool

    def covers(self, candidate: ProviderCandidate) -> bool:
        return self.complete or rank_key(candidate) <= rank_key(self.candidates[-1])


def candidates_for(db: Session, request, now: dt.datetime, exclude: Iterable[int] = ()) -> list[ProviderCandidate]:
    """Providers that qualify for the request (active, offering its item in its village, with
    capacity today, not offered it before), with their load, best first, in one query.

    ``assigned_today``: offers made to the provider since the county's midnight that are still
    open or were accepted; ``open_orders``: open offers plus requests it holds (accepted, on site).
    """
    excluded = set(exclude)
    pool = candidate_pools(db, [request], now, top=None).get(request.id)
    return [c for c in pool.candidates if c.id not in excluded] if pool else []


def candidate_pools(db: Session, requests, now: dt.datetime, top: int | None = TOP_CANDIDATES) -> dict[int, Pool]:
    """``candidates_for`` of several requests in one statement, at most ``top`` each.

    The loads are counted only for the providers that can take one of these requests (their
    item, in their village), each from an index of that provider's own live offers and held
    requests (``CANDIDATE_INDEXES``): the cost follows the candidates' own work, not the county's
    size. The order is the policy's ``rank_key``, so the best come first.
    """
    wanted = {r.id: (r.village_id, r.item_code) for r in requests}
    params = {"ids": list(wanted), "since": day_start(local_today(now))}
    rows = db.execute(_RANKED, params) if top is None else db.execute(_RANKED_TOP, {**params, "top": top})
    pools: dict[int, Pool] = {}
    for row in rows:
        village, item = wanted[row.request_id]
        candidate = ProviderCandidate(
            id=row.provider_id, item_codes={item}, village_ids={village}, active=True, daily_capacity=row.capacity,
            assigned_today=row.assigned, open_orders=row.load, last_assigned_at=row.last,
        )
        pool = pools.setdefault(row.request_id, Pool([], top is None or row.qualified <= top))
        pool.candidates.append(candidate)
    return pools


def _ranked():
    """The statement behind ``candidate_pools`` (built once: parameters ``ids``, ``since``, ``top``).

    ``qualified``: (request, provider) pairs where the provider is active, offers the request's
    item in its village and was never offered it; ``loads``: for each of those providers, its
    offers since the county's midnight still open or accepted, its open offers, its requests in
    hand; then ranked per request.
    """
    pairs = select(ServiceRequest.id, ServiceRequest.village_id, ServiceRequest.item_code).where(
        ServiceRequest.id.in_(bindparam("ids", expanding=True))
    ).cte("wanted")
    offered_before = exists().where(Offer.request_id == pairs.c.id, Offer.provider_id == Provider.id)
    qualified = (
        select(pairs.c.id.label("request_id"), Provider.id.label("provider_id"), Provider.daily_capacity.label("capacity"), Provider.last_assigned_at.label("last"))
        .select_from(pairs)
        .join(provider_villages, provider_villages.c.village_id == pairs.c.village_id)
        .join(provider_items, and_(provider_items.c.provider_id == provider_villages.c.provider_id, provider_items.c.item_code == pairs.c.item_code))
        .join(Provider, and_(Provider.id == provider_villages.c.provider_id, Provider.active.is_(True)))
        .where(~offered_before)
        .cte("qualified")
    )
    candidates = select(qualified.c.provider_id).distinct().subquery("candidates")
    mine = candidates.c.provider_id
    today = select(func.count()).where(Offer.provider_id == mine, _is(Offer.status, *LIVE), Offer.offered_at >= bindparam("since"))
    opened = select(func.count()).where(Offer.provider_id == mine, _is(Offer.status, OfferStatus.OPEN.value))
    held = select(func.count()).select_from(ServiceRequest).where(ServiceRequest.provider_id == mine, _is(ServiceRequest.status, *IN_HAND))
    loads = select(
        mine.label("provider_id"),
        today.scalar_subquery().label("assigned"),
        (opened.scalar_subquery() + held.scalar_subquery()).label("load"),
    ).cte("loads")
    order = (loads.c.load, qualified.c.last.is_not(None), qualified.c.last, qualified.c.provider_id)
    ranked = (
        select(
            qualified.c.request_id, qualified.c.provider_id, qualified.c.capacity, qualified.c.last, loads.c.assigned, loads.c.load,
            func.row_number().over(partition_by=qualified.c.request_id, order_by=order).label("position"),
            func.count().over(partition_by=qualified.c.request_id).label("qualified"),
        )
        .join(loads, loads.c.provider_id == qualified.c.provider_id)
        .where(loads.c.assigned < qualified.c.capacity)
        .subquery("ranked")
    )
    every = select(ranked).order_by(ranked.c.request_id, ranked.c.position)
    return every, every.where(ranked.c.position <= bindparam("top"))


def _is(column, *values: str):
    """``column IN ('a', 'b')`` with the values written into the statement, as the partial
    indexes' predicates are: the planner can use those indexes for any plan of it."""
    return column.in_([literal_column(f"'{value}'") for value in values])


_RANKED, _RANKED_TOP = _ranked()

#: what ``candidate_pools`` and the provider lock read, by provider, whatever the county's size
CANDIDATE_INDEXES = (
    Index("ix_provider_items_item_code", provider_items.c.item_code, provider_items.c.provider_id),
    Index(
        "ix_offers_live_by_provider", Offer.provider_id, Offer.offered_at,
        postgresql_where=Offer.status.in_(["open", "accepted"]), sqlite_where=Offer.status.in_(["open", "accepted"]),
    ),
    Index(
        "ix_requests_in_hand_by_provider", ServiceRequest.provider_id,
        postgresql_where=ServiceRequest.status.in_(["accepted", "on_site"]), sqlite_where=ServiceRequest.status.in_(["accepted", "on_site"]),
    ),
)


# -- providers ----------------------------------------------------------------------------------


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


def provider_contacts(db: Session, provider_ids: Iterable[int]) -> dict[int, tuple[str, list[str]]]:
    """Each provider's name and the openids that take its orders (its own, its staff's)."""
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


def county_staff(db: Session) -> list[Staff]:
    return list(db.scalars(select(Staff).where(Staff.role == Role.COUNTY.value, Staff.active.is_(True)).order_by(Staff.id)))
