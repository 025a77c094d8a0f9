"""Visit schedules per target group (set-based), reminders, escalation, digests, urgent visits."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from policy.groups import TargetGroup
from policy.visits import next_visit_due
from models.staff.staff import Role
from models.visits.visits import Visit
from tests.workers import builders as b
from tests.workers.scene import inbox, run
from workers.visits import schedule_urgent, visit_day

D = dt.date.fromisoformat


@pytest.fixture
def village(ctx):
    with ctx.Session.begin() as db:
        town, (village,) = b.county(db)
        b.staff(db, Role.SECRETARY, "张书记", town=town, village=village, openid="o_sec")
        return village.id


def day(ctx, clock, moment: str) -> dict:
    clock.now = b.cst(moment)
    return run(ctx, visit_day, queue="low")


def visits(ctx, member_id: int) -> list[tuple[str, dt.date, str, int | None]]:
    with ctx.Session() as db:
        rows = db.scalars(select(Visit).where(Visit.member_id == member_id).order_by(Visit.due_date))
        return [(v.kind, v.due_date, v.status, v.staff_id) for v in rows]


def add_member(ctx, village_id: int, groups, registered: str, done: list[str] = (), name: str = "王桂英") -> int:
    with ctx.Session.begin() as db:
        person = b.member(db, ctx.cipher, db.get(b.Village, village_id), name=name, groups=groups, registered_on=D(registered))
        for moment in done:
            b.done_visit(db, person, b.cst(moment))
        return person.id


@pytest.mark.parametrize(
    "groups, registered, done, due",
    [
        (["extreme_poverty_dispersed"], "2025-01-31", [], "2025-02-28"),  # monthly, clamped to February's end
        (["minimum_living"], "2025-01-15", ["2025-03-10 10:00"], "2025-06-10"),  # quarterly after the last visit
        (["marginal"], "2025-02-01", [], "2025-08-01"),  # other low-income: half-yearly
        (["extreme_poverty_institutional"], "2025-02-01", [], "2025-08-01"),
        (["minimum_living", "extreme_poverty_dispersed"], "2025-02-01", [], "2025-03-01"),  # the strictest wins
        (["elderly"], "2025-02-01", ["2025-04-01 00:30"], "2025-10-01"),  # 00:30 in China is still 31 March in UTC
        (["minimum_living"], "2025-05-01", ["2025-03-10 10:00"], "2025-08-01"),  # a visit before registration does not count
    ],
)
def test_the_next_visit_is_due_by_target_group(ctx, clock, village, groups, registered, done, due):
    member_id = add_member(ctx, village, groups, registered, done)
    assert day(ctx, clock, f"{D(due) - dt.timedelta(days=32)} 07:30")["created"] == 0  # not yet on the list
    assert day(ctx, clock, f"{D(due) - dt.timedelta(days=31)} 07:30")["created"] == 1  # a month ahead
    assert [(k, d) for k, d, s, _ in visits(ctx, member_id) if s == "due"] == [("routine", D(due))]


def test_people_without_a_target_group_get_no_schedule_and_a_second_scan_adds_nothing(ctx, clock, village):
    add_member(ctx, village, [], "2025-01-01")
    member_id = add_member(ctx, village, ["minimum_living"], "2025-01-01")
    assert day(ctx, clock, "2025-03-31 07:30")["created"] == 1
    assert day(ctx, clock, "2025-04-01 07:30")["created"] == 0
    with ctx.Session.begin() as db:  # the visit is done: the next one comes from that day
        visit = db.scalar(select(Visit).where(Visit.member_id == member_id))
        visit.status, visit.completed_at = "done", b.cst("2025-03-20 10:00")
    assert day(ctx, clock, "2025-06-01 07:30")["created"] == 1
    assert [d for _, d, s, _ in visits(ctx, member_id) if s == "due"] == [D("2025-06-20")]


def test_the_sql_schedule_agrees_with_the_policy_rule(ctx, clock, village):
    rng = random.Random(6)
    expected = {}
    for n in range(60):
        groups = rng.sample([g.value for g in TargetGroup], rng.randint(1, 3))
        registered = D("2024-01-01") + dt.timedelta(days=rng.randint(0, 500))
        last = [f"{D('2024-01-01') + dt.timedelta(days=rng.randint(0, 600))} {rng.randint(0, 23):02d}:10"] if rng.random() < 0.7 else []
        member_id = add_member(ctx, village, groups, registered.isoformat(), last, name=f"测试{n}")
        last_day = D(last[0][:10]) if last else None  # the China date of the visit
        expected[member_id] = next_visit_due([TargetGroup(g) for g in groups], last_day, registered)
    assert day(ctx, clock, "2026-12-01 07:30")["created"] == 60
    with ctx.Session() as db:
        got = dict(db.execute(select(Visit.member_id, Visit.due_date).where(Visit.status == "due")).all())
    assert got == expected


def test_visits_go_to_the_last_visitor_else_round_robin_among_the_village_volunteers(ctx, clock, village):
    with ctx.Session.begin() as db:
        v = db.get(b.Village, village)
        li, zhao = (b.staff(db, Role.VOLUNTEER, name, village=v) for name in ("李志强", "赵红"))
        people = [b.member(db, ctx.cipher, v, name=f"对象{n}", registered_on=D("2025-01-01")) for n in range(4)]
        b.done_visit(db, people[0], b.cst("2025-02-01 10:00"), staff_row=zhao)
        b.done_visit(db, people[1], b.cst("2025-02-01 10:00"), staff_row=zhao)
        ids = [p.id for p in people]
        volunteers = {li.id: "li", zhao.id: "zhao"}
    day(ctx, clock, "2025-04-15 07:30")
    assigned = [volunteers[visits(ctx, i)[-1][3]] for i in ids]
    assert assigned[:2] == ["zhao", "zhao"]
    assert sorted(assigned[2:]) == ["li", "zhao"]  # member id modulo two volunteers


def test_reminders_before_due_when_overdue_then_the_secretary_over_national_day(ctx, clock, village):
    with ctx.Session.begin() as db:
        v = db.get(b.Village, village)
        b.staff(db, Role.VOLUNTEER, "李志强", village=v, openid="o_li")
        soon = b.member(db, ctx.cipher, v, name="王桂英", groups=["minimum_living"], registered_on=D("2025-07-01"))  # due 1 Oct
        late = b.member(db, ctx.cipher, v, name="陈秀兰", groups=["minimum_living"], registered_on=D("2025-06-30"))  # due 30 Sep
    day(ctx, clock, "2025-09-26 07:30")  # Friday: nothing due within 3 days, nothing to digest
    assert inbox(ctx, "o_li") == [] and inbox(ctx, "o_sec") == []
    day(ctx, clock, "2025-09-27 07:30")  # Saturday: 陈 is due in 3 days; no digest on a weekend
    (first,) = inbox(ctx, "o_li")
    assert "即将到期" in first and "陈**，9月30日到期" in first and "王**" not in first
    assert inbox(ctx, "o_sec") == []
    day(ctx, clock, "2025-09-28 07:30")  # the make-up Sunday is a working day: the digest too
    assert "王**，10月1日到期" in inbox(ctx, "o_li")[-1]
    assert "【每日汇总】城北村 9月28日\n探访：2 户将在3天内到期" in inbox(ctx, "o_sec")[-1]
    day(ctx, clock, "2025-09-28 12:00")  # the same day again: nothing twice
    assert len(inbox(ctx, "o_li")) == 2 and len(inbox(ctx, "o_sec")) == 1
    day(ctx, clock, "2025-10-02 07:30")  # both overdue, in the holiday
    assert "已过期" in inbox(ctx, "o_li")[-1] and len(inbox(ctx, "o_sec")) == 1  # no digest on a holiday
    day(ctx, clock, "2025-10-09 07:30")  # one working day after 30 Sep: not yet the secretary
    assert not any("逾期2个工作日" in t for t in inbox(ctx, "o_sec"))
    day(ctx, clock, "2025-10-10 07:30")  # 陈 is two working days late; 王 (1 Oct) too
    escalated = [t for t in inbox(ctx, "o_sec") if "逾期2个工作日" in t]
    assert len(escalated) == 1 and "陈**" in escalated[0] and "王**" in escalated[0] and "（李志强）" in escalated[0]
    day(ctx, clock, "2025-10-11 07:30")  # make-up Saturday: digest, but no repeated escalation
    assert len([t for t in inbox(ctx, "o_sec") if "逾期2个工作日" in t]) == 1
    assert "【每日汇总】城北村 10月11日" in inbox(ctx, "o_sec")[-1]


def test_an_urgent_visit_within_one_working_day_tells_the_volunteer_and_the_secretary(ctx, clock, village):
    with ctx.Session.begin() as db:
        v = db.get(b.Village, village)
        b.staff(db, Role.VOLUNTEER, "李志强", village=v, openid="o_li")
        member_id = b.member(db, ctx.cipher, v, name="王桂英").id
    clock.now = b.cst("2025-09-30 15:00")

    first = schedule_urgent(ctx, member_id)
    again = schedule_urgent(ctx, member_id)

    assert first.created and not again.created and first.visit_id == again.visit_id
    assert first.due == b.cst("2025-10-09 15:00")
    assert [(k, d) for k, d, _, _ in visits(ctx, member_id)] == [("urgent", D("2025-10-09"))]
    assert "10月9日 15:00" in inbox(ctx, "o_li")[-1] and "王**" in inbox(ctx, "o_sec")[-1]
    assert len(inbox(ctx, "o_li")) == 1
