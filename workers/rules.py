"""The rules' data a job reads (working calendar, thresholds), cached briefly per process.

Both change a few times a year (the county enters a year's holidays, edits a threshold); a
worker picks a change up within ``TTL_SECONDS``. ``forget()`` drops the cache (tests, CLI).
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from models.calendar import load_work_calendar
from models.catalogue.catalogue import county_today, load_thresholds
from policy.thresholds import Thresholds
from policy.workdays import WorkCalendar

TTL_SECONDS = 60.0

_cache: dict[str, tuple[float, WorkCalendar, Thresholds]] = {}


def rules(db: Session) -> tuple[WorkCalendar, Thresholds]:
    """The calendar and the thresholds in force today (the county's date by the wall clock)."""
    key = f"{db.get_bind().url}|{county_today()}"
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < TTL_SECONDS:
        return hit[1], hit[2]
    calendar, thresholds = load_work_calendar(db), load_thresholds(db)
    _cache[key] = (time.monotonic(), calendar, thresholds)
    return calendar, thresholds


def forget() -> None:
    _cache.clear()
