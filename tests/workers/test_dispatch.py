"""系统派单 with real RQ workers (burst mode) on PostgreSQL and Redis: offer, accept, decline,
time out, escalate, capacity, working-hour deadlines over National Day 2025."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from models.requests.dispatch import AnswerOutcome, DispatchOutcome, accept_offer, decline_offer, offer_next
from models.catalogue.providers import Provider
from models.requests.requests import Offer, RequestStatus
from tests.workers import builders as b
from tests.workers.scene import RESIDENT, actions, build, inbox, new_request, offers_of, request_row, run
from workers.clocks import run_clocks
from workers.dispatch import dispatch_request, enqueue_dispatch, expire_offers_job
from workers.notify import record_notices, send
from workers.rules import rules
from tests.support import drain

MONDAY = b.cst("2025-09-22 09:00")


@pytest.fixture
def scene(ctx, clock):
    clock.now = MONDAY
    return build(ctx)


def dispatch(ctx, request_id: int) -> None:
    assert enqueue_dispatch(ctx, request_id)
    drain(ctx)


def answer(ctx, fn, request_id: int, provider_id: int, **kw):
    """What the chat side does for 接单 / 拒单: the use case, its notices, then the next dispatch."""
    with ctx.Session.begin() as db:
        result = fn(db, ctx.clock(), request_id=request_id, provider_id=provider_id, **kw)
        outbound = record_notices(ctx, db, result.notices)
    send(ctx, outbound)
    if result.redispatch:
        enqueue_dispatch(ctx, result.request_id)
    drain(ctx)
    return result


def test_a_request_is_offered_to_the_least_busy_provider_and_the_provider_is_told(ctx, scene):
    jia, yi = scene.providers["甲家政"], scene.providers["乙家政"]
    with ctx.Session.begin() as db:  # 甲 was busy yesterday; 丙 and 丁 are idle but hold an order each
        db.execute(update(Provider).where(Provider.id == jia).values(last_assigned_at=MONDAY - dt.timedelta(days=1)))
        for name in ("丙家政", "丁家政"):
            other = b.service_request(db, ctx.cipher, db.get(b.Member, scene.member_id), now=MONDAY)
            other.status, other.provider_id = RequestStatus.ACCEPTED.value, scene.providers[name]
    request_id = new_request(ctx, scene)

    dispatch(ctx, request_id)

    assert offers_of(ctx, request_id) == [(yi, "open")]  # fewest open orders, then never assigned
    assert request_row(ctx, request_id).status == "offered"
    (notice,) = inbox(ctx, "o_乙家政")
    number = request_row(ctx, request_id).number
    assert number in notice and "助洁助行" in notice and "衡山镇城北村***" in notice and "王**" in notice
    assert "王桂英" not in notice and "3组12号" not in notice
    assert "9月22日 13:00" in notice  # 4 office hours from Monday 09:00
    assert actions(ctx, request_id)[-1] == "offered"


def test_accept_holds_the_request_and_tells_the_resident_and_the_secretary(ctx, scene):
    request_id = new_request(ctx, scene)
    dispatch(ctx, request_id)
    (provider_id, _), = offers_of(ctx, request_id)

    result = answer(ctx, accept_offer, request_id, provider_id)

    assert result.outcome is AnswerOutcome.ACCEPTED
    row = request_row(ctx, request_id)
    assert (row.status, row.provider_id) == ("accepted", provider_id)
    assert inbox(ctx, RESIDENT)[-1].startswith("服务人员已接单：甲家政，会尽快联系您")
    assert "已由 甲家政 接单" in inbox(ctx, scene.secretary)[-1]
    again = answer(ctx, accept_offer, request_id, provider_id)
    assert again.outcome is AnswerOutcome.ALREADY_ACCEPTED and not again.notices
    stranger = answer(ctx, accept_offer, request_id, scene.providers["丁家政"])
    assert stranger.outcome is AnswerOutcome.NO_OFFER
    assert actions(ctx, request_id).count("accepted") == 1


def test_two_accepts_racing_for_one_offer_make_one_holder(ctx, scene):
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    request_id = new_request(ctx, scene)
    dispatch(ctx, request_id)
    (provider_id, _), = offers_of(ctx, request_id)
    outcomes, barrier = [], threading.Barrier(2)

    def claim():
        barrier.wait()
        with ctx.Session.begin() as db:
            outcomes.append(accept_offer(db, ctx.clock(), request_id=request_id, provider_id=provider_id).outcome)

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted([AnswerOutcome.ACCEPTED, AnswerOutcome.ALREADY_ACCEPTED])


def test_the_database_refuses_a_second_live_offer(ctx, scene):
    request_id = new_request(ctx, scene)
    dispatch(ctx, request_id)
    with pytest.raises(IntegrityError):
        with ctx.Session.begin() as db:
            db.execute(insert(Offer).values(request_id=request_id, provider_id=scene.providers["丁家政"], status="open", offered_at=MONDAY, deadline=MONDAY))


def test_a_decline_passes_the_request_on_and_never_back(ctx, scene):
    request_id = new_request(ctx, scene)
    dispatch(ctx, request_id)
    first = offers_of(ctx, request_id)[0][0]

    result = answer(ctx, decline_offer, request_id, first, reason="人手不够")

    assert result.outcome is AnswerOutcome.DECLINED
    (p1, s1), (p2, s2) = offers_of(ctx, request_id)
    assert (p1, s1) == (first, "declined") and p2 != first and s2 == "open"
    assert answer(ctx, decline_offer, request_id, first).outcome is AnswerOutcome.ALREADY_DECLINED
    assert answer(ctx, accept_offer, request_id, first).outcome is AnswerOutcome.ALREADY_DECLINED
    assert request_row(ctx, request_id).status == "offered"


def test_an_offer_not_accepted_in_4_working_hours_passes_to_the_next_provider(ctx, scene, clock):
    request_id = new_request(ctx, scene)
    dispatch(ctx, request_id)
    first = offers_of(ctx, request_id)[0][0]

    clock.now = b.cst("2025-09-22 12:59")
    assert run(ctx, expire_offers_job) == 0
    clock.now = b.cst("2025-09-22 13:00")
    assert run(ctx, expire_offers_job) == 1

    (p1, s1), (p2, s2) = offers_of(ctx, request_id)
    assert (p1, s1) == (first, "expired") and s2 == "open"
    assert "超过接单时限" in inbox(ctx, f"o_{_name(scene, first)}")[-1]
    late = answer(ctx, accept_offer, request_id, first)
    assert late.outcome is AnswerOutcome.EXPIRED
    assert request_row(ctx, request_id).status == "offered"


def test_a_late_accept_before_the_expiry_job_runs_is_refused_and_passes_on(ctx, scene, clock):
    request_id = new_request(ctx, scene)
    dispatch(ctx, request_id)
    first = offers_of(ctx, request_id)[0][0]
    clock.now = b.cst("2025-09-22 14:00")

    late = answer(ctx, accept_offer, request_id, first)

    assert late.outcome is AnswerOutcome.EXPIRED and late.redispatch
    assert [s for _, s in offers_of(ctx, request_id)] == ["expired", "open"]


def test_after_three_failed_offers_the_town_a_post_then_the_b_post(ctx, scene, clock):
    request_id = new_request(ctx, scene)
    dispatch(ctx, request_id)
    for _ in range(3):
        provider_id = [p for p, s in offers_of(ctx, request_id) if s == "open"][0]
        answer(ctx, decline_offer, request_id, provider_id)

    assert request_row(ctx, request_id).status == "escalated"
    assert len(offers_of(ctx, request_id)) == 3  # K = 3, though 丁家政 was never asked
    assert "已派单 3 次无人接单" in inbox(ctx, scene.town_a)[-1]
    assert "已转乡镇工作人员安排" in inbox(ctx, RESIDENT)[-1]
    assert inbox(ctx, scene.town_b) == []

    clock.now = b.cst("2025-09-22 12:59")  # A was told at 09:00: 4 office hours
    run(ctx, run_clocks, queue="low")
    assert inbox(ctx, scene.town_b) == []
    clock.now = b.cst("2025-09-22 13:00")
    run(ctx, run_clocks, queue="low")
    run(ctx, run_clocks, queue="low")
    (b_notice,) = inbox(ctx, scene.town_b)
    assert "【B岗提醒】" in b_notice and request_row(ctx, request_id).number in b_notice


def test_no_provider_at_all_goes_to_the_b_post_when_the_town_has_no_a_post(ctx, clock):
    clock.now = MONDAY
    scene = build(ctx, providers=(), town_a=False)
    request_id = new_request(ctx, scene)

    dispatch(ctx, request_id)

    assert request_row(ctx, request_id).status == "escalated"
    assert "暂无可接单的服务机构" in inbox(ctx, scene.town_b)[-1]
    assert actions(ctx, request_id) == ["escalated"]


def test_a_provider_full_for_the_day_is_passed_over_until_the_next_day(ctx, clock):
    clock.now = MONDAY
    scene = build(ctx, providers=("甲家政", "乙家政"), capacity=1)
    first, second, third = (new_request(ctx, scene) for _ in range(3))
    for request_id in (first, second, third):
        dispatch(ctx, request_id)

    assert {offers_of(ctx, first)[0][0], offers_of(ctx, second)[0][0]} == set(scene.providers.values())
    assert request_row(ctx, third).status == "escalated"  # both are full today

    clock.now = b.cst("2025-09-23 09:00")
    fourth = new_request(ctx, scene)
    dispatch(ctx, fourth)
    assert request_row(ctx, fourth).status == "offered"


def test_a_provider_not_offering_the_item_or_covering_the_village_is_never_offered(ctx, scene):
    with ctx.Session.begin() as db:
        town, (elsewhere,) = b.county(db, village_names=("南岳村",))
        b.provider(db, "外村家政", villages=[elsewhere])
        b.provider(db, "老年食堂", items=("meals",), villages=[db.get(b.Village, scene.village_id)])
    request_id = new_request(ctx, scene, item="meals")
    dispatch(ctx, request_id)
    assert inbox(ctx, "o_老年食堂") and not inbox(ctx, "o_外村家政")


@pytest.mark.parametrize(
    "offered, deadline",
    [
        ("2025-09-30 15:00", "10月9日 10:00"),  # the last working day before National Day
        ("2025-10-10 16:00", "10月11日 11:00"),  # Friday → the make-up Saturday
        ("2025-09-26 16:30", "9月28日 11:30"),  # Friday → the make-up Sunday
        ("2025-10-03 10:00", "10月9日 12:30"),  # inside the holiday: the clock starts on 9 Oct
    ],
)
def test_offer_deadlines_count_office_hours_of_the_official_calendar(ctx, scene, clock, offered, deadline):
    clock.now = b.cst(offered)
    request_id = new_request(ctx, scene)
    dispatch(ctx, request_id)
    assert f"请在 {deadline} 前回复" in inbox(ctx, "o_甲家政")[-1]


def test_a_deadline_in_a_year_without_calendar_data_counts_weekdays_and_warns(ctx, scene, clock):
    clock.now = b.cst("2026-12-31 16:00")  # Thursday; 2027 is unknown to chinese_calendar
    request_id = new_request(ctx, scene)
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        result = offer_next(db, request_id, ctx.clock(), calendar, thresholds, ctx.cipher)
    assert result.outcome is DispatchOutcome.OFFERED and result.calendar_warning
    assert result.deadline == b.cst("2027-01-01 11:00")  # 1 Jan 2027 counted as a weekday


def test_a_job_marked_queued_that_no_queue_holds_is_queued_again(ctx, scene):
    # Redis restored from its append-only file: the job says "queued", but a worker had taken it
    # when Redis died, so it is in no queue and nothing would ever run it (seen in the fault test)
    request_id = new_request(ctx, scene)
    assert enqueue_dispatch(ctx, request_id)
    queue = ctx.queue("default")
    ctx.redis.lrem(queue.key, 0, f"dispatch-{request_id}")
    assert queue.count == 0
    assert enqueue_dispatch(ctx, request_id)  # what the sweeper does for a request still waiting
    assert queue.count == 1
    drain(ctx)
    assert len(offers_of(ctx, request_id)) == 1


def test_a_job_enqueued_twice_offers_once(ctx, scene):
    request_id = new_request(ctx, scene)
    assert enqueue_dispatch(ctx, request_id) and enqueue_dispatch(ctx, request_id)
    assert ctx.queue("default").count == 1  # the same job id, refused as a duplicate
    drain(ctx)
    assert enqueue_dispatch(ctx, request_id)  # finished: replaced, runs again, changes nothing
    drain(ctx)
    assert run(ctx, dispatch_request, request_id) == "already_offered"
    assert len(offers_of(ctx, request_id)) == 1 and actions(ctx, request_id) == ["offered"]
    assert len(inbox(ctx, "o_甲家政")) == 1


def _name(scene, provider_id: int) -> str:
    return next(name for name, pid in scene.providers.items() if pid == provider_id)
