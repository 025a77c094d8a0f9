"""The official calendar as data: seeded from chinese_calendar, entered by the county after 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from models import calendar as official
from models.visits.visits import CalendarDay
from tests.workers import builders as b

D = dt.date.fromisoformat


def test_the_seed_stores_holidays_and_make_up_days_and_skips_years_it_does_not_know(ctx):
    with ctx.Session.begin() as db:
        report = official.seed(db, [2024, 2025, 2027, 2030])
        national_day = db.get(CalendarDay, D("2025-10-01"))
        make_up = db.get(CalendarDay, D("2025-10-11"))
        calendar = official.load_work_calendar(db)
    assert report.seeded == (2024, 2025) and report.unavailable == (2027, 2030)
    assert (national_day.workday, national_day.name) == (False, "国庆节")
    assert (make_up.workday, make_up.name) == (True, "国庆节调休上班")
    assert calendar.known_years == {2024, 2025, 2026}
    assert [calendar.is_workday(D(f"2025-10-{d:02d}")) for d in range(1, 12)] == [False] * 8 + [True, True, True]
    assert calendar.is_workday(D("2025-09-28"))  # make-up Sunday


def test_seeding_again_changes_nothing_and_keeps_what_the_county_entered(ctx):
    with ctx.Session.begin() as db:
        official.set_day(db, D("2025-10-08"), workday=True, name="县里调整")
        official.seed(db, [2025])
        official.seed(db, [2025])
        assert db.get(CalendarDay, D("2025-10-08")).workday is True
        assert official.load_work_calendar(db).is_workday(D("2025-10-08"))


def test_the_county_enters_2027_and_deadlines_then_use_it(ctx):
    holidays = {D("2027-01-01"): "元旦", **{D("2027-02-05") + dt.timedelta(days=n): "春节" for n in range(8)}}
    with ctx.Session.begin() as db:
        before = official.load_work_calendar(db)
        assert official.spans_unknown_year(before, b.cst("2026-12-31 10:00"), b.cst("2027-01-04 10:00"))
        assert official.add_year(db, 2027, holidays, [D("2027-02-14")]) == 10
        after = official.load_work_calendar(db)
    assert 2027 in after.known_years
    assert not official.spans_unknown_year(after, b.cst("2026-12-31 10:00"), b.cst("2027-01-04 10:00"))
    assert after.add_workdays(b.cst("2026-12-31 10:00"), 1) == b.cst("2027-01-04 10:00")
    assert before.add_workdays(b.cst("2026-12-31 10:00"), 1) == b.cst("2027-01-01 10:00")  # weekdays only
    assert after.is_workday(D("2027-02-14"))


@pytest.mark.parametrize("holidays, workdays", [({D("2028-01-01"): "元旦"}, []), ({D("2027-01-01"): "元旦"}, [D("2027-01-01")])])
def test_a_year_entered_wrongly_is_refused(ctx, holidays, workdays):
    with ctx.Session.begin() as db, pytest.raises(ValueError):
        official.add_year(db, 2027, holidays, workdays)


def test_the_cli_seeds_enters_days_and_warns_about_next_year(app, ctx, clock):
    clock.now = b.cst("2026-11-29 09:00")
    cli = app.test_cli_runner()

    seeded = cli.invoke(args=["calendar", "seed", "--year", "2026", "--year", "2027"])
    assert "2026–2026" in seeded.output and "no data in chinese_calendar for 2027" in seeded.output
    status = cli.invoke(args=["calendar", "status"]).output
    assert "WARNING: 2027 has no holiday data" in status and "WARNING: 2026" not in status

    assert cli.invoke(args=["calendar", "add-holiday", "2027-01-01", "--name", "元旦"]).exit_code == 0
    assert "3 day(s) off" in cli.invoke(args=["calendar", "add-holiday", "2027-10-01", "--to", "2027-10-03", "--name", "国庆节"]).output
    assert cli.invoke(args=["calendar", "add-workday", "2027-02-07"]).exit_code == 0
    status = cli.invoke(args=["calendar", "status"]).output
    assert "2027: 4 days off, 1 make-up workdays" in status and "WARNING" not in status
    assert "removed" in cli.invoke(args=["calendar", "remove", "2027-10-03"]).output
    with ctx.Session() as db:
        calendar = official.load_work_calendar(db)
    assert not calendar.is_workday(D("2027-01-01")) and calendar.is_workday(D("2027-02-07"))
