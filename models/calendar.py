"""The official calendar as data (法定节假日 and 调休) and the county's time zone.

``CalendarDay`` rows hold the special days only: holidays (``workday`` false, with the holiday's
name, weekends inside a holiday included) and make-up working days on a weekend (``workday``
true). A year is *known* when it has at least one holiday row; for any other year the rules
count Monday to Friday, and the callers warn (``calendar_warning`` on results, ``flask calendar
status``, the county's weekly notice).

Seeded from ``chinese_calendar``, which knows 2004–2026 and raises ``NotImplementedError``
after: such years are skipped, never an error. The county enters later years when the State
Council publishes them: ``add_year`` (back office) or ``flask calendar add-holiday/add-workday``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import delete, extract, func, select
from sqlalchemy.orm import Session

from db.base import as_utc  # noqa: F401  (callers import it from here with local())
from policy.workdays import WorkCalendar, calendar_from_chinese_calendar
from db.sql import insert_ignoring_conflicts
from models.visits.visits import CalendarDay

#: Huoshan County keeps China Standard Time (UTC+8, no daylight saving); office hours and
#: working days are counted in it, timestamps are stored in UTC.
COUNTY_TZ = ZoneInfo("Asia/Shanghai")

FIRST_OFFICIAL_YEAR = 2004
"""The first year ``chinese_calendar`` knows."""

LOOKAHEAD_DAYS = 60
"""Warn about a year without data from this many days before it starts."""

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


# -- time ------------------------------------------------------------------------------------


def local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in county time (naive values are taken as UTC, as SQLite returns them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(COUNTY_TZ)


def local_today(now: dt.datetime) -> dt.date:
    return local(now).date()


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of a county day, in UTC (for comparing with stored timestamps)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=COUNTY_TZ).astimezone(dt.timezone.utc)


# -- reading ---------------------------------------------------------------------------------


def load_work_calendar(db: Session) -> WorkCalendar:
    """Every stored holiday and make-up workday, and the years they cover."""
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for day, workday in db.execute(select(CalendarDay.day, CalendarDay.workday)):
        (workdays if workday else holidays).add(day)
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(d.year for d in holidays))


@dataclass(frozen=True)
class YearStatus:
    year: int
    holidays: int
    workdays: int

    @property
    def known(self) -> bool:
        return self.holidays > 0


def year_status(db: Session) -> list[YearStatus]:
    year = extract("year", CalendarDay.day)
    rows = db.execute(
        select(year, func.count().filter(CalendarDay.workday.is_(False)), func.count().filter(CalendarDay.workday.is_(True))).group_by(year).order_by(year)
    )
    return [YearStatus(int(y), h, w) for y, h, w in rows]


def unknown_years_ahead(work_calendar: WorkCalendar, today: dt.date, days: int = LOOKAHEAD_DAYS) -> list[int]:
    """Years between today and ``days`` ahead that have no official data."""
    end = today + dt.timedelta(days=days)
    return [y for y in range(today.year, end.year + 1) if y not in work_calendar.known_years]


def spans_unknown_year(work_calendar: WorkCalendar, start: dt.datetime, end: dt.datetime) -> bool:
    """True when a deadline was counted (partly) with weekdays only: warn the staff."""
    return not work_calendar.is_known_range(local(start).date(), local(end).date())


# -- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedReport:
    seeded: tuple[int, ...]
    unavailable: tuple[int, ...]


def seed(db: Session, years: Iterable[int] | None = None, today: dt.date | None = None) -> SeedReport:
    """Store ``chinese_calendar``'s data for ``years`` (default: 2004 to next year).

    Idempotent, and never overwrites a day the county entered. Years the package does not
    know (2027 and later with chinesecalendar 1.11) are reported, not raised.
    """
    today = today or dt.date.today()
    wanted = sorted(set(years) if years is not None else range(FIRST_OFFICIAL_YEAR, today.year + 2))
    official = calendar_from_chinese_calendar(wanted)
    rows = [_row(d, False) for d in official.holidays] + [_row(d, True) for d in official.workdays]
    if rows:
        db.execute(insert_ignoring_conflicts(db, CalendarDay.__table__), rows)
    known = sorted(official.known_years)
    return SeedReport(tuple(known), tuple(y for y in wanted if y not in official.known_years))


def add_year(db: Session, year: int, holidays: Mapping[dt.date, str] | Iterable[dt.date], workdays: Iterable[dt.date], source: str = "county") -> int:
    """Enter (or re-enter) a whole year as the State Council published it; returns rows stored.

    ``holidays``: every day off, weekends inside a holiday included, optionally with names;
    ``workdays``: the make-up working days on a Saturday or Sunday. Replaces what the year had.
    """
    names = dict(holidays) if isinstance(holidays, Mapping) else {d: None for d in holidays}
    extra = list(workdays)
    _check_year(year, [*names, *extra])
    both = set(names) & set(extra)
    if both:
        raise ValueError(f"both a holiday and a working day: {sorted(both)}")
    db.execute(delete(CalendarDay).where(extract("year", CalendarDay.day) == year))
    db.add_all([CalendarDay(day=d, workday=False, name=n, source=source) for d, n in sorted(names.items())])
    db.add_all([CalendarDay(day=d, workday=True, name="调休上班", source=source) for d in sorted(extra)])
    db.flush()
    return len(names) + len(extra)


def set_day(db: Session, day: dt.date, workday: bool, name: str | None = None, source: str = "county") -> CalendarDay:
    """Enter one holiday (``workday=False``) or make-up working day; replaces that day's row."""
    row = db.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day)
        db.add(row)
    row.workday, row.name, row.source = workday, name or ("调休上班" if workday else "节假日"), source
    db.flush()
    return row


def remove_day(db: Session, day: dt.date) -> bool:
    return db.execute(delete(CalendarDay).where(CalendarDay.day == day)).rowcount > 0


def _row(day: dt.date, workday: bool) -> dict:
    name = _official_name(day)
    return {"day": day, "workday": workday, "name": f"{name}调休上班" if workday and name else name, "source": "chinese_calendar"}


def _official_name(day: dt.date) -> str | None:
    import chinese_calendar

    _, name = chinese_calendar.get_holiday_detail(day)
    return HOLIDAY_NAMES.get(name, name)


def _check_year(year: int, days: Iterable[dt.date]) -> None:
    wrong = sorted(d for d in days if d.year != year)
    if wrong:
        raise ValueError(f"dates outside {year}: {wrong}")
