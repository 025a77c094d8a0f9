"""Working days around 2024's National Day and Spring Festival, and past the calendar's data."""

from datetime import date, datetime, timedelta, timezone

import pytest

from policy.workdays import WEEKDAYS_ONLY, WorkCalendar, calendar_from_chinese_calendar

from .builders import CALENDAR, d


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_known_years_skip_what_the_package_does_not_know():
    assert CALENDAR.known_years == frozenset({2023, 2024, 2025, 2026})
    empty = calendar_from_chinese_calendar([1990, 2027, 2100, 10_000])
    assert empty.known_years == frozenset() and not empty.holidays and not empty.workdays


@pytest.mark.parametrize(
    "day, workday",
    [
        ("2024-09-27", True),  # Friday
        ("2024-09-28", False),  # ordinary Saturday
        ("2024-09-29", True),  # make-up Sunday
        ("2024-09-30", True),
        ("2024-10-01", False),
        ("2024-10-04", False),
        ("2024-10-05", False),
        ("2024-10-07", False),  # Monday, still the holiday
        ("2024-10-08", True),
        ("2024-10-12", True),  # make-up Saturday
        ("2024-10-13", False),
        ("2024-02-04", True),  # Spring Festival make-up Sunday
        ("2024-02-10", False),
        ("2024-02-16", False),  # Friday inside the holiday
        ("2024-02-18", True),  # make-up Sunday
        ("2024-02-19", True),
    ],
)
def test_is_workday_2024(day, workday):
    assert CALENDAR.is_workday(d(day)) is workday
    assert CALENDAR.is_known(d(day))


@pytest.mark.parametrize(
    "start, n, deadline",
    [
        ("2024-09-27T16:00", 1, "2024-09-29T16:00"),  # Friday -> make-up Sunday
        ("2024-09-27T16:00", 2, "2024-09-30T16:00"),
        ("2024-09-27T16:00", 3, "2024-10-08T16:00"),
        ("2024-09-30T09:00", 2, "2024-10-09T09:00"),  # the 2-working-day review window
        ("2024-10-03T14:00", 0, "2024-10-08T00:00"),  # in the holiday: the clock starts 8 Oct
        ("2024-10-03T14:00", 1, "2024-10-09T00:00"),
        ("2024-10-11T10:00", 1, "2024-10-12T10:00"),  # Friday -> make-up Saturday
        ("2024-10-12T10:00", 1, "2024-10-14T10:00"),
        ("2024-02-02T10:00", 1, "2024-02-04T10:00"),  # Spring Festival make-up Sunday
        ("2024-02-09T10:00", 1, "2024-02-18T10:00"),
        ("2024-02-03T10:00", 1, "2024-02-05T00:00"),  # Saturday start -> all of Sunday 4 Feb
    ],
)
def test_add_workdays(start, n, deadline):
    assert CALENDAR.add_workdays(at(start), n) == at(deadline)


def test_deadline_crossing_into_2027_counts_weekdays_and_does_not_crash():
    deadline = CALENDAR.add_workdays(at("2026-12-31T10:00"), 1)
    assert deadline == at("2027-01-01T10:00")  # a Friday; 2027's holidays are not known
    assert not CALENDAR.is_known(deadline)
    assert not CALENDAR.is_known_range(at("2026-12-31T10:00"), deadline)
    assert CALENDAR.add_workdays(at("2026-12-31T10:00"), 2) == at("2027-01-04T10:00")
    assert CALENDAR.add_workdays(at("2027-06-05T10:00"), 1) == at("2027-06-08T00:00")  # Saturday start
    assert CALENDAR.workdays_between(d("2026-12-30"), d("2027-01-08")) == 7
    assert CALENDAR.add_working_hours(at("2027-01-01T16:30"), 4) == at("2027-01-04T11:30")


def test_calendar_without_data_is_weekdays_only():
    assert not WEEKDAYS_ONLY.is_workday(d("2024-09-29"))
    assert WEEKDAYS_ONLY.is_workday(d("2024-10-01"))
    assert not WEEKDAYS_ONLY.is_known(d("2024-10-01"))


def test_calendar_from_plain_data():
    cal = WorkCalendar(holidays={d("2030-01-01")}, workdays={d("2030-01-05")}, known_years={2030})
    assert not cal.is_workday(d("2030-01-01")) and cal.is_workday(d("2030-01-05"))
    with pytest.raises(ValueError):
        WorkCalendar(holidays={d("2030-01-01")}, workdays={d("2030-01-01")})


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        CALENDAR.add_workdays(at("2024-10-08T10:00"), -1)
    with pytest.raises(ValueError):
        CALENDAR.add_working_hours(at("2024-10-08T10:00"), -1)


@pytest.mark.parametrize(
    "start, hours, end",
    [
        ("2024-10-08T09:00", 4, "2024-10-08T13:00"),
        ("2024-10-08T13:30", 4, "2024-10-08T17:30"),  # exactly the end of office hours
        ("2024-10-08T13:31", 4, "2024-10-09T08:31"),
        ("2024-10-08T07:00", 4, "2024-10-08T12:30"),  # before opening
        ("2024-10-08T20:00", 4, "2024-10-09T12:30"),  # after closing
        ("2024-09-30T16:00", 4, "2024-10-08T11:00"),  # across National Day
        ("2024-09-27T15:00", 4, "2024-09-29T10:00"),  # into the make-up Sunday
        ("2024-10-03T14:00", 4, "2024-10-08T12:30"),  # starting in the holiday
        ("2024-10-08T08:30", 9, "2024-10-08T17:30"),  # a whole office day
        ("2024-10-08T09:00", 9, "2024-10-09T09:00"),
        ("2024-10-08T09:00", 0.5, "2024-10-08T09:30"),
    ],
)
def test_add_working_hours(start, hours, end):
    assert CALENDAR.add_working_hours(at(start), hours) == at(end)


def test_working_hours_custom_office_day():
    from datetime import time

    assert CALENDAR.add_working_hours(at("2024-10-08T16:00"), 2, time(9), time(17)) == at("2024-10-09T10:00")


@pytest.mark.parametrize(
    "start, end, count",
    [
        ("2024-09-27", "2024-10-08", 3),  # 29 Sep, 30 Sep, 8 Oct
        ("2024-09-30", "2024-10-07", 0),
        ("2024-10-08", "2024-10-08", 0),
        ("2024-10-08", "2024-09-27", -3),
        ("2024-02-01", "2024-02-29", 17),  # 20 weekdays - 5 holiday + 2 make-up Sundays
    ],
)
def test_workdays_between(start, end, count):
    assert CALENDAR.workdays_between(d(start), d(end)) == count


def test_half_time_in_office_hours():
    start = at("2024-09-27T10:00")
    deadline = CALENDAR.add_workdays(start, 1)  # Sunday 29 Sep 10:00 (make-up day)
    assert CALENDAR.half_time(start, deadline) == at("2024-09-27T14:30")
    start = at("2024-09-30T09:00")
    assert CALENDAR.half_time(start, CALENDAR.add_workdays(start, 1)) == at("2024-09-30T13:30")
    # no office time in between: the plain midpoint
    assert CALENDAR.half_time(at("2024-10-05T01:00"), at("2024-10-05T05:00")) == at("2024-10-05T03:00")
    assert CALENDAR.half_time(at("2024-10-08T10:00"), at("2024-10-08T09:00")) == at("2024-10-08T09:00")


def test_working_time_between():
    assert CALENDAR.working_time_between(at("2024-09-30T16:00"), at("2024-10-08T11:00")) == timedelta(hours=4)


def test_time_zone_is_kept():
    cst = timezone(timedelta(hours=8))
    start = datetime(2024, 9, 30, 9, 0, tzinfo=cst)
    assert CALENDAR.add_workdays(start, 1) == datetime(2024, 10, 8, 9, 0, tzinfo=cst)
    assert CALENDAR.add_working_hours(start, 4).tzinfo is cst
    assert CALENDAR.add_workdays(datetime(2024, 10, 3, 9, 0, tzinfo=cst), 0).tzinfo is cst


def test_next_workday_and_workday_after():
    assert CALENDAR.next_workday(date(2024, 10, 1)) == date(2024, 10, 8)
    assert CALENDAR.next_workday(date(2024, 10, 8)) == date(2024, 10, 8)
    assert CALENDAR.workday_after(date(2024, 9, 30), 1) == date(2024, 10, 8)
