"""Fixtures for the roster and ledger tests: the sample county and roster files built in tmp."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

import pytest
from openpyxl import Workbook

from models.areas import get_or_create_town, get_or_create_village
from models.catalogue.catalogue import seed_catalogue
from roster import COLUMNS, HEADERS, sample_rows

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = DATA / "roster_sample.xlsx"
TEMPLATE = DATA / "roster_template.xlsx"
TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.timezone.utc)
SAMPLE_AREAS = (("衡山镇", "城北村"), ("佛子岭镇", "佛子岭村"), ("下符桥镇", "下符桥村"))


def col(key: str) -> int:
    """Position of a column in ``COLUMNS`` (and in a sample row)."""
    return [c.key for c in COLUMNS].index(key)


def write_roster(path: Path, rows: Sequence[Sequence[object]], header: Sequence[object] = HEADERS) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def sample() -> list[list[object]]:
    """The sample's rows (Excel rows 2-7: 王桂英; 陈建国, 刘秀兰, 陈晓雨; 李德福, 李小军)."""
    return [list(r) for r in sample_rows()]


@pytest.fixture
def county(ctx):
    """The sample's three villages and the seeded catalogue."""
    with ctx.Session.begin() as db:
        for town, village in SAMPLE_AREAS:
            get_or_create_village(db, get_or_create_town(db, town), village)
        seed_catalogue(db)
    return ctx
