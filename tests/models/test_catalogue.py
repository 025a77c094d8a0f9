"""Chat turns' recent reads of the catalogue and thresholds: an edit through this process is seen
at once, its own session sees it before commit, anything else within ``RECENT_SECONDS``."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from models.catalogue import catalogue
import datetime as dt

from models.catalogue.catalogue import ServiceItem, recent_catalogue, recent_thresholds, seed_catalogue
from models.rules import RuleValue


@pytest.fixture
def seeded(ctx):
    with ctx.Session.begin() as db:
        seed_catalogue(db)
    return ctx


@pytest.fixture
def later(monkeypatch):
    """Move this process's clock for the recent reads forward by some seconds."""
    offset = [0.0]
    real = catalogue.time.monotonic
    monkeypatch.setattr(catalogue.time, "monotonic", lambda: real() + offset[0])
    return lambda seconds: offset.__setitem__(0, offset[0] + seconds)


def _name(ctx, code: str = "cleaning") -> str:
    with ctx.Session() as db:
        return recent_catalogue(db, active_only=False)[code].name


def test_an_edit_committed_through_this_process_is_seen_at_once(seeded):
    ctx = seeded
    assert _name(ctx) != "助洁"
    with ctx.Session.begin() as db:
        db.get(ServiceItem, "cleaning").definition = dict(db.get(ServiceItem, "cleaning").definition, name="助洁")
    assert _name(ctx) == "助洁"
    with ctx.Session() as db:
        assert "cleaning" in recent_catalogue(db)
    with ctx.Session.begin() as db:
        db.execute(update(ServiceItem).where(ServiceItem.code == "cleaning").values(active=False))
    with ctx.Session() as db:
        assert "cleaning" not in recent_catalogue(db)


def test_the_session_that_edits_reads_its_own_version(seeded):
    ctx = seeded
    with ctx.Session() as db:
        assert recent_thresholds(db).transfer_workdays == 1
        db.add(RuleValue(key="transfer_workdays", value=3, effective_from=dt.date(2000, 1, 1), origin="county", entered_at=dt.datetime.now(dt.timezone.utc)))
        assert recent_thresholds(db).transfer_workdays == 3  # pending
        db.flush()
        assert recent_thresholds(db).transfer_workdays == 3  # flushed
        db.rollback()
    with ctx.Session() as db:
        assert recent_thresholds(db).transfer_workdays == 1


def test_an_edit_by_another_process_is_seen_within_the_bound(seeded, later):
    ctx = seeded
    with ctx.Session() as db:
        assert "cleaning" in recent_catalogue(db)
    with ctx.engine.begin() as conn:  # as another process would: nothing here hears of it
        conn.execute(text("UPDATE service_items SET active = false WHERE code = 'cleaning'"))
    with ctx.Session() as db:
        assert "cleaning" in recent_catalogue(db)
        assert "cleaning" not in catalogue.load_catalogue(db)
    later(catalogue.RECENT_SECONDS)
    with ctx.Session() as db:
        assert "cleaning" not in recent_catalogue(db)


def test_an_item_newer_than_the_copy_is_read_at_once(seeded, monkeypatch):
    ctx = seeded
    with ctx.Session() as db:
        full = catalogue.load_catalogue(db, active_only=False)
        stale = catalogue.Catalogue(tuple(item for item in full if item.code != "cleaning"))
        monkeypatch.setattr(catalogue, "recent_catalogue", lambda db, active_only=True: stale)
        assert catalogue.recent_catalogue_of(db, ["meals"], active_only=False) is stale
        assert catalogue.recent_catalogue_of(db, ["cleaning"], active_only=False)["cleaning"].name == full["cleaning"].name
