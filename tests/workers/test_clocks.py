"""Working-day clocks on referrals and leads: half time → secretary, deadline → town, then county."""

from __future__ import annotations

import threading

import pytest

from models.deadlines import deadline_alerts, review_deadline, transfer_deadline
from models.staff.staff import Role
from tests.workers import builders as b
from tests.workers.scene import inbox, run
from workers.clocks import run_clocks
from workers.rules import rules


@pytest.fixture
def village(ctx):
    with ctx.Session.begin() as db:
        town, (village,) = b.county(db)
        b.staff(db, Role.SECRETARY, "张书记", town=town, village=village, openid="o_sec")
        b.staff(db, Role.TOWN_A, "刘A岗", town=town, openid="o_a")
        b.staff(db, Role.COUNTY, "县民政局", openid="o_county")
        return village.id


def at(ctx, clock, moment: str) -> int:
    clock.now = b.cst(moment)
    return run(ctx, run_clocks, queue="low")


def test_a_referral_over_national_day_warns_at_half_time_then_the_town_then_the_county(ctx, clock, village):
    created = b.cst("2025-09-30 10:00")  # the last working day before the holiday
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        deadline = transfer_deadline(created, calendar, thresholds)
        b.referral(db, ctx.cipher, db.get(b.Village, village), created, deadline)
    assert deadline == b.cst("2025-10-09 10:00")

    assert at(ctx, clock, "2025-09-30 14:29") == 0  # 9 office hours in all: half is 14:30
    assert at(ctx, clock, "2025-09-30 14:30") == 1
    assert at(ctx, clock, "2025-10-05 10:00") == 0  # nothing again during the holiday
    assert "已过一半时限" in inbox(ctx, "o_sec")[-1] and "10月9日 10:00" in inbox(ctx, "o_sec")[-1]
    assert at(ctx, clock, "2025-10-09 10:00") == 1
    assert "请乡镇督办" in inbox(ctx, "o_a")[-1]
    assert at(ctx, clock, "2025-10-10 09:59") == 0
    assert at(ctx, clock, "2025-10-10 10:00") == 1
    assert "请县民政局督办" in inbox(ctx, "o_county")[-1]
    assert at(ctx, clock, "2025-10-20 10:00") == 0
    assert (len(inbox(ctx, "o_sec")), len(inbox(ctx, "o_a")), len(inbox(ctx, "o_county"))) == (1, 1, 1)


def test_a_lead_due_on_the_make_up_saturday(ctx, clock, village):
    created = b.cst("2025-10-09 10:00")
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        deadline = review_deadline(created, calendar, thresholds)
        b.lead(db, ctx.cipher, db.get(b.Village, village), created, deadline)
    assert deadline == b.cst("2025-10-11 10:00")  # Thursday + 2 working days = the make-up Saturday
    assert at(ctx, clock, "2025-10-10 09:59") == 0
    assert at(ctx, clock, "2025-10-10 10:00") == 1  # half of 18 office hours
    assert at(ctx, clock, "2025-10-11 10:00") == 1
    assert "线索" in inbox(ctx, "o_a")[-1]
    assert at(ctx, clock, "2025-10-13 10:00") == 1  # Monday: one working day after the deadline


def test_a_matter_found_late_gets_only_its_latest_stage(ctx, clock, village):
    with ctx.Session.begin() as db:
        b.referral(db, ctx.cipher, db.get(b.Village, village), b.cst("2025-09-22 09:00"), b.cst("2025-09-23 09:00"))
    assert at(ctx, clock, "2025-09-23 12:00") == 1
    assert inbox(ctx, "o_sec") == [] and len(inbox(ctx, "o_a")) == 1


def test_a_lead_without_a_village_goes_to_the_county(ctx, clock, village):
    with ctx.Session.begin() as db:
        b.lead(db, ctx.cipher, None, b.cst("2025-09-22 09:00"), b.cst("2025-09-24 09:00"))
    assert at(ctx, clock, "2025-09-23 09:00") == 1
    assert "未指定村" in inbox(ctx, "o_county")[-1]


def test_two_clock_runs_at_once_send_each_alert_once(ctx, clock, village):
    with ctx.Session.begin() as db:
        b.referral(db, ctx.cipher, db.get(b.Village, village), b.cst("2025-09-22 09:00"), b.cst("2025-09-23 09:00"))
    clock.now = b.cst("2025-09-22 14:00")
    sent, barrier = [], threading.Barrier(2)

    def tick():
        with ctx.Session.begin() as db:
            calendar, thresholds = rules(db)
            barrier.wait()
            sent.append(len(deadline_alerts(db, ctx.clock(), calendar, thresholds)))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(sent) == [0, 1]


def test_the_county_is_told_weekly_while_next_year_has_no_holidays(ctx, clock, village):
    assert at(ctx, clock, "2026-10-01 09:00") == 0  # 2027 is more than 60 days away
    assert at(ctx, clock, "2026-11-30 09:00") == 1
    assert at(ctx, clock, "2026-12-02 09:00") == 0  # same week
    assert at(ctx, clock, "2026-12-07 09:00") == 1
    assert "2027年的法定节假日" in inbox(ctx, "o_county")[-1]
