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

from sqlalchemy import Boolean, ForeignKey, String, Text, delete, extract, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.audit import Channel, record
from db.base import Base, as_utc  # noqa: F401  (callers import it from here with local())
from policy.workdays import WorkCalendar, calendar_from_chinese_calendar
from db.sql import insert_ignoring_conflicts
from models.visits.visits import CalendarDay
from models.staff import staff as _staff  # noqa: F401  (the table the foreign keys point at, for a worker that imports nothing else)

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


class CalendarYear(Base):
    """A year the county enters on the calendar page: the State Council's notice (the source of
    every day entered) and whether the county has finished entering it. A year with a row that
    is not ``complete`` is not *known* yet, whatever days it has (deadlines still count with the
    days entered, and the staff are still warned). Years seeded from ``chinese_calendar`` or
    entered with the CLI have no row: they are known once they have a holiday."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    notice: Mapped[str | None] = mapped_column(Text)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[dt.datetime]
    source: Mapped[str] = mapped_column(String(16), default="county")


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
    drafts = set(db.scalars(select(CalendarYear.year).where(CalendarYear.complete.is_(False))))
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(d.year for d in holidays if d.year not in drafts))


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


# -- the county's calendar page ---------------------------------------------------------------

WARN_FROM_MONTH = 11
"""From 1 November the next year's holidays are asked for (the State Council publishes them
in November or December)."""

HOLIDAY_CHOICES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节", "中秋节、国庆节")
MAKE_UP = "调休上班"
MAX_NOTICE_CHARS = 20000
_WEEKDAYS = "一二三四五六日"


class CalendarError(ValueError):
    """The day cannot be entered as asked; the message says why, in Chinese."""


def missing_years(work_calendar: WorkCalendar, today: dt.date) -> list[int]:
    """Years the county must still enter: this year if unknown, and next year from 1 November."""
    years = [today.year] if today.year not in work_calendar.known_years else []
    if today.month >= WARN_FROM_MONTH and today.year + 1 not in work_calendar.known_years:
        years.append(today.year + 1)
    return years


def day_text(day: dt.date) -> str:
    """2027年2月5日（周五）."""
    return f"{day.year}年{day.month}月{day.day}日（周{_WEEKDAYS[day.weekday()]}）"


def _draft(db: Session, year: int, staff_id: int | None, now: dt.datetime) -> CalendarYear:
    row = db.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year, complete=False, updated_by=staff_id, updated_at=now, source="county")
        db.add(row)
    row.updated_by, row.updated_at = staff_id, now
    return row


def _refusal(row: CalendarDay | None, day: dt.date, workday: bool | None) -> str | None:
    """Why ``day`` cannot become a holiday (False), a make-up workday (True) or ordinary (None)."""
    if workday is False and row is not None and not row.workday:
        return f"{day_text(day)}已录入为节假日（{row.name or '节假日'}），不能重复录入；要修改请先选“恢复为普通日”。"
    if workday is True:
        if day.weekday() < 5:
            return f"{day_text(day)}本来就是工作日：调休上班只能设在周六或周日。"
        if row is not None and row.workday:
            return f"{day_text(day)}已录入为调休上班日，不能重复录入。"
        if row is not None:
            return f"{day_text(day)}已录入为节假日（{row.name}）；要改为调休上班，请先选“恢复为普通日”。"
    if workday is None and row is None:
        return f"{day_text(day)}没有录入过，本来就是普通日。"
    if workday is False and row is not None and row.workday:
        return f"{day_text(day)}已录入为调休上班日；要改为节假日，请先选“恢复为普通日”。"
    return None


def enter_days(db: Session, days: list[dt.date], workday: bool | None, name: str | None, staff_id: int, now: dt.datetime) -> int:
    """Mark ``days`` as holidays (``workday`` False, with the holiday's ``name``), make-up
    workdays (True) or ordinary days again (None), from the calendar page. All or nothing: one
    day that cannot be entered (a holiday entered twice, say) refuses them all. Audited."""
    if not days:
        raise CalendarError("请选择日期。")
    years = {d.year for d in days}
    if len(years) > 1:
        raise CalendarError("一次只能录入同一年的日期。")
    name = (name or "").strip()
    if workday is False and not name:
        raise CalendarError("请选择或填写节假日名称（如“春节”）。")
    if len(name) > 16:
        raise CalendarError("节假日名称最长16个字。")
    rows = {row.day: row for row in db.scalars(select(CalendarDay).where(CalendarDay.day.in_(days)))}
    refusals = [why for why in (_refusal(rows.get(d), d, workday) for d in sorted(days)) if why]
    if refusals:
        raise CalendarError(refusals[0] if len(refusals) == 1 else f"{refusals[0]}（另有{len(refusals) - 1}天同样不能录入，本次未作任何改动）")
    year = years.pop()
    _draft(db, year, staff_id, now)
    for d in sorted(days):
        if workday is None:
            db.delete(rows[d])
        else:
            db.add(CalendarDay(day=d, workday=workday, name=f"{name}{MAKE_UP}" if workday and name else (MAKE_UP if workday else name), source="county"))
    db.flush()
    kind = "holiday" if workday is False else ("workday" if workday else "cleared")
    record(db, "calendar", year, f"days_{kind}", f"staff:{staff_id}", Channel.WEB, now, days=[d.isoformat() for d in sorted(days)], name=name or None)
    return len(days)


def save_notice(db: Session, year: int, notice: str, staff_id: int, now: dt.datetime) -> CalendarYear:
    """Keep the official notice's text as the source of the year's days (audited)."""
    notice = (notice or "").strip()
    if len(notice) < 20:
        raise CalendarError("请粘贴国务院办公厅关于节假日安排的通知全文（至少20个字），作为录入依据。")
    if len(notice) > MAX_NOTICE_CHARS:
        raise CalendarError(f"通知全文最长{MAX_NOTICE_CHARS}个字。")
    if str(year) not in notice:
        raise CalendarError(f"通知里没有“{year}”：请确认粘贴的是{year}年的节假日安排。")
    row = _draft(db, year, staff_id, now)
    before = row.notice
    row.notice = notice
    db.flush()
    record(db, "calendar", year, "notice_saved", f"staff:{staff_id}", Channel.WEB, now, chars=len(notice), replaced=before is not None)
    return row


def complete_year(db: Session, year: int, staff_id: int, now: dt.datetime) -> CalendarYear:
    """The county has entered the whole year: from now on it counts as known (no warnings)."""
    row = db.get(CalendarYear, year)
    if row is None or not row.notice:
        raise CalendarError(f"请先保存{year}年的国务院通知全文，再确认录入完成。")
    holidays = db.scalar(select(func.count()).select_from(CalendarDay).where(extract("year", CalendarDay.day) == year, CalendarDay.workday.is_(False)))
    if not holidays:
        raise CalendarError(f"{year}年还没有录入任何节假日。")
    row.complete, row.updated_by, row.updated_at = True, staff_id, now
    db.flush()
    record(db, "calendar", year, "completed", f"staff:{staff_id}", Channel.WEB, now, holidays=holidays)
    return row


def days_of(db: Session, year: int) -> dict[dt.date, CalendarDay]:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return {row.day: row for row in db.scalars(select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= end))}
