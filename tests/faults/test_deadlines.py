"""The clock crosses deadlines while every worker is down, then the workers come back.

Residents file requests through ``/wechat`` (real PostgreSQL and Redis, RQ's own worker in
burst mode, a fake clock): some are offered before the workers stop, more are filed while they
are stopped, and a referral, a lead and an unfinished dialogue wait too. The clock then jumps
past the providers' 4 working hours, the referral's 1 working day and the idle reminder. When
the workers return, RQ's scheduler moves every due timer at once and ``rq cron`` catches up
with every periodic job twice (two overlapping runs): each expired offer passes on once, each
waiting request is offered once, each clock alert and reminder goes out once.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from stack.journey import JOURNEY, NUMBER, Outcome, seed_residents, tally
from bot import demo
from models.alerts import Alert
from models.audit import AuditEntry
from models.messages import OutboundMessage
from models.requests.requests import Offer, ServiceRequest
from tests.support import drain, fire_due_timers
from tests.workers.builders import cst
from workers.clocks import run_clocks
from workers.dispatch import expire_offers_job
from workers.periodic import sweep


pytestmark = pytest.mark.usefixtures("official_calendar")


def journey(chat, openid: str) -> Outcome:
    outcome = Outcome(openid)
    for text, expected in JOURNEY:
        reply = chat.say(openid, text)
        assert expected in reply, reply
        outcome.steps += 1
    outcome.number = NUMBER.search(reply).group()
    return outcome


def workers_come_back(ctx, now) -> None:
    """RQ's scheduler moves every due job; rq cron runs each periodic job (twice: the runs missed
    while down overlap); workers drain the queues until nothing is due."""
    for func_ in (sweep, expire_offers_job, sweep, expire_offers_job):
        ctx.queue("default").enqueue(func_)
    for _ in range(2):
        ctx.queue("low").enqueue(run_clocks)
    drain(ctx)
    while fire_due_timers(ctx, now):
        drain(ctx)


def counts(ctx) -> dict[str, int]:
    with ctx.Session() as db:
        return {
            "offers": db.scalar(select(func.count()).select_from(Offer)),
            "outbound": db.scalar(select(func.count()).select_from(OutboundMessage)),
            "alerts": db.scalar(select(func.count()).select_from(Alert)),
            "audit": db.scalar(select(func.count()).select_from(AuditEntry)),
        }


def test_deadlines_crossed_while_the_workers_are_down(chat, ctx, clock, report):
    clock.now = cst("2025-09-22 09:00")  # a Monday
    early = seed_residents(ctx, 4, "o_dl_early_")
    late = seed_residents(ctx, 4, "o_dl_late_", start=100)
    idle = seed_residents(ctx, 1, "o_dl_idle_", start=200)[0]

    before = [journey(chat, openid) for openid in early]
    drain(ctx)  # the workers are up: offered, due back by 13:00
    with ctx.Session() as db:
        first_offers = {r: p for r, p in db.execute(select(Offer.request_id, Offer.provider_id))}
    assert len(first_offers) == 4

    # -- the workers stop; the county goes on --------------------------------------------
    clock.now = cst("2025-09-22 10:00")
    during = [journey(chat, openid) for openid in late]
    chat.run(demo.RESIDENT, "> 求助\n> 4\n> 转介服务\n> 医保\n> 住院费用报销不了\n> 是\n< 1个工作日内")
    chat.run(demo.NEIGHBOUR, "> 报告\n> 匿名\n> 独居的李大爷\n> 城北村\n> 5组路口\n> 2\n> 没有\n> 不急\n> 是\n< 编号BG")
    chat.run(idle, "> 求助\n> 1\n< 请选择具体服务")  # and stops answering

    clock.now = cst("2025-09-24 10:00")  # Wednesday: every deadline above has passed
    workers_come_back(ctx, clock.now)
    after_first = counts(ctx)
    workers_come_back(ctx, clock.now)  # and once more: nothing new
    after_second = counts(ctx)

    counted = tally(ctx, before + during)
    with ctx.Session() as db:
        offers = db.execute(select(Offer.request_id, Offer.provider_id, Offer.status, Offer.offered_at)).all()
        expired_entries = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "offer_expired"))
        alerts = db.execute(select(Alert.subject, Alert.stage)).all()
        reminders = [ctx.cipher.decrypt(b) for b in db.scalars(select(OutboundMessage.body_enc).where(
            OutboundMessage.openid == idle, OutboundMessage.kind == "reminder"))]
        late_ids = {i for i, in db.execute(select(ServiceRequest.id).where(ServiceRequest.requested_by.in_(late)))}
    by_request: dict[int, list] = {}
    for request_id, provider_id, status, offered_at in offers:
        by_request.setdefault(request_id, []).append((provider_id, status, offered_at))

    report(f"deadlines crossed with the workers down: {counted.line()}; {expired_entries} offers expired and passed on, "
           f"{len(alerts)} clock alerts {sorted(set(alerts))}, {len(reminders)} idle reminder; "
           f"a second catch-up added {sum(after_second.values()) - sum(after_first.values())} rows"
           + (" → OK" if not counted.problems else f" → PROBLEMS {counted.problems}"))

    assert counted.problems == []
    assert counted.acknowledged == counted.in_database == counted.dispatched == 8
    for request_id, provider in first_offers.items():  # expired once, offered once more, elsewhere
        history = by_request[request_id]
        assert [s for _, s, _ in history] == ["expired", "open"], history
        assert history[1][0] != provider
    for request_id in late_ids:  # filed while down: offered once, when the workers came back
        [(_, status, offered_at)] = by_request[request_id]
        assert status == "open" and offered_at == clock.now
    assert expired_entries == 4
    # a matter found late gets only its latest stage: the referral (due Tuesday 10:00) is a day
    # past due, so the county; the lead (due Wednesday 10:00) has just reached the town
    assert sorted(alerts) == [("lead", "town"), ("referral", "county")]
    assert len(reminders) == 1
    assert after_second == after_first
