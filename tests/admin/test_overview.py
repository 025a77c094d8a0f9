"""The overview's figures, its scope, the village drill-down and the household file."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from reports import supervision
from models.areas import Village
from models.audit import AuditEntry
from models.households.households import Household
from models.requests.requests import RequestStatus
from tests.admin import builders as b

DAY = dt.timedelta(days=1)


@pytest.fixture
def scene(ctx, county):
    """城北村 with every kind of figure; 佛子岭村 with one low household and one open request."""
    cipher, now = ctx.cipher, b.NOW
    with ctx.Session.begin() as db:
        chengbei, fozi = db.get(Village, county["villages"]["城北村"]), db.get(Village, county["villages"]["佛子岭村"])
        h1, h2, h3 = b.household(db, cipher, chengbei, "王桂英"), b.household(db, cipher, chengbei, "刘德海"), b.household(db, cipher, chengbei, "陈建国")
        b.assessment(db, h1, "low", at=now - 90 * DAY)
        b.assessment(db, h1, "high", at=now - 10 * DAY)  # the latest counts
        b.assessment(db, h2, "medium")
        b.request(db, cipher, h1, RequestStatus.RECEIVED)
        b.request(db, cipher, h1, RequestStatus.OFFERED)
        b.escalate(db, b.request(db, cipher, h2), at=now - DAY)
        b.request(db, cipher, h2, RequestStatus.COMPLETED, created=now - 5 * DAY, completed=now - 4 * DAY, rating="satisfied")
        b.request(db, cipher, h3, RequestStatus.COMPLETED, created=now - 5 * DAY, completed=now - 4 * DAY, rating="unsatisfied")
        b.request(db, cipher, h3, RequestStatus.COMPLETED, created=b.cst("2025-12-01 09:00"), completed=b.cst("2025-12-02 09:00"), rating="satisfied")  # last year
        b.referral(db, cipher, chengbei, deadline=now - 3 * DAY, transferred_at=now - 4 * DAY)  # met
        b.referral(db, cipher, chengbei, deadline=now - 3 * DAY, transferred_at=now - 2 * DAY)  # late
        b.referral(db, cipher, chengbei, deadline=now - DAY)  # pending, past its deadline
        b.referral(db, cipher, chengbei, deadline=now + DAY)  # not due yet: not counted
        b.application(db, cipher, chengbei, deadline=now - 3 * DAY, decided_at=now - 4 * DAY)  # met
        b.application(db, cipher, chengbei, deadline=now - 3 * DAY, decided_at=now - 2 * DAY, missed=True)  # decided after the clock passed the deadline
        b.application(db, cipher, chengbei, deadline=now - DAY)  # still waiting, past its deadline
        b.application(db, cipher, chengbei, deadline=now + DAY)  # not due yet
        b.lead(db, cipher, chengbei, deadline=now - DAY)  # leads are the village's, not the town's review
        b.visit(db, h1, dt.date(2026, 5, 1), done_on=dt.date(2026, 4, 30))
        b.visit(db, h2, dt.date(2026, 5, 10), done_on=dt.date(2026, 5, 12))
        b.visit(db, h3, dt.date(2026, 6, 1), escalated=True)
        b.visit(db, h3, dt.date(2026, 7, 1))  # not due yet
        h4 = b.household(db, cipher, fozi, "张建国")
        b.assessment(db, h4, "low")
        b.request(db, cipher, h4, RequestStatus.RECEIVED)
        return {"h1": h1.id, "h4": h4.id, "chengbei": chengbei.id, "fozi": fozi.id}


def test_town_figures_by_village(ctx, scene, county):
    with ctx.Session() as db:
        town_id = db.get(Village, scene["chengbei"]).town_id
        data = supervision.overview(db, b.NOW, supervision.Period.year_to_date(dt.date(2026, 6, 15)), town_id)
    chengbei = next(r for r in data.rows if r.name == "城北村")
    assert [r.name for r in data.rows] == ["南岳社区", "城北村"]
    assert dict(chengbei.levels) == {"high": 1, "medium": 1, "none": 1}
    assert dict(chengbei.open_requests) == {"received": 1, "offered": 1, "escalated": 1}
    assert (chengbei.transfer_met, chengbei.transfer_due) == (1, 3)
    assert (chengbei.review_met, chengbei.review_due) == (1, 3)
    assert (chengbei.visits_on_time, chengbei.visits_due, chengbei.visit_pct) == (1, 3, 33.3)
    assert (chengbei.satisfied, chengbei.rated, chengbei.satisfaction_pct) == (1, 2, 50.0)
    assert (chengbei.escalated_requests, chengbei.escalated_visits) == (1, 1)
    assert data.total.households == 3


def test_county_figures_by_town(ctx, scene):
    with ctx.Session() as db:
        data = supervision.overview(db, b.NOW, supervision.Period.year_to_date(dt.date(2026, 6, 15)))
    by_name = {r.name: r for r in data.rows}
    assert set(by_name) == {"衡山镇", "佛子岭镇"}
    assert by_name["佛子岭镇"].levels["low"] == 1 and by_name["佛子岭镇"].open_total == 1
    assert by_name["衡山镇"].open_total == 3
    assert data.total.households == 4 and data.total.open_total == 4


def test_period_limits_the_period_figures(ctx, scene):
    with ctx.Session() as db:
        last_year = supervision.overview(db, b.NOW, supervision.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
    assert last_year.total.rated == 1 and last_year.total.satisfied == 1
    assert last_year.total.visits_due == 0
    assert last_year.total.open_total == 4  # open requests are the current state


def test_county_page_shows_every_town_and_charts(as_county, scene):
    page = as_county.get("/admin/").get_data(as_text=True)
    assert "衡山镇" in page and "佛子岭镇" in page
    for chart in ("chart-levels", "chart-requests", "chart-visits", "chart-satisfaction", "chart-transfer", "chart-review"):
        assert f'id="{chart}"' in page
    # drawn on the server, nothing loaded from elsewhere (a random CSRF token may well contain "cdn")
    assert "<svg" in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_county_drills_into_a_town(as_county, ctx, scene):
    with ctx.Session() as db:
        town_id = db.get(Village, scene["chengbei"]).town_id
    page = as_county.get(f"/admin/?town={town_id}").get_data(as_text=True)
    assert "城北村" in page and "南岳社区" in page and "佛子岭村" not in page


def test_town_staff_see_only_their_town(as_hengshan, ctx, scene):
    with ctx.Session() as db:
        other = db.get(Village, scene["fozi"]).town_id
    for url in ("/admin/", f"/admin/?town={other}"):
        page = as_hengshan.get(url).get_data(as_text=True)
        assert "城北村" in page and "佛子岭" not in page
    assert as_hengshan.get(f"/admin/villages/{scene['fozi']}").status_code == 404
    assert as_hengshan.get(f"/admin/households/{scene['h4']}").status_code == 404
    assert as_hengshan.get(f"/admin/villages/{scene['chengbei']}").status_code == 200


def test_village_lists_households_masked(as_hengshan, scene):
    page = as_hengshan.get(f"/admin/villages/{scene['chengbei']}").get_data(as_text=True)
    assert "王**" in page and "刘**" in page and "王桂英" not in page
    high_only = as_hengshan.get(f"/admin/villages/{scene['chengbei']}?level=high").get_data(as_text=True)
    assert "王**" in high_only and "刘**" not in high_only


def test_household_file_is_masked_by_default(as_hengshan, scene):
    page = as_hengshan.get(f"/admin/households/{scene['h1']}").get_data(as_text=True)
    assert "王**" in page and "王桂英" not in page
    assert "城北村***" in page and "3组" not in page
    assert "13805640001" not in page and "342425" not in page
    assert "高" in page and "服务请求" in page and "探访记录" in page


def test_unmasking_needs_a_reason_and_is_audited(as_hengshan, ctx, county, scene):
    url = f"/admin/households/{scene['h1']}/unmask"
    refused = as_hengshan.post(url, {"reason": ""})
    assert refused.status_code == 400 and "王桂英" not in refused.get_data(as_text=True)
    shown = as_hengshan.post(url, {"reason": "入户核实，需联系户主"}).get_data(as_text=True)
    assert "王桂英" in shown and "3组" in shown and "13805640001" in shown
    assert "342425" not in shown  # never the ID number
    with ctx.Session() as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.subject == "household", AuditEntry.action == "unmasked"))
    assert entry.subject_id == scene["h1"] and entry.detail["reason"] == "入户核实，需联系户主"
    assert entry.actor == f"staff:{county['staff']['hengshan']}"
    again = as_hengshan.get(f"/admin/households/{scene['h1']}").get_data(as_text=True)
    assert "王桂英" not in again  # masked again on the next visit


def test_find_a_household_by_number_within_the_area(as_hengshan, as_county, ctx, scene):
    with ctx.Session() as db:
        h1, h4 = db.get(Household, scene["h1"]).roster_no, db.get(Household, scene["h4"]).roster_no
    assert as_hengshan.get(f"/admin/households?no={h1}").status_code == 302
    assert as_hengshan.get(f"/admin/households?no={h4}").status_code == 404
    assert as_county.get(f"/admin/households?no={h4}").status_code == 302
