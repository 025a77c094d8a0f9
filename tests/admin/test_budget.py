"""Purchases against the year's cap: completed catalogue requests with a unit cost, nothing else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import budget
from models.areas import Village
from models.audit import AuditEntry
from policy.budget import BudgetLevel
from models.requests.requests import RequestStatus
from tests.admin import builders as b

DAY = dt.timedelta(days=1)


@pytest.fixture
def purchases(ctx, county):
    cipher, now = ctx.cipher, b.NOW
    with ctx.Session.begin() as db:
        chengbei, fozi = db.get(Village, county["villages"]["城北村"]), db.get(Village, county["villages"]["佛子岭村"])
        b.priced(db, "cleaning", "80")
        b.priced(db, "meals", "15.50")
        wang, zhang = b.household(db, cipher, chengbei), b.household(db, cipher, fozi)
        for home, item in ((wang, "cleaning"), (wang, "cleaning"), (wang, "meals"), (zhang, "cleaning")):
            b.request(db, cipher, home, RequestStatus.COMPLETED, item=item, created=now - 3 * DAY, completed=now - 2 * DAY)
        b.request(db, cipher, wang, RequestStatus.COMPLETED, item="visit", created=now - 3 * DAY, completed=now - 2 * DAY)  # no unit cost
        b.request(db, cipher, wang, RequestStatus.ACCEPTED, item="cleaning", created=now - DAY)  # not done yet
        b.request(db, cipher, wang, RequestStatus.COMPLETED, item="cleaning", created=b.cst("2025-12-30 09:00"), completed=b.cst("2025-12-31 23:30"))  # last year
    return county


def test_purchases_are_completed_priced_catalogue_requests(ctx, purchases):
    with ctx.Session() as db:
        result = budget.report(db, 2026)
        town_part = budget.report(db, 2026, db.get(Village, purchases["villages"]["佛子岭村"]).town_id)
        last_year = budget.spent_in(db, 2025)
    assert result.state.spent == Decimal("255.50")  # 3 × 80 + 15.50
    assert {line.label: (line.count, line.amount) for line in result.by_item} == {"助洁助行": (3, Decimal("240.00")), "膳食供应": (1, Decimal("15.50"))}
    assert {line.label: line.amount for line in result.by_town} == {"衡山镇": Decimal("175.50"), "佛子岭镇": Decimal("80.00")}
    assert result.unpriced_completed == 1
    assert [line.label for line in town_part.by_town] == ["佛子岭镇"]
    assert last_year == Decimal("80.00")


def test_warning_at_eighty_percent(ctx, as_county, purchases):
    assert as_county.post("/admin/budget?year=2026", {"year": "2026", "funds": "31937"}).status_code == 302  # cap 319.37: 255.50 is 80.0 %
    with ctx.Session() as db:
        assert budget.state_of(db, 2026).level is BudgetLevel.WARNING
        entry = db.scalar(select(AuditEntry).where(AuditEntry.subject == "budget"))
    assert entry.subject_id == 2026 and entry.detail["funds"] == "31937.00"
    page = as_county.get("/admin/").get_data(as_text=True)
    assert 'id="budget-warning"' in page and "80.0%" in page
    as_county.post("/admin/budget?year=2026", {"year": "2026", "funds": "2000000"})
    assert 'id="budget-warning"' not in as_county.get("/admin/").get_data(as_text=True)


def test_over_the_cap(ctx, as_county, purchases):
    as_county.post("/admin/budget?year=2026", {"year": "2026", "funds": "20000"})  # cap 200.00 < 255.50
    page = as_county.get("/admin/budget?year=2026").get_data(as_text=True)
    assert "已超过1%上限" in page and 'id="chart-budget"' in page


def test_bad_funds_are_refused(as_county):
    assert as_county.post("/admin/budget?year=2026", {"year": "2026", "funds": "很多"}).status_code == 400
    assert as_county.post("/admin/budget?year=2026", {"year": "2026", "funds": "-5"}).status_code == 400


def test_town_staff_see_their_purchases_but_cannot_set_funds(as_hengshan, purchases):
    page = as_hengshan.get("/admin/budget?year=2026").get_data(as_text=True)
    assert "175.50" in page and "佛子岭镇" not in page
    assert as_hengshan.post("/admin/budget?year=2026", {"year": "2026", "funds": "1"}).status_code == 403


def test_there_is_no_way_to_record_a_purchase_by_hand(app):
    rules = [r.rule for r in app.url_map.iter_rules() if "POST" in (r.methods or set())]
    assert not any("purchase" in rule for rule in rules)
    assert "/admin/budget" in rules  # the only budget form sets the year's funds
