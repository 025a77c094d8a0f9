"""The audit trail (服务留痕): every state change, who, when, what, from which channel.

Append-only: the application has no function that updates or deletes an entry, and on
PostgreSQL a trigger refuses UPDATE and DELETE on the table (see the migration).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy import JSON, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base, IdPk, utcnow


class Channel(str, Enum):
    WECHAT = "wechat"
    WEB = "web"
    WORKER = "worker"
    CLI = "cli"


class AuditEntry(Base):
    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_subject", "subject", "subject_id"),)

    id: Mapped[IdPk]
    subject: Mapped[str] = mapped_column(String(16))  # request, lead, visit, review, staff ...
    subject_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))  # "staff:12", "resident:<openid prefix>", "system"
    channel: Mapped[str] = mapped_column(String(8))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime]


def record(db: Session, subject: str, subject_id: int, action: str, actor: str, channel: Channel, at: dt.datetime | None = None, **detail) -> AuditEntry:
    entry = AuditEntry(subject=subject, subject_id=subject_id, action=action, actor=actor, channel=channel.value, detail=detail, at=at or utcnow())
    db.add(entry)
    return entry


def trail(db: Session, subject: str, subject_id: int) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.subject == subject, AuditEntry.subject_id == subject_id).order_by(AuditEntry.at, AuditEntry.id)))
