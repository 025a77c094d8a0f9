"""The message log, written in batches.

A turn that changed nothing in the database (a greeting, the menu, a question answered
from state) needs no transaction of its own just to log the message: the inbound
message and its reply (both encrypted) go onto a Redis list, and ``flush_message_log``
inserts them in bulk every few seconds, ignoring rows already there. Turns that change
data log the message in their own transaction; so does every turn while Redis is down.
One flusher at a time (a Redis lock); entries leave the list only after their insert
committed, so a crash between the two writes them again, harmlessly.
"""

from __future__ import annotations

import json
import logging

from redis.exceptions import LockError, RedisError

from models.messages import insert_logged
from core.context import Context, current
from core.guarded import rq_job

log = logging.getLogger(__name__)

KEY = "jzt:msglog"
BATCH = 2000
#: a run writes at most this many batches; the next run (seconds later) goes on
MAX_BATCHES_PER_RUN = 50


def encode(entry: dict) -> str:
    return json.dumps(entry, ensure_ascii=False)


def decode(raw: str | bytes) -> dict:
    return json.loads(raw)


def push(ctx: Context, entry: str) -> bool:
    """Queue one encoded log entry; False when Redis is down (the caller then writes it itself)."""
    try:
        ctx.redis.lpush(KEY, entry)
        return True
    except RedisError:
        return False


@rq_job
def flush_message_log() -> int:
    """Write queued entries to the database, oldest first; returns how many rows were added."""
    ctx = current()
    max_batches = MAX_BATCHES_PER_RUN
    added = 0
    try:
        with ctx.redis.lock("jzt:msglog:flush", timeout=120, blocking_timeout=0):
            for _ in range(max_batches):
                raw = ctx.redis.lrange(KEY, -BATCH, -1)
                if not raw:
                    break
                with ctx.Session.begin() as db:
                    added += insert_logged(db, [decode(item) for item in reversed(raw)])
                ctx.redis.ltrim(KEY, 0, -len(raw) - 1)
    except LockError:
        pass  # another flusher holds it
    return added


def pending(ctx: Context) -> int:
    return ctx.redis.llen(KEY)
