"""Visit schedule (探访慰问, 附件3).

分散供养特困人员 monthly, 低保对象 quarterly, other low-income people (and town extensions)
half-yearly; the strictest interval wins for a person in several groups. After an emergency,
accident or serious illness a visit is due within ``Thresholds.urgent_visit_workdays`` (1)
working day.

The next regular visit is due a whole number of calendar months after the last visit (or, if
there has been none, after registration as a recipient), with the day clamped to the month's
end: 31 January + 1 month → 29 February 2024 / 28 February 2025.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date, datetime, timedelta
from typing import Iterable

from policy.groups import TargetGroup
from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds
from policy.workdays import WorkCalendar


def visit_interval_months(groups: Iterable[TargetGroup], thresholds: Thresholds = DEFAULT_THRESHOLDS) -> int:
    """Months between regular visits; the shortest interval of the person's groups.

    Raises ``ValueError`` for no groups: only assisted people have a visit schedule.
    """
    chosen = {TargetGroup(g) for g in groups}
    if not chosen:
        raise ValueError("a visit schedule needs at least one target group")
    return min(_interval(g, thresholds) for g in chosen)


def next_visit_due(
    groups: Iterable[TargetGroup],
    last_visit: date | None,
    registered_on: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> date:
    """The date the next regular visit is due.

    Counted from the last visit, or from ``registered_on`` when there has been none (a visit
    recorded before registration counts from registration).
    """
    base = registered_on if last_visit is None else max(last_visit, registered_on)
    return add_months(base, visit_interval_months(groups, thresholds))


def is_visit_overdue(due: date, today: date) -> bool:
    """Overdue from the day after the due date."""
    return today > due


def urgent_visit_due(
    event_at: datetime, work_calendar: WorkCalendar, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> datetime:
    """Deadline for the prompt visit after an emergency reported at ``event_at``."""
    return work_calendar.add_workdays(event_at, thresholds.urgent_visit_workdays)


def schedule_horizon(today: date, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> date:
    """Routine visits due on or before this day are put on the volunteer's list today."""
    return today + timedelta(days=thresholds.visit_schedule_days)


def reminder_date(due: date, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> date:
    """The volunteer is reminded from this day on (``visit_remind_days_before`` calendar days)."""
    return due - timedelta(days=thresholds.visit_remind_days_before)


def escalation_cutoff(today: date, work_calendar: WorkCalendar, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> date:
    """Visits due on or before this date are overdue by ``visit_escalate_workdays`` working days.

    That is, ``work_calendar.workdays_between(due, today) >= n`` exactly when ``due <= cutoff``;
    they go to the village secretary.
    """
    d, counted = today, 0
    while counted < thresholds.visit_escalate_workdays:
        if work_calendar.is_workday(d):
            counted += 1
        d -= timedelta(days=1)
    return d


def add_months(d: date, months: int) -> date:
    """``d`` plus whole calendar months, the day clamped to the last day of the target month."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last_day = _calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def _interval(group: TargetGroup, thresholds: Thresholds) -> int:
    if group is TargetGroup.EXTREME_POVERTY_DISPERSED:
        return thresholds.visit_months_dispersed
    if group is TargetGroup.MINIMUM_LIVING:
        return thresholds.visit_months_minimum_living
    return thresholds.visit_months_other
