"""工作日历: the official working-day calendar the deadlines count with. Everyone reads the
year's grid; the county keeps the State Council's notice as the source, marks each holiday and
make-up workday with one click per day (or a range), and confirms when the year is entered.
Each change moves the open deadlines it affects and is audited."""

from __future__ import annotations

import datetime as dt
from calendar import Calendar

from flask import flash, redirect, render_template, request, url_for

from bot.admin.blueprint import bp
from bot.admin.common import arg_date, arg_int, county_only, db, now, today, viewer
from models.calendar import (
    HOLIDAY_CHOICES,
    CalendarError,
    CalendarYear,
    complete_year,
    day_text,
    days_of,
    enter_days,
    load_work_calendar,
    local,
    missing_years,
    save_notice,
)
from models.deadlines import move_open_deadlines
from policy.workdays import WorkCalendar
from workers.rules import forget, rules

MODES = {"holiday": False, "workday": True, "clear": None}
_MONTHS = Calendar(firstweekday=0)
MAX_RANGE_DAYS = 31


def _year() -> int:
    default = (missing_years(load_work_calendar(db()), today()) or [today().year])[-1]
    year = arg_int("year", default)
    return year if 2000 <= year <= 2100 else default


def _grid(year: int, calendar: WorkCalendar) -> list[tuple[int, list[list[dict | None]]]]:
    """Each month's weeks (Monday first) of day cells: date, kind (holiday / workday / weekend /
    normal) and the name entered."""
    days = days_of(db(), year)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in _MONTHS.monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                row = days.get(day)
                kind = ("workday" if row.workday else "holiday") if row else ("weekend" if day.weekday() >= 5 else "normal")
                cells.append({"day": day, "kind": kind, "name": row.name if row else "", "title": day_text(day) + (f" {row.name}" if row else "")})
            weeks.append(cells)
        months.append((month, weeks))
    return months


def _calculation(calendar: WorkCalendar) -> dict | None:
    """期限试算: a deadline counted from a start with the calendar as it is."""
    raw = request.args.get("calc_start", "").strip()
    days = arg_int("calc_days")
    if not raw or days is None or not 0 < days <= 60:
        return None
    try:
        start = dt.datetime.fromisoformat(raw).replace(tzinfo=local(now()).tzinfo)
    except ValueError:
        return None
    deadline = calendar.add_workdays(start, days)
    return {"start": start, "days": days, "deadline": deadline, "known": calendar.is_known_range(start.date(), deadline.date())}


def _page(year: int, error: str | None = None, status: int = 200):
    calendar = load_work_calendar(db())
    entry = db().get(CalendarYear, year)
    mode = request.values.get("mode", "holiday")
    return render_template(
        "admin/calendar.html", year=year, months=_grid(year, calendar), entry=entry, known=year in calendar.known_years, error=error,
        mode=mode if mode in MODES else "holiday", name=request.values.get("name", "春节"), choices=HOLIDAY_CHOICES, calc=_calculation(calendar),
        form=request.form, missing=missing_years(calendar, today()),
    ), status


@bp.get("/admin/calendar")
def calendar():
    return _page(_year())


def _enter(year: int, days: list[dt.date], mode: str, name: str):
    me = viewer()
    if mode not in MODES:
        return _page(year, "请选择要设为“放假”“调休上班”还是“恢复为普通日”。", 400)
    old = load_work_calendar(db())
    try:
        count = enter_days(db(), days, MODES[mode], name if mode == "holiday" else (name if mode == "workday" else None), me.staff_id, now())
    except CalendarError as exc:
        db().rollback()
        return _page(year, str(exc), 400)
    db().flush()
    moved = move_open_deadlines(db(), old, load_work_calendar(db()), rules(db())[1], me.actor, now())
    db().commit()
    forget()
    what = {"holiday": f"节假日（{name}）", "workday": "调休上班日", "clear": "普通日"}[mode]
    message = f"已将{day_text(days[0]) if count == 1 else f'{day_text(days[0])}至{day_text(days[-1])}共{count}天'}设为{what}。"
    if moved:
        message += f"已按新日历调整{len(moved)}件在办事项的期限：" + "；".join(f"{m.number} {local(m.before):%m-%d %H:%M} → {local(m.after):%m-%d %H:%M}" for m in moved[:10])
    flash(message)
    return redirect(url_for("admin.calendar", year=year, mode=mode, name=name, _anchor=f"m{days[0].month}"))


@bp.post("/admin/calendar/day")
@county_only
def calendar_day():
    year = _year()
    day = arg_date("day")
    if day is None or day.year != year:
        return _page(year, "请点击这一年日历中的日期。", 400)
    return _enter(year, [day], request.form.get("mode", ""), request.form.get("name", "").strip())


@bp.post("/admin/calendar/range")
@county_only
def calendar_range():
    year = _year()
    first, last = arg_date("first"), arg_date("last")
    if first is None or last is None or first > last or first.year != year or last.year != year:
        return _page(year, f"请填写{year}年内的起止日期（开始不晚于结束）。", 400)
    if (last - first).days >= MAX_RANGE_DAYS:
        return _page(year, f"一次最多录入{MAX_RANGE_DAYS}天。", 400)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return _enter(year, days, "holiday", request.form.get("name", "").strip())


@bp.post("/admin/calendar/notice")
@county_only
def calendar_notice():
    year = _year()
    try:
        save_notice(db(), year, request.form.get("notice", ""), viewer().staff_id, now())
    except CalendarError as exc:
        db().rollback()
        return _page(year, str(exc), 400)
    db().commit()
    flash(f"已保存{year}年节假日安排通知全文，作为录入依据。")
    return redirect(url_for("admin.calendar", year=year))


@bp.post("/admin/calendar/complete")
@county_only
def calendar_complete():
    year = _year()
    try:
        complete_year(db(), year, viewer().staff_id, now())
    except CalendarError as exc:
        db().rollback()
        return _page(year, str(exc), 400)
    db().commit()
    forget()
    flash(f"{year}年工作日历已录入完成，办理期限按此计算。")
    return redirect(url_for("admin.calendar", year=year))
