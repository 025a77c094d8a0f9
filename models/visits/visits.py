"""Home visits (探访) and their record (工作台账).

A visit counts as done only with both a check-in (on arrival, with location) and a
completion (outcome). Due visits are created by the schedule job per target group.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import audit
from db.base import Base, IdPk, Timestamp
from models.households.households import Member
from policy.geo import distance_m

FAR_METRES = 500


class VisitKind(str, Enum):
    ROUTINE = "routine"
    URGENT = "urgent"  # after an emergency, accident or serious illness


class VisitStatus(str, Enum):
    DUE = "due"
    ACCEPTED = "accepted"
    CHECKED_IN = "checked_in"
    DONE = "done"


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("member_id", "kind", "due_date", name="uq_visits_member_kind_due"),)

    id: Mapped[IdPk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default=VisitKind.ROUTINE.value)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default=VisitStatus.DUE.value, index=True)
    accepted_at: Mapped[dt.datetime | None]
    checkin_at: Mapped[dt.datetime | None]
    checkin_latitude: Mapped[float | None]
    checkin_longitude: Mapped[float | None]
    distance_m: Mapped[int | None]
    far: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    notes_enc: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list] = mapped_column(JSON, default=list)
    reminded_before: Mapped[bool] = mapped_column(default=False)
    reminded_overdue: Mapped[bool] = mapped_column(default=False)
    escalated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[Timestamp]

    member: Mapped[Member] = relationship()


class CalendarDay(Base):
    """The official calendar as data: holidays and make-up workdays (调休) per date.

    Seeded from ``chinese_calendar`` (which knows 2004–2026); the county enters later
    years when the State Council publishes them. A year with no rows counts weekdays.
    """

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool]
    name: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16), default="chinese_calendar")


OPEN = (VisitStatus.DUE.value, VisitStatus.ACCEPTED.value, VisitStatus.CHECKED_IN.value)


def volunteer_visits(db: Session, staff_id: int, statuses: tuple[str, ...] = OPEN) -> list[Visit]:
    """A volunteer's own visits, the most urgent (earliest due) first."""
    query = select(Visit).where(Visit.staff_id == staff_id, Visit.status.in_(statuses))
    return list(db.scalars(query.order_by(Visit.kind.desc(), Visit.due_date, Visit.id)))


def accept_visit(db: Session, visit: Visit, staff_id: int, now: dt.datetime) -> bool:
    if visit.staff_id != staff_id or visit.status != VisitStatus.DUE.value:
        return False
    visit.status, visit.accepted_at = VisitStatus.ACCEPTED.value, now
    audit.record(db, "visit", visit.id, "accepted", f"staff:{staff_id}", audit.Channel.WECHAT, now)
    return True


def decline_visit(db: Session, visit: Visit, staff_id: int, now: dt.datetime) -> bool:
    """Give a visit back: it waits for the secretary to assign someone else."""
    if visit.staff_id != staff_id or visit.status not in (VisitStatus.DUE.value, VisitStatus.ACCEPTED.value):
        return False
    visit.staff_id, visit.status, visit.accepted_at = None, VisitStatus.DUE.value, None
    audit.record(db, "visit", visit.id, "declined", f"staff:{staff_id}", audit.Channel.WECHAT, now)
    return True


def check_in(db: Session, visit: Visit, staff_id: int, latitude: float | None, longitude: float | None, now: dt.datetime) -> bool:
    """Arrival, with the distance to the household's recorded place; over 500 m is kept but flagged."""
    if visit.staff_id != staff_id or visit.status not in (VisitStatus.DUE.value, VisitStatus.ACCEPTED.value):
        return False
    household = visit.member.household
    visit.status, visit.checkin_at = VisitStatus.CHECKED_IN.value, now
    visit.accepted_at = visit.accepted_at or now
    visit.checkin_latitude, visit.checkin_longitude = latitude, longitude
    if None not in (latitude, longitude, household.latitude, household.longitude):
        visit.distance_m = distance_m(latitude, longitude, household.latitude, household.longitude)
    visit.far = visit.distance_m is None or visit.distance_m > FAR_METRES
    audit.record(db, "visit", visit.id, "checked_in", f"staff:{staff_id}", audit.Channel.WECHAT, now, distance_m=visit.distance_m, far=visit.far)
    return True


def complete_visit(db: Session, cipher, visit: Visit, staff_id: int, outcome: str, notes: str | None, photos: list[str], now: dt.datetime) -> bool:
    """Only a checked-in visit can be completed: without both it does not count as done."""
    if visit.staff_id != staff_id or visit.status != VisitStatus.CHECKED_IN.value:
        return False
    visit.status, visit.completed_at, visit.outcome = VisitStatus.DONE.value, now, outcome
    visit.notes_enc = cipher.encrypt(notes) if notes else None
    visit.photos = photos
    audit.record(db, "visit", visit.id, "completed", f"staff:{staff_id}", audit.Channel.WECHAT, now, outcome=outcome)
    return True


def overdue_visits(db: Session, village_id: int, today: dt.date) -> list[Visit]:
    query = select(Visit).where(Visit.village_id == village_id, Visit.status != VisitStatus.DONE.value, Visit.due_date < today)
    return list(db.scalars(query.order_by(Visit.due_date)))
