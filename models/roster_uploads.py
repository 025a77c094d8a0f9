"""Roster files uploaded in the back office (名单导入), and what their import did.

The web process checks what it can at once (size, that the file is an .xlsx or .xls workbook
at all) and stores the file in the row; a worker (``workers.roster_import``) imports it with
``roster.import_roster`` as ``flask ledger import`` does, town staff for their own town only, and stores the outcome: the
counts, the first ``SHOWN_ERRORS`` row errors for the page and the corrected-file report
(``roster.write_error_report``). Every step is audited. Files are kept ``KEEP_FILES``
(they hold personal data), then deleted with the daily export clean-up.
"""

from __future__ import annotations

import datetime as dt
import io
from enum import Enum
from pathlib import Path

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, select, update
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column

from models.audit import Channel, record
from db.base import Base, IdPk, Timestamp
from models.staff import staff as _staff  # noqa: F401  (the table the foreign keys point at, for a worker that imports nothing else)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""A 100,000-row roster is about 10 MB as .xlsx; an .xls holds at most 65,536 rows."""
SHOWN_ERRORS = 200
KEEP_FILES = dt.timedelta(days=7)

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the OLE2 compound file of Excel 97-2003 and WPS


class UploadStatus(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # imported (all, or the valid households)
    REFUSED = "refused"  # errors and all-or-nothing: nothing imported
    FAILED = "failed"  # the worker failed (retried by RQ)
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {"queued": "排队中", "running": "导入中", "done": "已导入", "refused": "有错误，未导入", "failed": "导入失败",
                "expired": "文件已过期删除"}[self.value]


class UploadError(ValueError):
    """The upload is refused at once; the message says why, in Chinese."""


class RosterUpload(Base):
    __tablename__ = "roster_uploads"

    id: Mapped[IdPk]
    #: the uploader's town (their rows may name no other), None for the county
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    skip_invalid: Mapped[bool]
    status: Mapped[str] = mapped_column(String(12), default=UploadStatus.QUEUED.value)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: ``ImportReport`` counts
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the first ``SHOWN_ERRORS`` errors as [row, column, reason]
    errors: Mapped[list] = mapped_column(JSON, default=list)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[Timestamp]
    finished_at: Mapped[dt.datetime | None]

    @property
    def state(self) -> UploadStatus:
        return UploadStatus(self.status)

    @property
    def suffix(self) -> str:
        return Path(self.filename).suffix.lower()

    @property
    def shown_errors(self) -> list[tuple[int, str, str]]:
        """(Excel row, column, reason) of the errors kept for the page."""
        return [tuple(e) for e in self.errors]


def check_file(filename: str, content: bytes) -> str:
    """The suffix (``.xlsx`` / ``.xls``) of a file that may be a workbook, or ``UploadError``."""
    suffix = Path(filename or "").suffix.lower()
    if not content:
        raise UploadError("文件是空的，请重新选择名单文件。")
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadError(f"文件太大（{len(content) / 1024 / 1024:.0f} MB）：名单文件最大{MAX_UPLOAD_BYTES // 1024 // 1024} MB。请按乡镇分开上传。")
    if suffix not in (".xlsx", ".xls"):
        raise UploadError("只能上传Excel名单文件（.xlsx 或 .xls）。")
    magic = XLSX_MAGIC if content.startswith(XLSX_MAGIC) else (XLS_MAGIC if content.startswith(XLS_MAGIC) else None)
    if magic is None:
        raise UploadError(f"“{filename}”不是Excel工作簿（文件内容不是 .xlsx 或 .xls）。请用Excel或WPS打开名单，另存为 .xlsx 后再上传。")
    _opens(filename, content)
    return suffix


def _opens(filename: str, content: bytes) -> None:
    """The workbook opens and has a worksheet (reading a file's sheet list costs little)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        try:
            workbook.get_sheet_by_index(0)
        finally:
            workbook.close()
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise UploadError(f"“{filename}”打不开，不是有效的Excel工作簿（{type(exc).__name__}）。请用Excel或WPS打开名单，另存为 .xlsx 后再上传。") from None


def receive(db: Session, filename: str, content: bytes, town_id: int | None, staff_id: int, skip_invalid: bool, now: dt.datetime) -> RosterUpload:
    """Check and store an upload; the worker is enqueued after commit."""
    check_file(filename, content)
    name = Path(filename).name[-200:]
    upload = RosterUpload(town_id=town_id, uploaded_by=staff_id, filename=name, size=len(content), skip_invalid=skip_invalid, content=content, created_at=now)
    db.add(upload)
    db.flush()
    record(db, "roster", upload.id, "uploaded", f"staff:{staff_id}", Channel.WEB, now, filename=name, bytes=len(content), skip_invalid=skip_invalid, town_id=town_id)
    return upload


def start(db: Session, upload_id: int) -> RosterUpload | None:
    """Mark an upload as being imported; None when there is nothing to do."""
    upload = db.get(RosterUpload, upload_id)
    if upload is None or upload.state not in (UploadStatus.QUEUED, UploadStatus.FAILED, UploadStatus.RUNNING):
        return None
    upload.status = UploadStatus.RUNNING.value
    return upload


def finish(db: Session, upload_id: int, summary: dict, errors: list[tuple[int, str, str]], error_count: int, error_report: bytes | None, now: dt.datetime) -> None:
    """Store what the import did: ``summary`` (counts, ``imported``), the errors to show (at
    most ``SHOWN_ERRORS``) and the corrected-file report."""
    status = UploadStatus.DONE if summary.get("imported") else UploadStatus.REFUSED
    db.execute(update(RosterUpload).where(RosterUpload.id == upload_id).values(
        status=status.value, summary=summary, errors=[list(e) for e in errors[:SHOWN_ERRORS]], error_count=error_count, report=error_report, finished_at=now,
    ))
    record(db, "roster", upload_id, "imported" if summary.get("imported") else "refused", "system", Channel.WORKER, now, rows=summary.get("rows"), errors=error_count,
           households_created=summary.get("households_created"), households_updated=summary.get("households_updated"))


def fail(db: Session, upload_id: int, error: str, now: dt.datetime) -> None:
    db.execute(update(RosterUpload).where(RosterUpload.id == upload_id).values(status=UploadStatus.FAILED.value, finished_at=now))
    record(db, "roster", upload_id, "failed", "system", Channel.WORKER, now, error=error[:200])


def recent(db: Session, town_id: int | None, limit: int = 20) -> list[RosterUpload]:
    query = select(RosterUpload)
    if town_id is not None:
        query = query.where(RosterUpload.town_id == town_id)
    return list(db.scalars(query.order_by(RosterUpload.id.desc()).limit(limit)))


def report_file(db: Session, upload: RosterUpload, staff_id: int, now: dt.datetime) -> bytes | None:
    """The corrected-file report; each download is audited."""
    content = db.scalar(select(RosterUpload.report).where(RosterUpload.id == upload.id))
    if content is not None:
        record(db, "roster", upload.id, "report_downloaded", f"staff:{staff_id}", Channel.WEB, now)
    return content


def expire(db: Session, now: dt.datetime) -> int:
    """Delete files and reports older than ``KEEP_FILES``; the row and its audit trail stay."""
    ids = list(db.scalars(select(RosterUpload.id).where(RosterUpload.created_at < now - KEEP_FILES, RosterUpload.status != UploadStatus.EXPIRED.value,
                                                       RosterUpload.status.notin_((UploadStatus.QUEUED.value, UploadStatus.RUNNING.value)))))
    if ids:
        db.execute(update(RosterUpload).where(RosterUpload.id.in_(ids)).values(status=UploadStatus.EXPIRED.value, content=None, report=None))
    for upload_id in ids:
        record(db, "roster", upload_id, "expired", "system", Channel.WORKER, now)
    return len(ids)
