"""Deadline clocks (实施方案 二(四)2): warn at half time, escalate at the deadline, then the county.

For a matter with a working-day deadline (a referral transferred within 1 working day, an
application taken into review within 2, a neighbour's lead verified):

* ``WARN`` at half of the office time between the start and the deadline: the village secretary;
* ``TOWN`` at the deadline: the town's A post (the B post when the town has no A post);
* ``COUNTY`` ``county_after_workdays`` working days after the deadline: the county bureau.

Only the latest stage reached is sent: a clock that missed runs (or a matter entered late)
does not send a half-time warning after the deadline has passed. Times are local (China) time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds
from policy.workdays import WorkCalendar


class Stage(str, Enum):
    WARN = "warn"
    TOWN = "town"
    COUNTY = "county"


@dataclass(frozen=True)
class StageTimes:
    warn: datetime
    town: datetime
    county: datetime

    def reached(self, now: datetime) -> Stage | None:
        """The latest stage whose time has come, or None before half time."""
        if now >= self.county:
            return Stage.COUNTY
        if now >= self.town:
            return Stage.TOWN
        if now >= self.warn:
            return Stage.WARN
        return None


def stage_times(
    start: datetime, deadline: datetime, work_calendar: WorkCalendar, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> StageTimes:
    """When each stage of a deadline comes; half time counts office hours on working days."""
    warn = work_calendar.half_time(start, deadline, thresholds.office_day_start, thresholds.office_day_end)
    county = work_calendar.add_workdays(deadline, thresholds.county_after_workdays)
    return StageTimes(warn=warn, town=deadline, county=county)
