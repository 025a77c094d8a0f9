"""What a Redis that comes back with old data (restarted from its AOF, or after a network
partition) does to the turns that ran while it was away. Deterministic versions of what the
Redis restart under load (``test_stack_faults``) hits by chance.

While Redis is unreachable a turn keeps working: the draft is saved in the database and the
Redis write after commit fails. When Redis is back with the data it had before, its copy of
the user's state and the user's lock are stale. Both used to bite: the state was read from the
stale copy (an earlier step replayed; a request confirmed meanwhile filed twice), and the lock
was waited for 10 s (the reply went out late, by customer-service message).
"""

from __future__ import annotations

import dataclasses
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from bench.journey import JOURNEY
from bot.delivery import DeliveryGuard
from models.requests import ServiceRequest
from tests.support import drain
from workers import context as worker_context
from workers.connection import connect, queues
from workers.dispatch import sweep_dispatch

pytestmark = pytest.mark.usefixtures("county")


@pytest.fixture
def county(ctx):
    from bot import demo

    with ctx.Session.begin() as db:
        demo.seed(db, ctx.cipher)
    return demo


@contextmanager
def redis_unreachable(app, ctx):
    """Every Redis command of the app and its jobs fails, as while Redis restarts; the real
    Redis keeps what it had, as a Redis restored from its append-only file does."""
    dead = connect("redis://127.0.0.1:1/0")
    down = dataclasses.replace(ctx, redis=dead, queues=queues(dead))
    guard = app.extensions["jzt.guard"]
    app.extensions.update({"jzt.context": down, "jzt.guard": DeliveryGuard(dead, ctx.cipher)})
    worker_context.install(down)
    try:
        yield
    finally:
        app.extensions.update({"jzt.context": ctx, "jzt.guard": guard})
        worker_context.install(ctx)


def requests_of(ctx, openid: str) -> int:
    with ctx.Session() as db:
        return db.scalar(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.requested_by == openid))


def test_a_lock_left_by_a_turn_cut_off_by_the_crash_does_not_hold_the_reply_past_5_seconds(chat, ctx, county):
    # a turn held the user's lock when Redis died; Redis comes back from its AOF with the lock
    # (15 s TTL) and nobody to release it: the user's next message must still be answered in time
    ctx.redis.set(f"jzt:lock:{county.RESIDENT}", "a-turn-that-died", px=15_000)
    started = time.monotonic()
    reply = chat.say(county.RESIDENT, "求助")
    elapsed = time.monotonic() - started
    assert "需要哪一类帮助" in reply, "answered late (by customer-service message) or not at all"
    assert elapsed < 4.0, f"the reply took {elapsed:.1f} s; WeChat gives up after 5 s"


def test_answers_given_while_redis_was_away_are_not_replayed_from_its_old_copy(app, chat, ctx, county):
    script = JOURNEY
    for text, expected in script[:3]:  # 求助, 1, 帮办代办: Redis holds the state at 需要什么帮助
        assert expected in chat.say(county.RESIDENT, text)
    with redis_unreachable(app, ctx):
        assert script[3][1] in chat.say(county.RESIDENT, script[3][0])  # 帮我买药 → 哪天上门 (draft saved)
    # Redis is back with the state it had: the next answer must be taken as the day, not the need
    assert script[4][1] in chat.say(county.RESIDENT, script[4][0])


def test_a_request_confirmed_while_redis_was_away_is_not_filed_twice(app, chat, ctx, county):
    for text, expected in JOURNEY[:-1]:
        assert expected in chat.say(county.RESIDENT, text)
    with redis_unreachable(app, ctx):
        assert "已收到您的申请" in chat.say(county.RESIDENT, "是")
    sweep_dispatch(grace_seconds=0)
    drain(ctx)
    chat.say(county.RESIDENT, "是")  # e.g. answering a notice, or a second tap of a slow phone
    assert requests_of(ctx, county.RESIDENT) == 1
