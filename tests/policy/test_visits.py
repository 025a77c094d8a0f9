"""Visit intervals (附件3 探访慰问) and month-end clamping."""

from datetime import datetime

import pytest

from policy.groups import TargetGroup as G
from policy.thresholds import Thresholds
from policy.visits import add_months, is_visit_overdue, next_visit_due, urgent_visit_due, visit_interval_months

from .builders import CALENDAR, d

INTERVALS = {
    G.EXTREME_POVERTY_DISPERSED: 1,
    G.EXTREME_POVERTY_INSTITUTIONAL: 6,
    G.MINIMUM_LIVING: 3,
    G.MARGINAL: 6,
    G.RIGID_EXPENDITURE: 6,
    G.MONITORED: 6,
    G.ELDERLY: 6,
    G.MINOR: 6,
    G.DISABLED: 6,
}


@pytest.mark.parametrize("group", list(G))
def test_interval_per_group(group):
    assert visit_interval_months({group}) == INTERVALS[group]


@pytest.mark.parametrize(
    "groups, months",
    [
        ({G.MINIMUM_LIVING, G.EXTREME_POVERTY_DISPERSED}, 1),
        ({G.MARGINAL, G.MINIMUM_LIVING}, 3),
        ({G.ELDERLY, G.DISABLED, G.MONITORED}, 6),
    ],
)
def test_strictest_interval_wins(groups, months):
    assert visit_interval_months(groups) == months


def test_no_group_no_schedule():
    with pytest.raises(ValueError):
        visit_interval_months(set())


@pytest.mark.parametrize(
    "groups, last, due",
    [
        ({G.EXTREME_POVERTY_DISPERSED}, "2024-01-31", "2024-02-29"),  # leap year
        ({G.EXTREME_POVERTY_DISPERSED}, "2025-01-31", "2025-02-28"),
        ({G.EXTREME_POVERTY_DISPERSED}, "2024-03-31", "2024-04-30"),
        ({G.EXTREME_POVERTY_DISPERSED}, "2024-12-15", "2025-01-15"),
        ({G.MINIMUM_LIVING}, "2024-11-30", "2025-02-28"),
        ({G.MINIMUM_LIVING}, "2023-11-30", "2024-02-29"),
        ({G.MINIMUM_LIVING}, "2024-05-31", "2024-08-31"),
        ({G.MARGINAL}, "2024-08-31", "2025-02-28"),
        ({G.MARGINAL}, "2024-03-31", "2024-09-30"),
        ({G.MONITORED}, "2024-07-15", "2025-01-15"),
    ],
)
def test_next_visit_due_clamps_to_month_end(groups, last, due):
    assert next_visit_due(groups, d(last), registered_on=d("2023-01-01")) == d(due)


def test_first_visit_counts_from_registration():
    assert next_visit_due({G.MINIMUM_LIVING}, None, registered_on=d("2024-01-31")) == d("2024-04-30")
    # a survey visit before registration does not shorten the schedule
    assert next_visit_due({G.EXTREME_POVERTY_DISPERSED}, d("2024-01-10"), d("2024-03-01")) == d("2024-04-01")


def test_intervals_are_data():
    th = Thresholds(visit_months_minimum_living=2)
    assert next_visit_due({G.MINIMUM_LIVING}, d("2024-01-15"), d("2023-01-01"), th) == d("2024-03-15")


def test_overdue_from_the_day_after():
    assert not is_visit_overdue(d("2024-02-29"), d("2024-02-29"))
    assert is_visit_overdue(d("2024-02-29"), d("2024-03-01"))


def test_add_months_negative_and_year_rollover():
    assert add_months(d("2024-03-31"), -1) == d("2024-02-29")
    assert add_months(d("2024-11-30"), 14) == d("2026-01-30")


@pytest.mark.parametrize(
    "event, due",
    [
        ("2024-09-27T15:00", "2024-09-29T15:00"),  # Friday -> the make-up Sunday
        ("2024-09-30T10:00", "2024-10-08T10:00"),  # across National Day
        ("2024-10-03T14:00", "2024-10-09T00:00"),  # reported in the holiday: all of 8 October
    ],
)
def test_urgent_visit_within_one_working_day(event, due):
    assert urgent_visit_due(datetime.fromisoformat(event), CALENDAR) == datetime.fromisoformat(due)
