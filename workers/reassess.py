"""RQ jobs that re-assess the households after the county changed an assessment rule.

``reassess_for_change(change_id)``: job id ``reassess-<id>`` on the ``low`` queue, progress in
the job's meta (``{"done": households, "total": households}``) for the rules page. Idempotent:
a change already done is left alone, and a second run stores nothing new (an assessment is
stored only where the result or the rule set differs). ``apply_due_changes``, daily just after
midnight, queues the changes whose effective date has come.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError
from rq import Retry, get_current_job
from rq.exceptions import NoSuchJobError

from core.context import Context, current
from core.guarded import Job, rq_job

from models.calendar import local_today
from models.households.reassess import reassess_all
from models.rules import ChangeStatus, RuleChange, due_changes, mark_change
from workers.rules import forget

log = logging.getLogger(__name__)

QUEUE = "low"
JOB_TIMEOUT = 3600
RETRY = Retry(max=2, interval=[30, 120])
PROGRESS_EVERY_SECONDS = 0.5


def job_id(change_id: int) -> str:
    return f"reassess-{change_id}"


def enqueue_reassessment(ctx: Context, change_id: int) -> bool:
    """After commit. False when Redis is down (the daily job and the page's retry queue it again)."""
    try:
        ctx.queue(QUEUE).enqueue(reassess_for_change, change_id, job_id=job_id(change_id), job_timeout=JOB_TIMEOUT, retry=RETRY, result_ttl=86400, failure_ttl=7 * 86400)
        return True
    except RedisError:
        log.warning("could not enqueue the re-assessment of rule change %s", change_id)
        return False


def progress_of(ctx: Context, change_id: int) -> tuple[int, int | None] | None:
    try:
        meta = Job.fetch(job_id(change_id), connection=ctx.redis).get_meta(refresh=True)
    except (NoSuchJobError, RedisError):
        return None
    return (int(meta["done"]), meta.get("total")) if "done" in meta else None


def _reporter():
    job = get_current_job()
    last = [0.0]

    def report(done: int, total: int) -> None:
        if job is None or (time.monotonic() - last[0] < PROGRESS_EVERY_SECONDS and done != total):
            return
        last[0] = time.monotonic()
        job.meta.update(done=done, total=total)
        job.save_meta()

    return report


@rq_job
def reassess_for_change(change_id: int) -> int:
    ctx = current()
    with ctx.Session.begin() as db:
        change = db.get(RuleChange, change_id)
        if change is None or change.state in (ChangeStatus.DONE, ChangeStatus.NONE, ChangeStatus.SCHEDULED):
            return 0
        mark_change(db, change_id, ChangeStatus.RUNNING)
    forget()
    now = ctx.clock()
    try:
        with ctx.Session.begin() as db:
            outcome = reassess_all(db, today=local_today(now), now=now, assessor=f"rules:{change_id}", progress=_reporter())
    except Exception as exc:
        with ctx.Session.begin() as db:
            mark_change(db, change_id, ChangeStatus.FAILED, error=type(exc).__name__, finished_at=ctx.clock())
        raise
    with ctx.Session.begin() as db:
        mark_change(db, change_id, ChangeStatus.DONE, households=outcome.households, assessments_created=outcome.assessments_created,
                    levels_up=outcome.levels_up, levels_down=outcome.levels_down, rule_set_id=outcome.rule_set_id, finished_at=ctx.clock(), error=None)
    log.info("rule change %s: %s households re-assessed, %s assessments, %s levels up", change_id, outcome.households, outcome.assessments_created, outcome.levels_up)
    return outcome.assessments_created


@rq_job
def apply_due_changes() -> int:
    """Daily: changes whose effective date has come are re-assessed."""
    ctx = current()
    with ctx.Session.begin() as db:
        due = due_changes(db, local_today(ctx.clock()))
        for change_id in due:
            mark_change(db, change_id, ChangeStatus.QUEUED)
    for change_id in due:
        enqueue_reassessment(ctx, change_id)
    return len(due)
