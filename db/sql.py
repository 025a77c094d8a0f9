"""The few SQL expressions that PostgreSQL (production) and SQLite (the embedded default) spell
differently: insert-or-ignore, calendar months added to a date, a timestamp's local date.
"""

from __future__ import annotations

from sqlalchemy import Date, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement


def insert_ignoring_conflicts(db: Session, table: Table):
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's database."""
    dialect = sqlite if db.get_bind().dialect.name == "sqlite" else postgresql
    return dialect.insert(table).on_conflict_do_nothing()


class add_months(FunctionElement):
    """``date`` plus ``months`` calendar months, the day clamped to the month's end
    (31 Jan + 1 month = 28/29 Feb), as ``policy.visits.add_months`` counts."""

    type = Date()
    inherit_cache = True
    name = "add_months"


@compiles(add_months, "postgresql")
def _add_months_pg(element, compiler, **kw):
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({day}) + make_interval(months => CAST({months} AS integer)) AS date)"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    first = f"date({day}, 'start of month', '+' || ({months}) || ' months')"
    last = f"date({first}, '+1 month', '-1 day')"
    same_day = f"date({first}, '+' || (CAST(strftime('%d', {day}) AS integer) - 1) || ' days')"
    return f"min({same_day}, {last})"


class local_date(FunctionElement):
    """The calendar date of a UTC timestamp in the county's time zone (``COUNTY_TZ``)."""

    type = Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "postgresql")
def _local_date_pg(element, compiler, **kw):
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({moment}) AT TIME ZONE 'Asia/Shanghai' AS date)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({moment}, '+8 hours')"  # China keeps no daylight saving time


def upsert(db: Session, table: Table, keys: list[str], values: dict):
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` the other columns, in one statement."""
    dialect = sqlite if db.get_bind().dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table).values(**values)
    return statement.on_conflict_do_update(index_elements=keys, set_={k: v for k, v in values.items() if k not in keys})
