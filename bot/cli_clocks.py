"""``flask calendar …``: the official working-day calendar (holidays and 调休) the clocks count with.

    flask --app bot.app:create_app calendar seed                  # chinese_calendar, 2004 to next year
    flask --app bot.app:create_app calendar add-holiday 2027-01-01 --name 元旦
    flask --app bot.app:create_app calendar add-holiday 2027-10-01 --to 2027-10-07 --name 国庆节
    flask --app bot.app:create_app calendar add-workday 2027-02-07
    flask --app bot.app:create_app calendar status                # known years; warns about next year
"""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from models import calendar as official
from workers.rules import forget

DAY = click.DateTime(formats=["%Y-%m-%d"])


def _ctx():
    return current_app.extensions["jzt.context"]


@click.group("calendar", cls=AppGroup, help="The official working-day calendar (holidays and 调休).")
def calendar_group() -> None:
    pass


@calendar_group.command("seed", help="Store chinese_calendar's holidays and make-up workdays (it knows 2004–2026).")
@click.option("--year", "years", type=int, multiple=True, help="Only these years (repeatable); default 2004 to next year.")
def seed(years: tuple[int, ...]) -> None:
    ctx = _ctx()
    with ctx.Session.begin() as db:
        report = official.seed(db, years or None, official.local_today(ctx.clock()))
    forget()
    if report.seeded:
        click.echo(f"official calendar stored for {report.seeded[0]}–{report.seeded[-1]} ({len(report.seeded)} years)")
    if report.unavailable:
        years_text = ", ".join(map(str, report.unavailable))
        click.echo(f"no data in chinese_calendar for {years_text}: enter them with add-holiday / add-workday when published")


@calendar_group.command("add-holiday", help="Enter a holiday (法定节假日 or 调休 day off); --to for a range.")
@click.argument("day", type=DAY)
@click.option("--to", "until", type=DAY, help="Last day of a holiday of several days.")
@click.option("--name", default="节假日", show_default=True)
def add_holiday(day: dt.datetime, until: dt.datetime | None, name: str) -> None:
    first, last = day.date(), (until or day).date()
    if last < first:
        raise click.BadParameter("--to is before the first day")
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    with _ctx().Session.begin() as db:
        for d in days:
            official.set_day(db, d, workday=False, name=name)
    forget()
    click.echo(f"{len(days)} day(s) off stored as {name}: {first} – {last}")


@calendar_group.command("add-workday", help="Enter a make-up working day (调休上班) on a weekend.")
@click.argument("day", type=DAY)
@click.option("--name", default="调休上班", show_default=True)
def add_workday(day: dt.datetime, name: str) -> None:
    d = day.date()
    if d.weekday() < 5:
        click.echo(f"note: {d} is a weekday, a working day anyway; this only removes a holiday entered for it")
    with _ctx().Session.begin() as db:
        official.set_day(db, d, workday=True, name=name)
    forget()
    click.echo(f"{d} stored as a working day")


@calendar_group.command("remove", help="Remove a day entered by mistake.")
@click.argument("day", type=DAY)
def remove(day: dt.datetime) -> None:
    with _ctx().Session.begin() as db:
        removed = official.remove_day(db, day.date())
    forget()
    click.echo(f"{day.date()} removed" if removed else f"{day.date()} was not in the calendar")


@calendar_group.command("status", help="Which years have official data; warns about the next year.")
def status() -> None:
    ctx = _ctx()
    today = official.local_today(ctx.clock())
    with ctx.Session() as db:
        years = official.year_status(db)
    for y in years:
        click.echo(f"{y.year}: {y.holidays} days off, {y.workdays} make-up workdays" + ("" if y.known else " (incomplete: no holiday entered)"))
    known = {y.year for y in years if y.known}
    for year in (today.year, today.year + 1):
        if year not in known:
            click.echo(f"WARNING: {year} has no holiday data; deadlines in {year} count Monday–Friday only. Enter it when the State Council publishes it.")
