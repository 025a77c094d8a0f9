"""RQ job that imports a roster uploaded in the back office (``models.roster_uploads``).

``import_upload(upload_id)``: job id ``roster-<id>`` on the ``low`` queue. The file goes to a
temporary file, ``roster.import_roster`` reads, validates and imports it in one
transaction (town staff: their own town only), and the outcome is stored in the upload's row
with the corrected-file report when rows were wrong. Progress in the job's meta: ``stage``
(读取, 写入户, 写入成员, 评估), ``done``, ``total``. Exceptions escape (the row is marked failed
first) so RQ's Retry runs it again; an upload already finished is left alone.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from redis.exceptions import RedisError
from rq import Retry, get_current_job
from rq.exceptions import NoSuchJobError

from core.context import Context, current
from core.guarded import Job, rq_job
from sqlalchemy import select

from models.areas import Town
from models.calendar import local_today
from roster import ImportReport, import_roster, write_error_report
from models.roster_uploads import SHOWN_ERRORS, RosterUpload, expire, fail, finish, start

log = logging.getLogger(__name__)

QUEUE = "low"
JOB_TIMEOUT = 1800
RETRY = Retry(max=2, interval=[10, 60])
PROGRESS_EVERY_SECONDS = 0.5
STAGES = ("读取", "写入户", "写入成员", "评估")


def job_id(upload_id: int) -> str:
    return f"roster-{upload_id}"


def enqueue_import(ctx: Context, upload_id: int) -> bool:
    try:
        ctx.queue(QUEUE).enqueue(import_upload, upload_id, job_id=job_id(upload_id), job_timeout=JOB_TIMEOUT, retry=RETRY, result_ttl=86400, failure_ttl=7 * 86400)
        return True
    except RedisError:
        log.warning("could not enqueue roster upload %s", upload_id)
        return False


def progress_of(ctx: Context, upload_id: int) -> dict | None:
    try:
        meta = Job.fetch(job_id(upload_id), connection=ctx.redis).get_meta(refresh=True)
    except (NoSuchJobError, RedisError):
        return None
    return meta if "stage" in meta else None


def _reporter():
    job = get_current_job()
    last = [0.0, ""]

    def report(stage: str, done: int, total: int | None) -> None:
        if job is None or (time.monotonic() - last[0] < PROGRESS_EVERY_SECONDS and stage == last[1] and done != total):
            return
        last[0], last[1] = time.monotonic(), stage
        job.meta.update(stage=stage, done=done, total=total, step=STAGES.index(stage) + 1 if stage in STAGES else None, steps=len(STAGES))
        job.save_meta()

    return report


@rq_job
def import_upload(upload_id: int) -> int:
    ctx = current()
    with ctx.Session.begin() as db:
        upload = start(db, upload_id)
        if upload is None:
            return 0
        town = db.get(Town, upload.town_id).name if upload.town_id else None
        skip_invalid = upload.skip_invalid
        content = db.scalar(select(RosterUpload.content).where(RosterUpload.id == upload_id))
        suffix = upload.suffix
    now = ctx.clock()
    try:
        with tempfile.TemporaryDirectory(prefix="jzt-roster-") as tmp:
            path = Path(tmp) / f"roster{suffix}"
            path.write_bytes(content or b"")
            del content
            with ctx.Session.begin() as db:
                report = import_roster(db, ctx.cipher, path, today=local_today(now), now=now, skip_invalid=skip_invalid, town=town, progress=_reporter())
            error_report = None
            if report.errors and report.rows:
                target = write_error_report(path, report.errors, report.invalid_rows, Path(tmp) / "report.xlsx")
                error_report = target.read_bytes()
    except Exception as exc:
        with ctx.Session.begin() as db:
            fail(db, upload_id, type(exc).__name__, ctx.clock())
        raise
    with ctx.Session.begin() as db:
        finish(db, upload_id, summary_of(report), [(e.row, e.column, e.reason) for e in report.errors[:SHOWN_ERRORS]], len(report.errors), error_report, ctx.clock())
    return report.rows


def summary_of(report: ImportReport) -> dict:
    return {
        "rows": report.rows, "households": report.household_count, "imported": report.imported, "invalid_rows": len(report.invalid_rows),
        "households_created": report.households_created, "households_updated": report.households_updated, "households_unchanged": report.households_unchanged,
        "members_created": report.members_created, "members_updated": report.members_updated, "members_unchanged": report.members_unchanged,
        "assessments_created": report.assessments_created, "stale_members": report.stale_members,
        "unknown_areas": ["".join(pair) for pair in report.unknown_areas],
    }


@rq_job
def expire_roster_files() -> int:
    """Daily: uploaded rosters and their reports hold personal data; they go after 7 days."""
    ctx = current()
    with ctx.Session.begin() as db:
        return expire(db, ctx.clock())
