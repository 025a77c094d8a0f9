"""RQ job that builds a ledger export (.xlsx) asked for in the back office.

``build_export(export_id)``: job id ``export-<id>`` on the ``low`` queue. Reports progress in
the job's meta (``{"done": rows written, "total": rows expected}``), stores the file in the
export's row, and is idempotent: an export already built is left alone. Exceptions escape (the
row is marked failed first) so RQ's Retry runs it again.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from redis.exceptions import RedisError
from rq import Retry, get_current_job
from rq.exceptions import NoSuchJobError

from models.areas import Town
from models.calendar import local_today
from reports.needs_ledger import export_needs_ledger
from models.ledger_exports import ExportKind, ExportSpec, expire_exports, fail_export, finish_export, start_export
from reports.service_ledger import write_service_ledger
from reports.supervision import Period
from reports.task_list import write_task_list
from reports.visit_ledger import write_visit_ledger
from reports.xlsx import Progress, new_workbook, to_bytes
from core.context import Context, current
from core.guarded import Job, rq_job

log = logging.getLogger(__name__)

QUEUE = "low"
JOB_TIMEOUT = 1800
EXPORT_RETRY = Retry(max=2, interval=[10, 60])
PROGRESS_EVERY_SECONDS = 0.5


def job_id(export_id: int) -> str:
    return f"export-{export_id}"


def enqueue_export(ctx: Context, export_id: int) -> bool:
    """After commit. False when Redis is down (the page says so; asking again enqueues again)."""
    try:
        ctx.queue(QUEUE).enqueue(build_export, export_id, job_id=job_id(export_id), job_timeout=JOB_TIMEOUT, retry=EXPORT_RETRY, result_ttl=86400, failure_ttl=7 * 86400)
        return True
    except RedisError:
        log.warning("could not enqueue export %s", export_id)
        return False


def progress_of(ctx: Context, export_id: int) -> tuple[int, int | None] | None:
    """(rows done, rows expected) from the job's meta, or None when unknown."""
    try:
        meta = Job.fetch(job_id(export_id), connection=ctx.redis).get_meta(refresh=True)
    except (NoSuchJobError, RedisError):
        return None
    if "done" not in meta:
        return None
    return int(meta["done"]), meta.get("total")


def _reporter() -> Progress:
    job = get_current_job()
    last = [0.0]

    def report(done: int, total: int | None) -> None:
        if job is None or (time.monotonic() - last[0] < PROGRESS_EVERY_SECONDS and done != total):
            return
        last[0] = time.monotonic()
        job.meta.update(done=done, total=total)
        job.save_meta()

    return report


@rq_job
def build_export(export_id: int) -> int:
    ctx = current()
    with ctx.Session.begin() as db:
        spec = start_export(db, export_id)
    if spec is None:
        return 0
    progress = _reporter()
    try:
        content, rows = _build(ctx, spec, progress)
    except Exception as exc:
        with ctx.Session.begin() as db:
            fail_export(db, export_id, type(exc).__name__, ctx.clock())
        raise
    with ctx.Session.begin() as db:
        finish_export(db, export_id, content, rows, ctx.clock())
    progress(rows, rows)
    return rows


def _build(ctx: Context, spec: ExportSpec, progress: Progress) -> tuple[bytes, int]:
    now = ctx.clock()
    today = local_today(now)
    with ctx.Session() as db:
        town = db.get(Town, spec.town_id) if spec.town_id is not None else None
        area = town.name if town else "全县"
        if spec.kind is ExportKind.NEEDS:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "needs.xlsx"
                progress(0, None)
                rows = export_needs_ledger(db, town, path, today)
                return path.read_bytes(), rows
        workbook = new_workbook()
        period = Period(spec.period_start, spec.period_end)
        if spec.kind is ExportKind.SERVICE:
            rows = write_service_ledger(db, workbook, period, spec.town_id, area, today, progress)
        elif spec.kind is ExportKind.VISITS:
            rows = write_visit_ledger(db, workbook, period, spec.town_id, area, today, progress)
        else:
            rows = write_task_list(db, workbook, period, spec.town_id, area, now, progress)
        return to_bytes(workbook), rows


@rq_job
def expire_export_files() -> int:
    """Daily: built ledgers hold personal data; their files go after ``KEEP_FILES``."""
    ctx = current()
    with ctx.Session.begin() as db:
        return expire_exports(db, ctx.clock())
