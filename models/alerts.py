"""Alerts the clocks have sent: each warning, escalation or digest goes out once.

One row per (subject, subject id, stage): "referral 12 / warn", "request 7 / town_b",
"staff 3 / digest-2025-10-09". The primary key makes ``claim`` atomic: of two clock runs that
race (a retried job, two schedulers by mistake), exactly one inserts the row and sends.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base
from db.sql import insert_ignoring_conflicts


class Alert(Base):
    __tablename__ = "clock_alerts"

    subject: Mapped[str] = mapped_column(String(16), primary_key=True)  # request, referral, lead, staff, calendar
    subject_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime]


def claim(db: Session, subject: str, subject_id: int, stage: str, at: dt.datetime) -> bool:
    """Record that this alert is being sent; False when it was (or is being) sent already.

    The row belongs to the caller's transaction: if that rolls back, so does the claim.
    """
    stmt = insert_ignoring_conflicts(db, Alert.__table__).values(subject=subject, subject_id=subject_id, stage=stage, at=at)
    return db.execute(stmt.returning(Alert.__table__.c.stage)).first() is not None


def claimed_at(db: Session, subject: str, subject_id: int, stage: str) -> dt.datetime | None:
    return db.scalar(select(Alert.at).where(Alert.subject == subject, Alert.subject_id == subject_id, Alert.stage == stage))
