"""RQ jobs of 系统派单: dispatch a request, expire offers, catch up on what was never queued.

- ``dispatch_request(request_id)``: one request, job id ``dispatch-<id>``; idempotent (a request
  already offered, accepted or escalated is left alone).
- ``dispatch_backlog()``: many waiting requests in chunked transactions (``SKIP LOCKED``, so
  several workers share a backlog); the sweeper uses it after an outage.
- ``expire_offers_job()``: periodic; offers past their deadline pass to the next provider.
- ``sweep_dispatch()``: periodic; re-queues requests saved while Redis was down, hands jobs
  abandoned by a killed worker back to RQ's retry, and runs at once a retry that is waiting.

Running any of them twice has the effect of running them once: the request's row lock, the
one-live-offer index and the deterministic job ids see to it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from db.base import utcnow
from models.requests.dispatch import DispatchOutcome, DispatchResult, claim_pending, expire_offers, offer_batch, offer_next, pending_dispatch_ids
from core.context import Context, current
from core.guarded import Job, rq_job
from workers.notify import record_notices, send
from workers.rules import rules

log = logging.getLogger(__name__)

QUEUE = "default"
DISPATCH_RETRY = Retry(max=5, interval=[2, 5, 15, 30, 60])
"""Short intervals: a request should not wait long; the sweeper brings a waiting retry forward."""
JOB_TIMEOUT = 60
"""Seconds one dispatch may take; a backlog job stops taking new chunks well before."""

BACKLOG_CHUNK = 100
"""Requests claimed per transaction by ``dispatch_backlog``."""

BACKLOG_MIN = 20
"""From this many waiting requests the sweeper queues backlog jobs instead of one job each."""

BACKLOG_JOBS = 2
"""Backlog jobs queued at once, so that two workers share a large backlog."""

PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED}


class ProvidersBusy(Exception):
    """Every qualified provider was being assigned by another worker: RQ retries shortly."""


@rq_job
def dispatch_request(request_id: int) -> str:
    ctx = current()
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        result = offer_next(db, request_id, ctx.clock(), calendar, thresholds, ctx.cipher)
        outbound = record_notices(ctx, db, result.notices)
    send(ctx, outbound)
    _log(result)
    if result.outcome is DispatchOutcome.BUSY:
        raise ProvidersBusy(request_id)  # RQ's Retry tries again in a few seconds
    return result.outcome.value


@rq_job
def dispatch_backlog(chunk: int = BACKLOG_CHUNK, budget_seconds: float = JOB_TIMEOUT / 2) -> int:
    """Dispatch waiting requests chunk by chunk until none is left (or the time budget is spent)."""
    ctx = current()
    done, stop_at = 0, time.monotonic() + budget_seconds
    while time.monotonic() < stop_at:
        claimed, progressed = _dispatch_chunk(ctx, chunk)
        done += progressed
        if claimed < chunk or progressed == 0:
            break
    return done


def _dispatch_chunk(ctx: Context, chunk: int) -> tuple[int, int]:
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        now = ctx.clock()
        results = offer_batch(db, claim_pending(db, chunk), now, calendar, thresholds, ctx.cipher)
        outbound = record_notices(ctx, db, [n for r in results for n in r.notices])
    send(ctx, outbound)
    for result in results:
        _log(result)
    progressed = sum(r.outcome in (DispatchOutcome.OFFERED, DispatchOutcome.ESCALATED) for r in results)
    return len(results), progressed


@rq_job
def expire_offers_job() -> int:
    """Periodic: offers past their deadline expire, and their requests go to the next provider."""
    ctx = current()
    with ctx.Session.begin() as db:
        result = expire_offers(db, ctx.clock())
        outbound = record_notices(ctx, db, result.notices)
    send(ctx, outbound)
    for request_id in result.request_ids:
        enqueue_dispatch(ctx, request_id)
    return len(result.request_ids)


def enqueue_dispatch(ctx: Context, request_id: int) -> bool:
    """Queue ``dispatch-<id>`` after commit. True when it is queued (or already on its way);
    False when Redis is down: the request stays ``received`` and the sweeper queues it later."""
    job_id = f"dispatch-{request_id}"
    try:
        return _enqueue_unique(ctx, job_id, dispatch_request, request_id)
    except RedisError:
        log.warning("could not enqueue dispatch of request %s; the sweeper will", request_id)
        return False


def _enqueue_unique(ctx: Context, job_id: str, func, *args) -> bool:
    """Enqueue under a fixed id, since the database says there is work. A job with that id
    queued or running is left as it is; one waiting for a retry is run now; one that finished
    or failed is replaced."""
    queue = ctx.queue(QUEUE)
    options = dict(job_id=job_id, unique=True, retry=DISPATCH_RETRY, job_timeout=JOB_TIMEOUT, failure_ttl=7 * 86400)
    try:
        queue.enqueue(func, *args, **options)
        return True
    except DuplicateJobError:
        job = Job.fetch(job_id, connection=ctx.redis) if ctx.redis.exists(Job.key_for(job_id)) else None
        status = job.get_status(refresh=False) if job is not None else None
        if status == JobStatus.SCHEDULED:
            ScheduledJobRegistry(queue=queue).remove(job)
            queue.enqueue_job(job)
            return True
        if status in PENDING and _on_its_way(ctx, queue, job, status):
            return True
        if job is not None:
            job.delete()
        try:
            queue.enqueue(func, *args, **options)
        except DuplicateJobError:
            pass  # another sweeper or handler queued it a moment ago
        return True


def _on_its_way(ctx: Context, queue, job: Job, status) -> bool:
    """A pending job that RQ will run: queued and in its queue (or taken by a worker, in the
    intermediate list), or started and in the started registry. A Redis restored from its
    append-only file can hold a job marked queued that is in none of them (a worker had taken it
    when Redis died, and nothing would ever run it); a second run of a dispatch is harmless."""
    if status == JobStatus.QUEUED:
        return any(ctx.redis.lpos(key, job.id) is not None for key in (queue.key, queue.intermediate_queue_key))
    if status == JobStatus.STARTED:
        return job.id in StartedJobRegistry(queue=queue)
    return True  # deferred: waits for what it depends on


@rq_job
def sweep_dispatch(grace_seconds: int = 60) -> int:
    """Queue every request waiting for an offer for longer than ``grace_seconds``.

    First hands abandoned jobs (their worker was killed) back to RQ, which retries them: RQ's
    own maintenance does the same, but only every ``--maintenance-interval``. Returns how many
    requests were (re-)queued; a large backlog goes to ``dispatch_backlog`` jobs.
    """
    ctx = current()
    recover_abandoned(ctx)
    with ctx.Session() as db:
        ids = pending_dispatch_ids(db, utcnow() - dt.timedelta(seconds=grace_seconds))
    if len(ids) >= BACKLOG_MIN:
        for n in range(BACKLOG_JOBS):
            _try(lambda: _enqueue_unique(ctx, f"dispatch-backlog-{n}", dispatch_backlog))
        return len(ids)
    return sum(enqueue_dispatch(ctx, request_id) for request_id in ids)


def recover_abandoned(ctx: Context, at: float | None = None) -> None:
    """RQ's cleanup of started jobs whose worker stopped sending heartbeats (retried or failed)."""
    for queue in ctx.queues.values():
        _try(lambda: StartedJobRegistry(queue=queue).cleanup(at))


def _try(action) -> None:
    try:
        action()
    except RedisError:
        log.warning("Redis is unavailable; the sweeper tries again on its next run")


def _log(result: DispatchResult) -> None:
    if result.outcome in (DispatchOutcome.OFFERED, DispatchOutcome.ESCALATED):
        log.info("request %s %s (provider %s)", result.request_id, result.outcome.value, result.provider_id)
