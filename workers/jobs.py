"""RQ jobs. Each takes plain ids, is idempotent, and lets exceptions escape for Retry."""

from __future__ import annotations

import datetime as dt
import logging

from redis.exceptions import RedisError
from rq import Retry

from models.dialogue import StepEvent, draft_token, live_key, record_events, save_draft
from models.messages import pending_outbound_ids
from workers.context import Context, current

log = logging.getLogger(__name__)

SEND_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])


def send_outbound(outbound_id: int) -> str:
    ctx = current()
    with ctx.Session.begin() as db:
        status = ctx.messenger.deliver(db, outbound_id)
    return status.value


def enqueue_send(ctx: Context, outbound_id: int) -> bool:
    """Enqueue delivery after commit. False when Redis is down: the sweeper will."""
    try:
        ctx.queue("default").enqueue(
            send_outbound, outbound_id, job_id=f"send-{outbound_id}", retry=SEND_RETRY, failure_ttl=7 * 86400
        )
        return True
    except RedisError:
        log.warning("could not enqueue outbound %s; the sweeper will pick it up", outbound_id)
        return False


def schedule_dialogue_timer(ctx: Context, at: dt.datetime, args: tuple) -> None:
    """One idle timer per user and kind: a newer turn's timer replaces the older one."""
    openid, kind = args[0], args[2]
    try:
        ctx.queue("low").enqueue_at(at, dialogue_timer, *args, job_id=f"timer-{kind}-{openid}")
    except RedisError:
        log.warning("could not schedule a %s timer", kind)


def dialogue_timer(openid: str, token: str, kind: str, text: str, flow: str, version: int, step: str) -> str:
    """An idle reminder or the expiry of a draft; does nothing once the user has moved on."""
    ctx = current()
    after = []
    with ctx.Session.begin() as db:
        if draft_token(db, ctx.cipher, openid) != token:
            return "stale"
        if kind == "remind":
            row = ctx.messenger.queue_text(db, openid, text, kind="reminder")
            after.append(lambda: enqueue_send(ctx, row.id))
        else:
            save_draft(db, openid, None)
            record_events(db, [(flow, version, step, StepEvent.ABANDONED)], ctx.clock())
            after.append(lambda: ctx.redis.delete(live_key(openid)))
    for callback in after:
        callback()
    return kind


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
