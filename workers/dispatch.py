"""RQ jobs of 系统派单: dispatch waiting requests in batches, expire offers, catch up on what was never queued.

- ``wake_dispatcher(ctx, request_id)``: after a request is filed. Queues ``dispatch-<id>`` only
  when no dispatcher is already queued (``WAKE_KEY``): requests filed in a burst share one run.
- ``dispatch_request(request_id)``: the dispatcher. Claims every request waiting for an offer
  (``SKIP LOCKED``: several workers share the work, none waits for another), this one first, and
  offers them in one transaction per ``BATCH``; their notices go out in one send job.
- ``enqueue_dispatch(ctx, request_id)``: a request that needs its next offer (declined, expired,
  found by the sweeper): ``dispatch-<id>`` queued unless already on its way.
- ``dispatch_backlog()``: the same claim without a request of its own, for the sweeper after an outage.
- ``expire_offers_job()``: periodic; offers past their deadline pass to the next provider.
- ``sweep_dispatch()``: periodic; re-queues requests saved while Redis was down, hands jobs
  abandoned by a killed worker back to RQ's retry, and runs at once a retry that is waiting.

A dispatcher killed mid-batch loses nothing: PostgreSQL rolls its transaction back, so every
request it held is waiting again, for the next run (or the sweeper) to claim. The request whose
job it was stays with that job, which RQ retries once its heartbeat has run out. The wake-up
cannot stick: a run deletes ``WAKE_KEY`` before it claims anything, and the key expires anyway.

Running any of them twice has the effect of running them once: the request's row lock, the
one-live-offer index and the deterministic job ids see to it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from db.base import utcnow
from models.requests.dispatch import DispatchOutcome, DispatchResult, claim_pending, expire_offers, offer_batch, pending_dispatch_ids
from core.context import Context, current
from core.guarded import Job, rq_job
from workers.notify import record_notices, send
from workers.rules import rules

log = logging.getLogger(__name__)

QUEUE = "default"
DISPATCH_RETRY = Retry(max=5, interval=[2, 5, 15, 30, 60])
"""Short intervals: a request should not wait long; the sweeper brings a waiting retry forward."""
JOB_TIMEOUT = 60
"""Seconds one dispatch may take; a run stops taking new batches well before."""

BATCH = 100
"""Requests claimed and offered per transaction."""

BACKLOG_CHUNK = BATCH
"""Requests claimed per transaction by ``dispatch_backlog``."""

BACKLOG_MIN = 20
"""From this many waiting requests the sweeper queues backlog jobs instead of one job each."""

BACKLOG_JOBS = 2
"""Backlog jobs queued at once, so that two workers share a large backlog."""

WAKE_KEY = "jzt:dispatch:wake"
"""Set while a dispatcher is queued and has not started claiming: a request filed meanwhile will
be claimed by that run, so it queues nothing of its own."""

WAKE_SECONDS = 5
"""The wake-up's lifetime: a run whose job was lost (Redis restarted from an old file, an
enqueue cut off) holds later requests back this long at most, then they queue a run again."""

PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED}

_JOB_PREFIX = "dispatch-"
QUEUED, RUNNING = "queued", "running"


class ProvidersBusy(Exception):
    """Every qualified provider was being assigned by another worker: RQ retries shortly."""


@rq_job
def dispatch_request(request_id: int, budget_seconds: float = JOB_TIMEOUT / 2) -> str:
    """Offer every request waiting for one, ``request_id`` first; returns that request's outcome.
    Raises ``ProvidersBusy`` (RQ retries) when some request found only providers another worker
    was assigning.

    When another transaction holds ``request_id`` (a run that claimed it a moment before this
    one was queued), this run claims nothing: it leaves the work to a run with no request of its
    own (``dispatch_waiting``), so that a run named after a request always holds that request
    (``elsewhere``)."""
    ctx = current()
    _awake(ctx)
    exclude = _held_elsewhere(ctx, request_id)
    results = _dispatch_chunk(ctx, BATCH, own=request_id, exclude=exclude)
    if results is None:
        _queue_waiting(ctx)
        return "elsewhere"
    own = next(r.outcome.value for r in results if r.request_id == request_id)
    busy = any(r.outcome is DispatchOutcome.BUSY for r in results)
    if len(results) >= BATCH:  # a backlog: the rest in further batches
        busy |= _dispatch_rest(ctx, exclude, time.monotonic() + budget_seconds)[1]
    if busy:
        raise ProvidersBusy(request_id)  # RQ's Retry tries again in a few seconds
    return own


@rq_job
def dispatch_waiting(budget_seconds: float = JOB_TIMEOUT / 2) -> int:
    """Offer every request waiting for one (no request of its own); how many were offered or
    escalated. Raises ``ProvidersBusy`` as ``dispatch_request`` does."""
    ctx = current()
    done, busy = _dispatch_rest(ctx, _held_elsewhere(ctx, None), time.monotonic() + budget_seconds)
    if busy:
        raise ProvidersBusy()
    return done


@rq_job
def dispatch_backlog(chunk: int = BACKLOG_CHUNK, budget_seconds: float = JOB_TIMEOUT / 2) -> int:
    """Dispatch waiting requests chunk by chunk until none is left (or the time budget is spent)."""
    ctx = current()
    return _dispatch_rest(ctx, _held_elsewhere(ctx, None), time.monotonic() + budget_seconds, chunk)[0]


def _dispatch_rest(ctx: Context, exclude: list[int], stop_at: float, chunk: int = BATCH) -> tuple[int, bool]:
    """Batches until none is full or nothing progresses: (requests offered or escalated, any busy)."""
    done, busy = 0, False
    while time.monotonic() < stop_at:
        results = _dispatch_chunk(ctx, chunk, exclude=exclude) or []
        progressed = sum(r.outcome in (DispatchOutcome.OFFERED, DispatchOutcome.ESCALATED) for r in results)
        done += progressed
        busy |= any(r.outcome is DispatchOutcome.BUSY for r in results)
        if len(results) < chunk or progressed == 0:
            break
    return done, busy


def _dispatch_chunk(ctx: Context, chunk: int, *, own: int | None = None, exclude: list[int] = ()) -> list[DispatchResult] | None:
    """One transaction: claim up to ``chunk`` waiting requests, offer them, record the notices;
    then their notices out in one send job. None (nothing done) when ``own`` could not be claimed."""
    with ctx.Session() as db:
        calendar, thresholds = rules(db)
        claimed = claim_pending(db, chunk, own=own, exclude=exclude)
        if own is not None and all(info.id != own for info in claimed):
            return None  # closing the session rolls the claim back
        results = offer_batch(db, claimed, ctx.clock(), calendar, thresholds, ctx.cipher)
        outbound = record_notices(ctx, db, [n for r in results for n in r.notices])
        db.commit()
    send(ctx, outbound)
    for result in results:
        _log(result)
    return results


def _queue_waiting(ctx: Context) -> None:
    try:
        ctx.queue(QUEUE).enqueue(dispatch_waiting, job_id=f"waiting-{uuid.uuid4().hex[:12]}", retry=DISPATCH_RETRY, job_timeout=JOB_TIMEOUT, failure_ttl=7 * 86400)
    except RedisError:
        log.warning("could not queue a dispatch run; the sweeper will")


def _awake(ctx: Context) -> None:
    """This run starts claiming: a request filed from now on must queue a run of its own."""
    try:
        ctx.redis.delete(WAKE_KEY)
    except RedisError:
        log.warning("Redis is unavailable; the dispatch wake-up expires by itself")


def _held_elsewhere(ctx: Context, own: int | None) -> list[int]:
    """Requests whose own dispatch job another worker has started. That job may have been killed
    mid-run (RQ believes it runs until its heartbeat runs out): the request is left to its retry,
    as it would be without batches, rather than raced by this run."""
    try:
        started = StartedJobRegistry(queue=ctx.queue(QUEUE)).get_job_ids(cleanup=False)
    except RedisError:
        return []
    ids = (job_id.removeprefix(_JOB_PREFIX) for job_id in started if job_id.startswith(_JOB_PREFIX))
    return [int(i) for i in ids if i.isdigit() and int(i) != own]


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
    job_id = f"{_JOB_PREFIX}{request_id}"
    try:
        return bool(_enqueue_unique(ctx, job_id, dispatch_request, request_id))
    except RedisError:
        log.warning("could not enqueue dispatch of request %s; the sweeper will", request_id)
        return False


def wake_dispatcher(ctx: Context, request_id: int) -> bool:
    """After commit: make sure a dispatcher will claim this new request. Queues
    ``dispatch-<id>`` only when no dispatcher is queued yet (one that has not started claiming
    will take this request too). False when Redis is down: the sweeper queues it later."""
    try:
        if not ctx.redis.set(WAKE_KEY, request_id, nx=True, ex=WAKE_SECONDS):
            return True
        if _enqueue_unique(ctx, f"{_JOB_PREFIX}{request_id}", dispatch_request, request_id) == RUNNING:
            ctx.redis.delete(WAKE_KEY)  # (a request offered again while its last run finishes) not a queued run
        return True
    except RedisError:
        log.warning("could not wake the dispatcher for request %s; the sweeper will", request_id)
        return False


def _enqueue_unique(ctx: Context, job_id: str, func, *args) -> str:
    """Enqueue under a fixed id, since the database says there is work. A job with that id
    queued or running is left as it is; one waiting for a retry is run now; one that finished
    or failed is replaced. ``QUEUED`` when a run is waiting to start, ``RUNNING`` when it has."""
    queue = ctx.queue(QUEUE)
    options = dict(job_id=job_id, unique=True, retry=DISPATCH_RETRY, job_timeout=JOB_TIMEOUT, failure_ttl=7 * 86400)
    try:
        queue.enqueue(func, *args, **options)
        return QUEUED
    except DuplicateJobError:
        job = Job.fetch(job_id, connection=ctx.redis) if ctx.redis.exists(Job.key_for(job_id)) else None
        status = job.get_status(refresh=False) if job is not None else None
        if status == JobStatus.SCHEDULED:
            ScheduledJobRegistry(queue=queue).remove(job)
            queue.enqueue_job(job)
            return QUEUED
        if status in PENDING and _on_its_way(ctx, queue, job, status):
            return RUNNING if status == JobStatus.STARTED else QUEUED
        if job is not None:
            job.delete()
        try:
            queue.enqueue(func, *args, **options)
        except DuplicateJobError:
            pass  # another sweeper or handler queued it a moment ago
        return QUEUED


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
            _try(lambda: _enqueue_unique(ctx, f"{_JOB_PREFIX}backlog-{n}", dispatch_backlog))
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
