"""Service requests (群众点单), offers to providers (系统派单/机构接单), referrals (转介).

A request is saved before the user is told it was received; dispatch happens in a
worker. A request is held by at most one provider: claims are conditional updates.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy import Date, ForeignKey, Index, Select, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import audit
from models.calendar import local_today
from db.base import Base, IdPk, Timestamp
from models.households.households import Member
from models.numbers import next_number
from models.households.residents import residents_of_member


class RequestStatus(str, Enum):
    RECEIVED = "received"  # 已受理: saved, waiting for dispatch
    OFFERED = "offered"  # 已派单: offered to a provider, waiting for acceptance
    ACCEPTED = "accepted"  # 服务人员已接单
    ON_SITE = "on_site"  # 已上门
    COMPLETED = "completed"  # 已完成
    CANCELLED = "cancelled"  # 已取消
    REFERRED = "referred"  # 已转介
    ESCALATED = "escalated"  # 转乡镇处理: no provider took it
    REOPENED = "reopened"  # the resident was not satisfied: back to the village secretary

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def open(self) -> bool:
        return self not in (RequestStatus.COMPLETED, RequestStatus.CANCELLED, RequestStatus.REFERRED)


STATUS_LABELS = {
    RequestStatus.RECEIVED: "已受理，正在安排",
    RequestStatus.OFFERED: "已派单，等待服务人员接单",
    RequestStatus.ACCEPTED: "服务人员已接单",
    RequestStatus.ON_SITE: "服务人员已上门",
    RequestStatus.COMPLETED: "已完成",
    RequestStatus.CANCELLED: "已取消",
    RequestStatus.REFERRED: "已转介给相关部门",
    RequestStatus.ESCALATED: "已转乡镇工作人员安排",
    RequestStatus.REOPENED: "村里正在重新安排",
}

#: a request can be cancelled by the resident until someone is at the door
CANCELLABLE = {RequestStatus.RECEIVED, RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.ESCALATED, RequestStatus.REOPENED}


class ServiceRequest(Base):
    __tablename__ = "service_requests"
    __table_args__ = (Index("ix_requests_status_created", "status", "created_at"),)

    id: Mapped[IdPk]
    number: Mapped[str] = mapped_column(String(24), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"))
    description_enc: Mapped[str] = mapped_column(Text)
    preferred_date: Mapped[dt.date | None] = mapped_column(Date)
    address_enc: Mapped[str] = mapped_column(String(512))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.RECEIVED.value)
    #: who sent it, and for whom: "本人" or the proxy's relation
    requested_by: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(16), default="本人")
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    created_at: Mapped[Timestamp]
    assigned_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    rating: Mapped[str | None] = mapped_column(String(16))  # satisfied / basic / unsatisfied
    rating_comment_enc: Mapped[str | None] = mapped_column(Text)

    member: Mapped[Member] = relationship()

    @property
    def state(self) -> RequestStatus:
        return RequestStatus(self.status)


class OfferStatus(str, Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Offer(Base):
    """One offer of a request to one provider; never twice to the same provider."""

    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint("request_id", "provider_id", name="uq_offers_request_provider"),)

    id: Mapped[IdPk]
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=OfferStatus.OPEN.value)
    offered_at: Mapped[dt.datetime]
    deadline: Mapped[dt.datetime]
    answered_at: Mapped[dt.datetime | None]


class Referral(Base):
    """转介: a matter for another department, to be transferred within 1 working day."""

    __tablename__ = "referrals"

    id: Mapped[IdPk]
    number: Mapped[str] = mapped_column(String(24), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    department: Mapped[str] = mapped_column(String(16))
    matter_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending / transferred
    deadline: Mapped[dt.datetime]
    transferred_at: Mapped[dt.datetime | None]
    created_at: Mapped[Timestamp]


def requests_of(db: Session, openid: str, member_ids: list[int] | Select, limit: int = 10) -> list[ServiceRequest]:
    """A user's requests: those they sent and those for members they are bound to.

    ``member_ids``: those members' ids, or ``bound_member_ids(openid)`` to read them in the same query.
    """
    members = member_ids if isinstance(member_ids, Select) else (member_ids or [-1])
    query = select(ServiceRequest).where((ServiceRequest.requested_by == openid) | ServiceRequest.member_id.in_(members))
    return list(db.scalars(query.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc()).limit(limit)))


def find_by_number(db: Session, number: str) -> ServiceRequest | None:
    return db.scalar(select(ServiceRequest).where(ServiceRequest.number == number.upper()))


def create_request(
    db: Session,
    cipher,
    *,
    member: Member,
    openid: str,
    relation: str,
    item_code: str,
    description: str,
    preferred_date: dt.date | None,
    address: str,
    latitude: float | None,
    longitude: float | None,
    now: dt.datetime,
) -> ServiceRequest:
    """Save a request (it exists before the user is told so); dispatch comes after commit."""
    request = ServiceRequest(
        number=next_number(db, "FW", local_today(now)),
        member_id=member.id,
        village_id=member.household.village_id,
        item_code=item_code,
        description_enc=cipher.encrypt(description),
        preferred_date=preferred_date,
        address_enc=cipher.encrypt(address),
        latitude=latitude,
        longitude=longitude,
        requested_by=openid,
        relation=relation,
        created_at=now,
    )
    db.add(request)
    db.flush()
    audit.record(db, "request", request.id, "created", actor_of(openid), audit.Channel.WECHAT, now, item=item_code, relation=relation)
    return request


def create_referral(db: Session, cipher, *, openid: str, member: Member | None, department: str, matter: str, deadline: dt.datetime, now: dt.datetime) -> Referral:
    referral = Referral(
        number=next_number(db, "ZJ", local_today(now)),
        openid=openid,
        member_id=member.id if member else None,
        village_id=member.household.village_id if member else None,
        department=department,
        matter_enc=cipher.encrypt(matter),
        deadline=deadline,
        created_at=now,
    )
    db.add(referral)
    db.flush()
    audit.record(db, "referral", referral.id, "created", actor_of(openid), audit.Channel.WECHAT, now, department=department)
    return referral


def cancel_request(db: Session, request: ServiceRequest, openid: str, now: dt.datetime) -> bool:
    """Cancel before anyone is at the door; open offers are withdrawn. False if too late."""
    if request.state not in CANCELLABLE:
        return False
    request.status = RequestStatus.CANCELLED.value
    for offer in db.scalars(select(Offer).where(Offer.request_id == request.id, Offer.status == OfferStatus.OPEN.value)):
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN.value, now
    audit.record(db, "request", request.id, "cancelled", actor_of(openid), audit.Channel.WECHAT, now)
    return True


def rate_request(db: Session, cipher, request: ServiceRequest, openid: str, rating: str, comment: str | None, now: dt.datetime) -> None:
    """满意 / 基本满意 / 不满意; 不满意 reopens the request for the village secretary."""
    request.rating = rating
    request.rating_comment_enc = cipher.encrypt(comment) if comment else None
    audit.record(db, "request", request.id, "rated", actor_of(openid), audit.Channel.WECHAT, now, rating=rating)
    if rating == "unsatisfied":
        request.status = RequestStatus.REOPENED.value
        audit.record(db, "request", request.id, "reopened", actor_of(openid), audit.Channel.WECHAT, now, reason="resident unsatisfied")


def unrated_completed(db: Session, openid: str, member_ids: list[int] | Select) -> list[ServiceRequest]:
    return [r for r in requests_of(db, openid, member_ids, limit=20) if r.state is RequestStatus.COMPLETED and r.rating is None]


def referrals_of(db: Session, openid: str, limit: int = 5) -> list[Referral]:
    return list(db.scalars(select(Referral).where(Referral.openid == openid).order_by(Referral.id.desc()).limit(limit)))


def actor_of(openid: str) -> str:
    """How a WeChat user appears in the audit trail (a prefix of the openid, not a name)."""
    return f"wechat:{openid[:12]}"


def provider_requests(db: Session, provider_id: int, statuses: tuple[RequestStatus, ...]) -> list[ServiceRequest]:
    query = select(ServiceRequest).where(ServiceRequest.provider_id == provider_id, ServiceRequest.status.in_([s.value for s in statuses]))
    return list(db.scalars(query.order_by(ServiceRequest.created_at)))


def advance_service(db: Session, request: ServiceRequest, provider_id: int, to: RequestStatus, actor: str, now: dt.datetime) -> bool:
    """The provider holding a request marks it 已上门 or 已完成. False if it is not theirs
    or not in a state that allows the step."""
    allowed = {RequestStatus.ON_SITE: {RequestStatus.ACCEPTED}, RequestStatus.COMPLETED: {RequestStatus.ACCEPTED, RequestStatus.ON_SITE}}
    if request.provider_id != provider_id or request.state not in allowed[to]:
        return False
    request.status = to.value
    if to is RequestStatus.COMPLETED:
        request.completed_at = now
    audit.record(db, "request", request.id, to.value, actor, audit.Channel.WECHAT, now)
    return True


def people_to_tell(db: Session, request: ServiceRequest) -> list[str]:
    """Who hears about a request: whoever sent it and everyone bound to the member."""
    return list(dict.fromkeys([request.requested_by, *residents_of_member(db, request.member_id)]))


ATTENTION = (RequestStatus.RECEIVED, RequestStatus.OFFERED, RequestStatus.ESCALATED, RequestStatus.REOPENED)


def village_requests(db: Session, village_id: int, statuses: tuple[RequestStatus, ...] = ATTENTION) -> list[ServiceRequest]:
    query = select(ServiceRequest).where(ServiceRequest.village_id == village_id, ServiceRequest.status.in_([s.value for s in statuses]))
    return list(db.scalars(query.order_by(ServiceRequest.created_at)))


def village_referrals(db: Session, village_id: int) -> list[Referral]:
    query = select(Referral).where(Referral.village_id == village_id, Referral.status == "pending")
    return list(db.scalars(query.order_by(Referral.deadline)))


def holders(db: Session, request_id: int) -> set[int]:
    """Providers with a live (open or accepted) offer of the request."""
    query = select(Offer.provider_id).where(Offer.request_id == request_id, Offer.status.in_([OfferStatus.OPEN.value, OfferStatus.ACCEPTED.value]))
    return set(db.scalars(query))
