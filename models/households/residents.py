"""Residents' consent (PIPL) and bindings of a WeChat user to a household member.

A binding is either the member themself or a proxy (family member, neighbour, 协理员)
acting for them; every request records who acted for whom.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Select, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from db.base import Base, IdPk, Timestamp
from models.households.households import Member
from models.staff.staff import staff_by_openid

#: bump when the consent text changes: users are asked again
CONSENT_VERSION = 1


class Consent(Base):
    __tablename__ = "consents"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int]
    agreed: Mapped[bool]
    at: Mapped[Timestamp]


class Binding(Base):
    __tablename__ = "bindings"
    __table_args__ = (UniqueConstraint("openid", "member_id", name="uq_bindings_openid_member"),)

    id: Mapped[IdPk]
    openid: Mapped[str] = mapped_column(String(64), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: "本人", or the proxy's relation: 子女, 亲属, 邻居, 协理员 ...
    relation: Mapped[str] = mapped_column(String(16), default="本人")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]

    member: Mapped[Member] = relationship()

    @property
    def is_proxy(self) -> bool:
        return self.relation != "本人"


def consent_of(db: Session, openid: str) -> Consent | None:
    consent = db.get(Consent, openid)
    return consent if consent and consent.version == CONSENT_VERSION else None


def has_consented(db: Session, openid: str) -> bool:
    consent = consent_of(db, openid)
    return bool(consent and consent.agreed)


def set_consent(db: Session, openid: str, agreed: bool, at: dt.datetime) -> None:
    consent = db.get(Consent, openid)
    if consent is None:
        db.add(Consent(openid=openid, version=CONSENT_VERSION, agreed=agreed, at=at))
    else:
        consent.version, consent.agreed, consent.at = CONSENT_VERSION, agreed, at


_WITH_MEMBERS = (joinedload(Binding.member).joinedload(Member.household),)  # built once: a loader option costs to build


def bindings_of(db: Session, openid: str, *, with_members: bool = False) -> list[Binding]:
    """The user's active bindings; ``with_members`` loads each member and household in the same query."""
    query = select(Binding).where(Binding.openid == openid, Binding.active.is_(True)).order_by(Binding.id)
    if with_members:
        query = query.options(*_WITH_MEMBERS)
    return list(db.scalars(query))


def bound_member_ids(openid: str) -> Select:
    """The ids of the members a user is bound to, as a subquery: read inside the caller's query."""
    return select(Binding.member_id).where(Binding.openid == openid, Binding.active.is_(True))


def bind(db: Session, openid: str, member: Member, relation: str) -> Binding:
    binding = db.scalar(select(Binding).where(Binding.openid == openid, Binding.member_id == member.id))
    if binding is None:
        binding = Binding(openid=openid, member=member, relation=relation)
        db.add(binding)
    binding.active, binding.relation = True, relation
    db.flush()
    return binding


def residents_of_member(db: Session, member_id: int) -> list[str]:
    """Openids bound to a member (themself and proxies): who to tell about their requests."""
    return list(db.scalars(select(Binding.openid).where(Binding.member_id == member_id, Binding.active.is_(True))))


def village_id_of(db: Session, openid: str) -> int | None:
    """The village a user belongs to: through their first binding, or as staff."""
    binding = next(iter(bindings_of(db, openid)), None)
    if binding is not None:
        return binding.member.household.village_id
    staff = staff_by_openid(db, openid)
    return staff.village_id if staff else None
