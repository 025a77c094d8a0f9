"""Notices no channel could carry (undeliverable, or refused by WeChat), by the area of the
person they were for: 待办 shows a village's, the back office a town's or the county's. They
are never dropped: staff follow up by phone or in person."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from models.areas import Village
from models.households.households import Household, Member
from models.households.residents import Binding
from models.messages import OutboundMessage, OutboundStatus
from models.staff.staff import Staff

GIVEN_UP = (OutboundStatus.UNDELIVERABLE.value, OutboundStatus.FAILED.value)


def _openids_of(village_ids):
    residents = select(Binding.openid).join(Member, Member.id == Binding.member_id).join(Household, Household.id == Member.household_id).where(Household.village_id.in_(village_ids))
    staff = select(Staff.openid).where(Staff.village_id.in_(village_ids), Staff.openid.is_not(None))
    return union(residents, staff).subquery()


def for_village(db: Session, village_id: int, limit: int = 20) -> list[OutboundMessage]:
    openids = _openids_of([village_id])
    return list(db.scalars(select(OutboundMessage).where(OutboundMessage.status.in_(GIVEN_UP), OutboundMessage.openid.in_(select(openids.c[0]))).order_by(OutboundMessage.id.desc()).limit(limit)))


def for_town(db: Session, town_id: int | None, limit: int = 200) -> list[OutboundMessage]:
    """A town's (town staff's and its villages' people's); ``None``: the whole county's."""
    query = select(OutboundMessage).where(OutboundMessage.status.in_(GIVEN_UP))
    if town_id is not None:
        villages = list(db.scalars(select(Village.id).where(Village.town_id == town_id))) or [-1]
        people = select(_openids_of(villages).c[0])
        town_staff = select(Staff.openid).where(Staff.town_id == town_id, Staff.openid.is_not(None))
        query = query.where(OutboundMessage.openid.in_(people) | OutboundMessage.openid.in_(town_staff))
    return list(db.scalars(query.order_by(OutboundMessage.id.desc()).limit(limit)))
