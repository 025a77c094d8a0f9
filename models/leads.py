"""Leads from neighbours' reports (主动发现): for the village secretary to verify.

The reporter may stay anonymous; either way they are never shown to the household.
Reports about the same household (or the same address) within a short time merge.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from rapidfuzz import fuzz
from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import audit
from models.calendar import local_today
from db.base import Base, IdPk, Timestamp, as_utc
from models.numbers import next_number

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


def mergeable_lead(db: Session, cipher, village_id: int | None, subject: str, address: str, now: dt.datetime) -> Lead | None:
    """An open lead in the same village, updated within the window, about what sounds
    like the same person at the same place (fuzzy: "王奶奶" ≈ "隔壁王奶奶")."""
    query = select(Lead).where(Lead.status == LeadStatus.OPEN.value, Lead.updated_at >= now - MERGE_WINDOW)
    query = query.where(Lead.village_id == village_id) if village_id else query.where(Lead.village_id.is_(None))
    for lead in db.scalars(query.order_by(Lead.id.desc()).limit(50)):
        if same_case(cipher.decrypt(lead.subject_enc), cipher.decrypt(lead.address_enc), subject, address):
            return lead
    return None


def same_case(subject_a: str, address_a: str, subject_b: str, address_b: str, threshold: float = 75) -> bool:
    return fuzz.partial_ratio(_squash(subject_a), _squash(subject_b)) >= threshold and fuzz.partial_ratio(_squash(address_a), _squash(address_b)) >= threshold


def _squash(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def add_reporter(db: Session, cipher, lead: Lead, openid: str, anonymous: bool) -> None:
    db.add(LeadReporter(lead_id=lead.id, openid_hash=cipher.blind_index(openid), openid_enc=cipher.encrypt(openid), anonymous=anonymous))


def leads_reported_by(db: Session, cipher, openid: str, limit: int = 5) -> list[Lead]:
    query = select(Lead).join(LeadReporter, LeadReporter.lead_id == Lead.id).where(LeadReporter.openid_hash == cipher.blind_index(openid))
    return list(db.scalars(query.order_by(Lead.id.desc()).limit(limit)))


def report(
    db: Session,
    cipher,
    *,
    openid: str,
    anonymous: bool,
    village_id: int | None,
    subject: str,
    address: str,
    latitude: float | None,
    longitude: float | None,
    situations: list[str],
    details: str | None,
    urgent: bool,
    deadline: dt.datetime,
    now: dt.datetime,
) -> tuple[Lead, bool]:
    """Record a neighbour's report as a lead, merged with a recent one about the same
    person and place. Returns (lead, merged)."""
    lead = mergeable_lead(db, cipher, village_id, subject, address, now)
    merged = lead is not None
    if lead is None:
        lead = Lead(
            number=next_number(db, "BG", local_today(now)), village_id=village_id,
            subject_enc=cipher.encrypt(subject), address_enc=cipher.encrypt(address), latitude=latitude, longitude=longitude,
            situations=sorted(set(situations)), details_enc=cipher.encrypt(details) if details else None, urgent=urgent,
            anonymous=anonymous, deadline=deadline, created_at=now, updated_at=now,
        )
        db.add(lead)
        db.flush()
    else:
        lead.reports += 1
        lead.situations = sorted(set(lead.situations) | set(situations))
        lead.urgent = lead.urgent or urgent
        lead.anonymous = lead.anonymous or anonymous
        lead.deadline = min(as_utc(lead.deadline), deadline)
        lead.updated_at = now
        if details:
            previous = cipher.decrypt(lead.details_enc) if lead.details_enc else ""
            lead.details_enc = cipher.encrypt((previous + "\n" + details).strip())
    add_reporter(db, cipher, lead, openid, anonymous)
    audit.record(db, "lead", lead.id, "merged" if merged else "reported", "reporter" if anonymous else f"wechat:{openid[:12]}", audit.Channel.WECHAT, now)
    return lead, merged



def open_leads(db: Session, village_id: int) -> list[Lead]:
    query = select(Lead).where(Lead.village_id == village_id, Lead.status.in_([LeadStatus.OPEN.value, LeadStatus.VERIFIED.value]))
    return list(db.scalars(query.order_by(Lead.deadline)))


def close_lead(db: Session, lead: Lead, status: LeadStatus, reason: str | None, actor: str, now: dt.datetime) -> None:
    lead.status, lead.close_reason, lead.updated_at = status.value, reason, now
    audit.record(db, "lead", lead.id, status.value, actor, audit.Channel.WECHAT, now, reason=reason)


def reporters_to_tell(db: Session, cipher, lead: Lead) -> list[str]:
    """Reporters who left their name get the outcome; anonymous ones are not contacted."""
    rows = db.scalars(select(LeadReporter).where(LeadReporter.lead_id == lead.id, LeadReporter.anonymous.is_(False)))
    return list(dict.fromkeys(cipher.decrypt(r.openid_enc) for r in rows))
