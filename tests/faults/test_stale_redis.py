"""What a Redis that comes back with old data (restarted from its AOF, or after a network
partition) does to the turns that ran while it was away. Deterministic versions of what the
Redis restart under load (``test_stack_faults``) hits by chance.

While Redis is unreachable a turn keeps working: the draft is saved in the database and the
Redis write after commit fails. When Redis is back with the data it had before, its copy of
the user's state and the user's lock are stale. The state used to be read from the stale copy
(an earlier step replayed; a request confirmed meanwhile filed twice): a running dialogue now
reads its draft, and a "no dialogue running" marker from before the outage is void once the
process that saw the outage starts a new state epoch. The stale lock only delays the user's
next reply.
"""

from __future__ import annotations

import dataclasses
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from stack.journey import JOURNEY
from bot.delivery import DeliveryGuard
from models.requests.requests import ServiceRequest
from tests.support import drain
from core import context as worker_context
from core.connection import connect, queues
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


def test_a_lock_left_by_a_turn_cut_off_by_the_crash_delays_the_next_reply_but_loses_nothing(chat, ctx, county):
    # a turn held the user's lock when Redis died; Redis comes back from its AOF with the lock
    # and nobody to release it (5 s of its 15 s left). The next message waits for it (up to 10 s:
    # a shorter wait would let two slow turns of one user run at once), overruns WeChat's 5 s and
    # is answered by customer-service message instead: late, once, nothing lost.
    ctx.redis.set(f"jzt:lock:{county.RESIDENT}", "a-turn-that-died", px=5_000)
    started = time.monotonic()
    passive = chat.say(county.RESIDENT, "求助")
    assert time.monotonic() - started >= 4.0
    assert passive == ""  # ``success``: the reply follows as a customer-service message
    drain(ctx)
    later = [text for text in chat.inbox(county.RESIDENT) if "需要哪一类帮助" in text]
    assert len(later) == 1
    assert "请选择具体服务" in chat.say(county.RESIDENT, "1")  # and the dialogue goes on


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


def test_a_dialogue_started_while_redis_was_away_is_not_forgotten_when_it_comes_back(app, chat, ctx, county):
    assert "求助" in chat.say(county.RESIDENT, "你好")  # no dialogue: Redis remembers that
    with redis_unreachable(app, ctx):
        assert JOURNEY[0][1] in chat.say(county.RESIDENT, JOURNEY[0][0])  # 求助 → 需要哪一类帮助 (draft saved)
    assert JOURNEY[1][1] in chat.say(county.RESIDENT, JOURNEY[1][0])  # 1 → 请选择具体服务


def test_a_marker_of_an_older_epoch_sends_the_turn_to_the_draft(app, chat, ctx, county):
    from conversations.state import EPOCH_KEY

    chat.run(county.RESIDENT, "> 你好")  # "no dialogue running", in the current epoch
    with redis_unreachable(app, ctx):
        chat.run(county.RESIDENT, f"> {JOURNEY[0][0]}\n< {JOURNEY[0][1]}")
    # another process that never saw the outage would trust the old marker; the new epoch,
    # started by the next turn of the process that did, voids it for every process
    before = ctx.redis.get(EPOCH_KEY)
    chat.run(county.RESIDENT, f"> {JOURNEY[1][0]}\n< {JOURNEY[1][1]}")
    assert ctx.redis.get(EPOCH_KEY) not in (None, before)
