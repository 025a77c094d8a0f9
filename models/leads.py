"""Leads from neighbours' reports (主动发现): for the village secretary to verify.

The reporter may stay anonymous; either way they are never shown to the household.
Reports about the same household (or the same address) within a short time merge.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import Base, IdPk, Timestamp

MERGE_WINDOW = dt.timedelta(days=3)


class LeadStatus(str, Enum):
    OPEN = "open"  # 待核实
    VERIFIED = "verified"  # 已核实
    CONVERTED = "converted"  # 已建档
    CLOSED = "closed"  # 已关闭（附原因）

    @property
    def label(self) -> str:
        return {"open": "已转给村里核实", "verified": "村里已核实", "converted": "已登记帮扶", "closed": "已处理完毕"}[self.value]


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[IdPk]
    number: Mapped[str] = mapped_column(String(24), unique=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    #: normalised "who + where" used to merge repeated reports without a household match
    merge_key: Mapped[str] = mapped_column(String(64), index=True)
    subject_enc: Mapped[str] = mapped_column(Text)  # who: a name or a description
    address_enc: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    situations: Mapped[list] = mapped_column(JSON, default=list)
    details_enc: Mapped[str | None] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(default=False)
    #: true when any reporter asked to stay anonymous: staff are not told who reported
    anonymous: Mapped[bool] = mapped_column(default=False)
    reports: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(12), default=LeadStatus.OPEN.value)
    deadline: Mapped[dt.datetime]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[dt.datetime]
    close_reason: Mapped[str | None] = mapped_column(String(128))


class LeadReporter(Base):
    """Who reported a lead, for their follow-up (进度); never shown to the household."""

    __tablename__ = "lead_reporters"

    id: Mapped[IdPk]
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    openid_hash: Mapped[str] = mapped_column(String(64), index=True)
    openid_enc: Mapped[str] = mapped_column(String(256))
    anonymous: Mapped[bool] = mapped_column(default=False)
    at: Mapped[Timestamp]


def mergeable_lead(db: Session, household_id: int | None, merge_key: str, now: dt.datetime) -> Lead | None:
    query = select(Lead).where(Lead.status == LeadStatus.OPEN.value, Lead.updated_at >= now - MERGE_WINDOW)
    query = query.where(Lead.household_id == household_id) if household_id else query.where(Lead.merge_key == merge_key)
    return db.scalar(query.order_by(Lead.id.desc()).limit(1))


def add_reporter(db: Session, cipher, lead: Lead, openid: str, anonymous: bool) -> None:
    db.add(LeadReporter(lead_id=lead.id, openid_hash=cipher.blind_index(openid), openid_enc=cipher.encrypt(openid), anonymous=anonymous))


def leads_reported_by(db: Session, cipher, openid: str, limit: int = 5) -> list[Lead]:
    query = select(Lead).join(LeadReporter, LeadReporter.lead_id == Lead.id).where(LeadReporter.openid_hash == cipher.blind_index(openid))
    return list(db.scalars(query.order_by(Lead.id.desc()).limit(limit)))
