"""Working days and working hours, from calendar data (法定节假日 and 调休 make-up workdays).

``WorkCalendar`` is pure data: holidays, make-up workdays and the years that data covers.
For a year it does not know it falls back to Monday–Friday and ``is_known`` says so, so a
caller can warn ("deadline computed without the official holiday calendar") instead of crashing.
``calendar_from_chinese_calendar`` builds one from the ``chinese_calendar`` package, which only
knows 2004–2026: later (or earlier) years are skipped, never an error.

Deadline conventions (documented choice):

* ``add_workdays(start, n)``: the same time of day on the n-th working day after the day of
  ``start``. If ``start`` falls on a non-working day, the clock starts at 00:00 of the next
  working day, so the deadline is 00:00 of the n-th working day after that one, i.e. the end of
  the (n)-th full working day. Monday 10:00 + 1 → Tuesday 10:00; Saturday + 1 → Tuesday 00:00.
  The function is monotonic in ``start`` and strictly increasing in ``n``.
* ``add_working_hours``: only office hours (default 08:30–17:30) on working days count.
* ``workdays_between(a, b)``: working days d with a < d <= b, so
  ``workdays_between(d, add_workdays(d, n).date()) == n`` when d is a working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable

DEFAULT_DAY_START = time(8, 30)
DEFAULT_DAY_END = time(17, 30)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    """Official days off (法定节假日 and their 调休 days), weekends inside a holiday included."""
    workdays: frozenset[date] = frozenset()
    """Make-up working days (调休上班) that fall on a Saturday or Sunday."""
    known_years: frozenset[int] = frozenset()
    """Years for which ``holidays`` and ``workdays`` are complete."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "known_years", frozenset(self.known_years))
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"dates both holiday and workday: {sorted(both)}")

    # --- days -------------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """A make-up workday counts, a holiday does not, otherwise Monday to Friday."""
        d = _as_date(d)
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def is_known(self, d: date) -> bool:
        """False when the calendar has no official data for the year of ``d`` (weekdays only)."""
        return _as_date(d).year in self.known_years

    def is_known_range(self, start: date, end: date) -> bool:
        """True when every year from ``start`` to ``end`` is known."""
        a, b = sorted((_as_date(start), _as_date(end)))
        return all(y in self.known_years for y in range(a.year, b.year + 1))

    def next_workday(self, d: date) -> date:
        """The first working day on or after ``d``."""
        d = _as_date(d)
        while not self.is_workday(d):
            d += _ONE_DAY
        return d

    def workday_after(self, d: date, n: int = 1) -> date:
        """The n-th working day strictly after ``d`` (n >= 1); ``d`` itself for n == 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        d = _as_date(d)
        while n > 0:
            d += _ONE_DAY
            if self.is_workday(d):
                n -= 1
        return d

    def workdays_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; negative when ``end`` is before ``start``."""
        a, b = _as_date(start), _as_date(end)
        if b < a:
            return -self.workdays_between(b, a)
        count = 0
        d = a + _ONE_DAY
        while d <= b:
            if self.is_workday(d):
                count += 1
            d += _ONE_DAY
        return count

    # --- deadlines ---------------------------------------------------------------------------

    def add_workdays(self, start: datetime, n: int) -> datetime:
        """Deadline n working days after ``start`` (see the module docstring for the convention)."""
        if n < 0:
            raise ValueError("n must not be negative")
        if not self.is_workday(start.date()):
            first = self.next_workday(start.date())
            start = datetime.combine(first, time(0), tzinfo=start.tzinfo)
        return datetime.combine(self.workday_after(start.date(), n), start.timetz())

    def add_working_hours(
        self,
        start: datetime,
        hours: float,
        day_start: time = DEFAULT_DAY_START,
        day_end: time = DEFAULT_DAY_END,
    ) -> datetime:
        """The moment ``hours`` of office time after ``start`` (e.g. a provider's offer timeout).

        Time outside ``day_start``–``day_end`` or on non-working days does not count. A result
        that lands exactly on the end of office hours stays there (17:30, not next morning).
        """
        if hours < 0:
            raise ValueError("hours must not be negative")
        return self._add_office_time(start, timedelta(hours=hours), day_start, day_end)

    def _add_office_time(self, start: datetime, remaining: timedelta, day_start: time, day_end: time) -> datetime:
        _check_office_hours(day_start, day_end)
        current = self._office_time_start(start, day_start, day_end)
        while True:
            end_today = datetime.combine(current.date(), day_end, tzinfo=start.tzinfo)
            available = end_today - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = datetime.combine(self.workday_after(current.date()), day_start, tzinfo=start.tzinfo)

    def working_time_between(
        self,
        start: datetime,
        end: datetime,
        day_start: time = DEFAULT_DAY_START,
        day_end: time = DEFAULT_DAY_END,
    ) -> timedelta:
        """Office time on working days between ``start`` and ``end`` (zero if ``end`` <= ``start``)."""
        _check_office_hours(day_start, day_end)
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        d = start.date()
        while d <= end.date():
            if self.is_workday(d):
                open_at = max(start, datetime.combine(d, day_start, tzinfo=start.tzinfo))
                close_at = min(end, datetime.combine(d, day_end, tzinfo=start.tzinfo))
                if close_at > open_at:
                    total += close_at - open_at
            d += _ONE_DAY
        return total

    def half_time(
        self,
        start: datetime,
        deadline: datetime,
        day_start: time = DEFAULT_DAY_START,
        day_end: time = DEFAULT_DAY_END,
    ) -> datetime:
        """When half of the office time between ``start`` and ``deadline`` has passed.

        For half-time warnings, so they land in office hours: Friday 10:00 with a deadline of
        Monday 10:00 (9 office hours) gives Friday 14:30. With no office time in between
        (both at night, say) it is the plain midpoint.
        """
        if deadline <= start:
            return deadline
        office = self.working_time_between(start, deadline, day_start, day_end)
        if office == timedelta(0):
            return start + (deadline - start) / 2
        return self._add_office_time(start, office / 2, day_start, day_end)

    def _office_time_start(self, moment: datetime, day_start: time, day_end: time) -> datetime:
        """``moment`` if inside office hours, else the next opening."""
        d = moment.date()
        if self.is_workday(d):
            opening = datetime.combine(d, day_start, tzinfo=moment.tzinfo)
            if moment < opening:
                return opening
            if moment < datetime.combine(d, day_end, tzinfo=moment.tzinfo):
                return moment
        return datetime.combine(self.workday_after(d), day_start, tzinfo=moment.tzinfo)


WEEKDAYS_ONLY = WorkCalendar()
"""A calendar without official data: Monday to Friday, every year unknown."""


def calendar_from_chinese_calendar(years: Iterable[int]) -> WorkCalendar:
    """Read the ``chinese_calendar`` package for ``years``; years it has no data for are skipped.

    The package (chinesecalendar 1.11) knows 2004–2026 and raises ``NotImplementedError``
    beyond; such years are simply left out of ``known_years``.
    """
    import chinese_calendar  # the one adapter to the third-party package; the rules above are pure

    holidays: set[date] = set()
    workdays: set[date] = set()
    known: set[int] = set()
    for year in sorted(set(years)):
        year_holidays: set[date] = set()
        year_workdays: set[date] = set()
        try:
            d = date(year, 1, 1)
            while d.year == year:
                is_holiday, name = chinese_calendar.get_holiday_detail(d)
                if is_holiday and (name is not None or d.weekday() < 5):
                    year_holidays.add(d)
                elif not is_holiday and d.weekday() >= 5:
                    year_workdays.add(d)
                d += _ONE_DAY
        except (NotImplementedError, ValueError, OverflowError):
            continue
        holidays |= year_holidays
        workdays |= year_workdays
        known.add(year)
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(known))


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


def _check_office_hours(day_start: time, day_end: time) -> None:
    if day_start >= day_end:
        raise ValueError("day_start must be before day_end")
