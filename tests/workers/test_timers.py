"""Idle dialogues' timers: a sorted set in Redis written with the turn, one periodic sweep, the
draft as the truth (a reminder once, overlapping sweeps, a Redis that lost the set, a sweep that
died after its claim)."""

from __future__ import annotations

import datetime as dt

import pytest

from conversations.flows import FLOWS, START_WORDS
from models.dialogue import TIMERS_KEY, step_counts
from tests.conversations import survey_flow
from workers import timers

ME = "o_timer_user"
REMINDER = "还没填完"


@pytest.fixture(autouse=True)
def survey(monkeypatch):
    FLOWS.add(survey_flow.survey(1))
    monkeypatch.setitem(START_WORDS, "问卷", "survey")
    yield
    FLOWS.discard("survey", 1)


def reminders(chat) -> list[str]:
    return [m for m in chat.inbox(ME) if REMINDER in m]


def test_each_turn_of_a_dialogue_moves_its_timer_and_the_end_of_the_dialogue_clears_it(chat, ctx, clock):
    chat.run(ME, "> 问卷\n< 1 买药")
    first = ctx.redis.zscore(TIMERS_KEY, ME)
    assert first == pytest.approx((clock.now + dt.timedelta(hours=2)).timestamp())
    clock.advance(minutes=30)
    chat.run(ME, "> 1\n< 多大岁数")
    assert ctx.redis.zscore(TIMERS_KEY, ME) == pytest.approx(first + 1800)
    chat.run(ME, "> 取消")
    assert ctx.redis.zscore(TIMERS_KEY, ME) is None
    assert ctx.queue("low").count == 0 and ctx.queue("default").count == 0  # no job per turn


def test_two_overlapping_sweeps_remind_once_and_the_draft_expires_a_week_later(chat, ctx, clock):
    chat.run(ME, "> 问卷\n> 1\n< 多大岁数")
    clock.advance(hours=3)
    assert timers.sweep_timers() + timers.sweep_timers() == 1
    chat.wait(minutes=1)
    assert len(reminders(chat)) == 1 and "问卷" in reminders(chat)[0]
    chat.wait(days=2)
    assert len(reminders(chat)) == 1  # marked in the draft: never twice for one pause
    chat.wait(days=5)
    with ctx.Session() as db:
        assert step_counts(db, "survey")[("age", "abandoned")] == 1
    assert ctx.redis.zscore(TIMERS_KEY, ME) is None
    chat.run(ME, "> 你好\n<! 接着填")


def test_coming_back_before_the_reminder_puts_it_off(chat, clock):
    chat.run(ME, "> 问卷\n> 1")
    chat.wait(minutes=59)
    chat.run(ME, "> 80\n< 手机号")
    chat.wait(hours=1, minutes=30)  # 2 h 29 after the first answer, 1 h 30 after the last
    assert reminders(chat) == []
    chat.wait(minutes=31)
    assert len(reminders(chat)) == 1


def test_timers_lost_with_redis_are_rebuilt_from_the_drafts(chat, ctx, clock):
    chat.run(ME, "> 问卷\n> 1\n< 多大岁数")
    ctx.redis.flushdb()  # restarted empty: the set, the live state, the rebuild marker gone
    chat.wait(hours=3)
    assert len(reminders(chat)) == 1
    chat.run(ME, "> 你好\n< 填到“年龄”")  # the dialogue itself was kept by the draft


def test_a_turn_that_could_not_reach_redis_gets_its_timer_from_the_new_epoch(chat, ctx, clock):
    chat.run(ME, "> 问卷\n> 1\n< 多大岁数")
    ctx.redis.zrem(TIMERS_KEY, ME)  # as if the turn's write never reached Redis
    timers.sweep_timers()  # nothing due: the set was built in this epoch
    ctx.redis.set("jzt:conv:epoch", "after-an-outage")  # what the next turn anywhere starts then
    chat.wait(hours=3)
    assert len(reminders(chat)) == 1


def test_users_claimed_by_a_sweep_that_died_are_due_again_after_the_lease(chat, ctx, clock):
    chat.run(ME, "> 问卷\n> 1\n< 多大岁数")
    clock.advance(hours=3)
    now = clock.now.timestamp()
    assert ctx.redis.eval(timers._CLAIM, 1, TIMERS_KEY, now, now + timers.LEASE_SECONDS, 100) == [ME.encode()]  # and then died
    assert timers.sweep_timers() == 0  # held by the dead sweep's lease
    clock.advance(seconds=timers.LEASE_SECONDS + 1)
    assert timers.sweep_timers() == 1
    chat.wait(minutes=1)
    assert len(reminders(chat)) == 1
