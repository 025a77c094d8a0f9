"""Idle dialogues: one reminder after 2 hours, the draft dropped after 7 days, by one periodic sweep.

Every turn of a running dialogue puts its user in a Redis sorted set (``TIMERS_KEY``, scored by
when the reminder is due) in the same write as its live state, and takes them out when the
dialogue ends: no job per turn. ``sweep_timers`` (every minute) claims the users that are due,
and their drafts decide (``models.dialogue.next_idle_action``): a draft newer than the timer
(its turn could not reach Redis) is looked at again later, a reminder already sent (marked in
the draft) is not sent again, and a user with no draft any more is forgotten.

Durable because the draft is the truth: two sweeps never claim the same user (each claim holds
it for ``LEASE_SECONDS``; a sweep killed meanwhile leaves it due again after that), and when
Redis may have lost timers (it restarted empty, or some process could not reach it: a new state
epoch) the sweep first puts every draft back in the set.
"""

from __future__ import annotations

import logging
import random

from redis.exceptions import RedisError

from core.context import Context, current
from core.guarded import rq_job
from models.dialogue import EPOCH_KEY, REMIND_AFTER, TIMERS_KEY, IdleAction, expire_draft, idle_drafts, idle_since_all, live_key, mark_reminded, next_idle_action
from models.notices import Facts, NoticeKind
from workers.notify import send

log = logging.getLogger(__name__)

LEASE_SECONDS = 300
"""How long a sweep holds the users it claimed; one killed meanwhile leaves them due again."""
PER_RUN = 500
"""Users a sweep takes at most; the rest are due for the next one."""
BUILT_KEY = "jzt:timers:built"
"""The state epoch the set was last rebuilt from the drafts in ('' before any epoch)."""

def _reminder_facts(now) -> Facts:
    """The reminder's facts for a template or subscription message outside the 48-hour window."""
    return Facts(item="您有一项没填完，回复继续", at=now)


# KEYS: timers. ARGV: now, lease score, limit. The due users, each now held until the lease.
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[2], member) end
return due
"""

# KEYS: timers. ARGV: lease score, then (user, next score or '') pairs. Only users still held by
# this lease are changed: a turn that set a new timer meanwhile keeps it.
_SETTLE = """
local lease = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
    local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
    if score and tonumber(score) == lease then
        if ARGV[i + 1] == '' then redis.call('ZREM', KEYS[1], ARGV[i]) else redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i]) end
    end
end
return 1
"""


@rq_job
def sweep_timers(limit: int = PER_RUN) -> int:
    """Remind and expire the idle dialogues that are due; how many were reminded or expired."""
    ctx = current()
    now = ctx.clock()
    lease = now.timestamp() + LEASE_SECONDS + random.random() / 1000  # this run's own mark
    try:
        _rebuild_if_lost(ctx)
        due = [m.decode() for m in ctx.redis.eval(_CLAIM, 1, TIMERS_KEY, now.timestamp(), lease, limit)]
    except RedisError:
        log.warning("Redis is unavailable; the idle timers wait for the next sweep")
        return 0
    if not due:
        return 0
    later, outbound, expired = {}, [], []
    with ctx.Session.begin() as db:
        drafts, busy = idle_drafts(db, ctx.cipher, due)
        for openid in due:
            if openid in busy:
                continue  # a turn is writing it: due again when the lease ends
            draft = drafts.get(openid)
            action, after = next_idle_action(draft, now) if draft else (None, None)
            if action is IdleAction.REMIND:
                outbound.append(ctx.messenger.record(db, openid, draft.reminder, kind=NoticeKind.REMINDER.value, facts=_reminder_facts(now)))
                mark_reminded(db, ctx.cipher, draft)
            elif action is IdleAction.EXPIRE:
                expire_draft(db, draft, now)
                expired.append(openid)
            later[openid] = "" if after is None else repr(after.timestamp())
        db.flush()  # the reminders' ids
        outbound = [row.id for row in outbound]
    send(ctx, outbound)
    _settle(ctx, lease, later, expired)
    return len(outbound) + len(expired)


def _settle(ctx: Context, lease: float, later: dict[str, str], expired: list[str]) -> None:
    """Each claimed user's next time (or none), and the expired users' live copies dropped."""
    args = [repr(lease)] + [x for pair in later.items() for x in pair]
    try:
        ctx.redis.eval(_SETTLE, 1, TIMERS_KEY, *args)
        if expired:
            ctx.redis.delete(*(live_key(openid) for openid in expired))
    except RedisError:
        log.warning("Redis is unavailable; the claimed idle timers come due again after their lease")


def _rebuild_if_lost(ctx: Context) -> None:
    """Put every draft back in the set when Redis may have lost timers: it has no record of a
    rebuild (it restarted empty, or this is the first sweep), or a new state epoch began since
    (some process could not reach Redis, so a turn may have written a draft but no timer). A
    draft already there keeps its time; the sweep settles the others by their drafts."""
    epoch = ctx.redis.get(EPOCH_KEY) or b""
    if ctx.redis.get(BUILT_KEY) == epoch:
        return
    with ctx.Session() as db:
        drafts = idle_since_all(db)
    with ctx.redis.pipeline(transaction=False) as pipe:
        for n in range(0, len(drafts), 1000):
            pipe.zadd(TIMERS_KEY, {openid: (since + REMIND_AFTER).timestamp() for openid, since in drafts[n : n + 1000]}, nx=True)
        pipe.set(BUILT_KEY, epoch)
        pipe.execute()
    log.info("idle timers rebuilt from %d drafts", len(drafts))
