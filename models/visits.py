"""Home visits (探访) and their record (工作台账).

A visit counts as done only with both a check-in (on arrival, with location) and a
completion (outcome). Due visits are created by the schedule job per target group.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, IdPk, Timestamp
from models.households import Member

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
