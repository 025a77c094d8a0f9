"""Worker tests: real PostgreSQL and Redis (when reachable), real RQ workers in burst mode."""

from __future__ import annotations

import pytest

from models import calendar as official
from workers import rules


@pytest.fixture(autouse=True)
def official_calendar(ctx):
    """2025 and 2026 from chinese_calendar (National Day 2025: 1–8 Oct, make-up 28 Sep and 11 Oct)."""
    rules.forget()
    with ctx.Session.begin() as db:
        official.seed(db, [2025, 2026])
    yield
    rules.forget()
