"""RQ jobs. Each takes plain ids, is idempotent, and lets exceptions escape for Retry."""

from __future__ import annotations

import datetime as dt
import logging

from redis.exceptions import RedisError
from rq import Queue, Retry

from models.messages import pending_outbound_ids
from core import menus
from models.staff.staff import Role, Staff
from core.context import Context, current
from core.guarded import rq_job
from workers.message_log import flush_message_log

log = logging.getLogger(__name__)

SEND_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])


@rq_job
def send_outbound(outbound_id: int) -> str:
    ctx = current()
    flush_message_log()  # the 48-hour window counts from the user's last message: log it first
    with ctx.Session.begin() as db:
        status = ctx.messenger.deliver(db, outbound_id)
    return status.value


def _send_options(outbound_id: int) -> dict:
    return dict(job_id=f"send-{outbound_id}", retry=SEND_RETRY, failure_ttl=7 * 86400)


def enqueue_send(ctx: Context, outbound_id: int) -> bool:
    """Enqueue delivery after commit. False when Redis is down: the sweeper will."""
    try:
        ctx.queue("default").enqueue(send_outbound, outbound_id, **_send_options(outbound_id))
        return True
    except RedisError:
        log.warning("could not enqueue outbound %s; the sweeper will pick it up", outbound_id)
        return False


SEND_BATCH = 20
"""Messages one send job delivers, one after the other (a batch's notices); more go in more jobs."""


@rq_job
def send_outbounds(outbound_ids: list[int]) -> str:
    """``send_outbound`` for several messages in one job, each in its own transaction: one that
    fails does not hold the others back; the job then fails and RQ's retry tries the rest again
    (a message already sent is left alone)."""
    ctx = current()
    flush_message_log()
    failed, statuses = None, []
    for outbound_id in outbound_ids:
        try:
            with ctx.Session.begin() as db:
                statuses.append(ctx.messenger.deliver(db, outbound_id).value)
        except Exception as exc:  # the transport's error: retried with the job
            failed = failed or exc
            log.warning("outbound %s not sent (%s); the job's retry tries again", outbound_id, type(exc).__name__)
    if failed is not None:
        raise failed
    return " ".join(statuses)


def enqueue_sends(ctx: Context, outbound_ids: list[int]) -> bool:
    """Enqueue delivery (after commit) of many messages: one job per ``SEND_BATCH``, in one round
    trip. False when Redis is down: the sweeper sends them later, one job each."""
    if not outbound_ids:
        return True
    if len(outbound_ids) == 1:
        return enqueue_send(ctx, outbound_ids[0])
    queue = ctx.queue("default")
    batches = [outbound_ids[i : i + SEND_BATCH] for i in range(0, len(outbound_ids), SEND_BATCH)]
    jobs = [Queue.prepare_data(send_outbounds, (ids,), job_id=f"send-{ids[0]}-{ids[-1]}", retry=SEND_RETRY, failure_ttl=7 * 86400) for ids in batches]
    try:
        with ctx.redis.pipeline() as pipe:
            queue.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
        return True
    except RedisError:
        log.warning("could not enqueue %d outbound messages; the sweeper will pick them up", len(outbound_ids))
        return False


@rq_job
def tag_staff(staff_id: int) -> str:
    """Tag a staff member who just bound their WeChat, so the phone shows their role's menu."""
    ctx = current()
    with ctx.Session() as db:
        staff = db.get(Staff, staff_id)
        if staff is None or not staff.openid:
            return "gone"
        tag_id = menus.tag_staff(ctx.account, staff.openid, Role(staff.role))
    return f"tag {tag_id}" if tag_id is not None else "no menu"


def enqueue_tag(ctx: Context, staff_id: int) -> bool:
    try:
        ctx.queue("low").enqueue(tag_staff, staff_id, job_id=f"tag-staff-{staff_id}", retry=SEND_RETRY, failure_ttl=7 * 86400)
        return True
    except RedisError:
        log.warning("could not enqueue tagging staff %s", staff_id)
        return False


@rq_job
def sweep(grace_seconds: int = 60) -> int:
    """Re-enqueue work that was saved but never queued (e.g. Redis was down).

    Job ids are deterministic, so a message whose job is still queued is not doubled:
    RQ overwrites the same job id, and ``deliver`` ignores a message already sent.
    """
    ctx = current()
    cutoff = ctx.clock() - dt.timedelta(seconds=grace_seconds)
    with ctx.Session() as db:
        ids = pending_outbound_ids(db, cutoff)
    queued = sum(enqueue_send(ctx, i) for i in ids)
    if ids:
        log.info("sweeper re-enqueued %d of %d pending messages", queued, len(ids))
    return queued
