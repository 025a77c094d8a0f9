"""Worker tests: real PostgreSQL and Redis (when reachable), real RQ workers in burst mode."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _on_the_official_calendar(official_calendar):
    """Every worker test counts working days on the official calendar (``tests/conftest.py``)."""
