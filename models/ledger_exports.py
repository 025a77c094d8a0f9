"""Ledger exports asked for in the back office: who asked, why, for which town and period.

The row is saved (and the request audited with its reason) before the worker is asked to build
the file; the worker stores the finished .xlsx in the row, so any web process can serve it
and nothing depends on a shared disk. Every download is audited too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Date, ForeignKey, LargeBinary, String, select, update
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column

from models.audit import Channel, record
from db.base import Base, IdPk, Timestamp

MIN_REASON_LENGTH = 4


class ExportKind(str, Enum):
    NEEDS = "needs"  # 需求台账 (one town, as of today)
    SERVICE = "service"  # 服务台账: every request of the period and its trace
    VISITS = "visits"  # 探访台账 (工作台账)
    TASKS = "tasks"  # 任务清单 by responsible unit (附件4)

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def needs_period(self) -> bool:
        return self is not ExportKind.NEEDS


_KIND_LABELS = {
    ExportKind.NEEDS: "需求台账",
    ExportKind.SERVICE: "服务台账",
    ExportKind.VISITS: "探访台账",
    ExportKind.TASKS: "任务清单",
}


class ExportStatus(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    #: the file was deleted after ``KEEP_FILES`` (the row and its audit trail stay)
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {"queued": "排队中", "running": "生成中", "done": "已完成", "failed": "生成失败", "expired": "文件已过期，请重新导出"}[self.value]


#: how long a built ledger (personal data, in the database) is kept for download
KEEP_FILES = dt.timedelta(days=7)


class LedgerExport(Base):
    __tablename__ = "ledger_exports"

    id: Mapped[IdPk]
    kind: Mapped[str] = mapped_column(String(16))
    #: None: the whole county
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ExportStatus.QUEUED.value)
    rows: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(128))
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[Timestamp]
    finished_at: Mapped[dt.datetime | None]

    @property
    def state(self) -> ExportStatus:
        return ExportStatus(self.status)

    @property
    def export_kind(self) -> ExportKind:
        return ExportKind(self.kind)


class ExportError(ValueError):
    """The export cannot be asked for as given (the message says why, in Chinese)."""


@dataclass(frozen=True)
class ExportSpec:
    """What a worker needs to build one export."""

    id: int
    kind: ExportKind
    town_id: int | None
    period_start: dt.date | None
    period_end: dt.date | None


def file_name(kind: ExportKind, area: str, start: dt.date | None, end: dt.date | None, today: dt.date) -> str:
    when = f"{start:%Y%m%d}-{end:%Y%m%d}" if start and end else f"{today:%Y%m%d}"
    return f"{kind.label}-{area}-{when}.xlsx"


def request_export(db: Session, kind: ExportKind, town_id: int | None, area: str, start: dt.date | None, end: dt.date | None, reason: str, staff_id: int, now: dt.datetime, today: dt.date) -> LedgerExport:
    """Save an export request and audit who asked and why; the worker is enqueued after commit."""
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ExportError(f"请写明导出用途（至少{MIN_REASON_LENGTH}个字），会记入留痕。")
    if kind is ExportKind.NEEDS and town_id is None:
        raise ExportError("需求台账按乡镇导出，请选择一个乡镇。")
    if kind.needs_period:
        if start is None or end is None or start > end:
            raise ExportError("请选择起止日期（开始不晚于结束）。")
    else:
        start = end = None
    export = LedgerExport(
        kind=kind.value, town_id=town_id, period_start=start, period_end=end, reason=reason[:200], requested_by=staff_id,
        filename=file_name(kind, area, start, end, today), created_at=now,
    )
    db.add(export)
    db.flush()
    record(db, "export", export.id, "requested", f"staff:{staff_id}", Channel.WEB, now, kind=kind.value, town_id=town_id,
           period=[start.isoformat(), end.isoformat()] if start and end else None, reason=export.reason)
    return export


def start_export(db: Session, export_id: int) -> ExportSpec | None:
    """Mark an export as being built; None when there is nothing to do (done, or gone)."""
    export = db.get(LedgerExport, export_id)
    if export is None or export.state is ExportStatus.DONE:
        return None
    export.status = ExportStatus.RUNNING.value
    return ExportSpec(export.id, ExportKind(export.kind), export.town_id, export.period_start, export.period_end)


def finish_export(db: Session, export_id: int, content: bytes, rows: int, now: dt.datetime) -> None:
    db.execute(update(LedgerExport).where(LedgerExport.id == export_id).values(status=ExportStatus.DONE.value, content=content, rows=rows, finished_at=now, error=None))
    record(db, "export", export_id, "generated", "system", Channel.WORKER, now, rows=rows, bytes=len(content))


def fail_export(db: Session, export_id: int, error: str, now: dt.datetime) -> None:
    db.execute(update(LedgerExport).where(LedgerExport.id == export_id).values(status=ExportStatus.FAILED.value, error=error[:200], finished_at=now))
    record(db, "export", export_id, "failed", "system", Channel.WORKER, now, error=error[:200])


def expire_exports(db: Session, now: dt.datetime) -> int:
    """Delete the files of exports finished more than ``KEEP_FILES`` ago; each is audited."""
    ids = list(db.scalars(select(LedgerExport.id).where(LedgerExport.status == ExportStatus.DONE.value, LedgerExport.finished_at < now - KEEP_FILES)))
    if ids:
        db.execute(update(LedgerExport).where(LedgerExport.id.in_(ids)).values(status=ExportStatus.EXPIRED.value, content=None))
    for export_id in ids:
        record(db, "export", export_id, "expired", "system", Channel.WORKER, now)
    return len(ids)


def recent_exports(db: Session, town_id: int | None, limit: int = 20) -> list[LedgerExport]:
    """The latest exports of a town (town staff) or of everyone (county)."""
    query = select(LedgerExport)
    if town_id is not None:
        query = query.where(LedgerExport.town_id == town_id)
    return list(db.scalars(query.order_by(LedgerExport.id.desc()).limit(limit)))


def download(db: Session, export: LedgerExport, staff_id: int, now: dt.datetime) -> bytes | None:
    """The finished file; each download is audited."""
    if export.state is not ExportStatus.DONE:
        return None
    record(db, "export", export.id, "downloaded", f"staff:{staff_id}", Channel.WEB, now)
    return db.scalar(select(LedgerExport.content).where(LedgerExport.id == export.id))
