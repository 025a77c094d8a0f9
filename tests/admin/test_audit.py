"""The audit view: filterable, read only, scoped to the viewer's area."""

from __future__ import annotations

import pytest

from models.areas import Village
from models.requests.requests import RequestStatus
from tests.admin import builders as b


@pytest.fixture
def trail(ctx, county):
    with ctx.Session.begin() as db:
        chengbei, fozi = db.get(Village, county["villages"]["城北村"]), db.get(Village, county["villages"]["佛子岭村"])
        mine = b.request(db, ctx.cipher, b.household(db, ctx.cipher, chengbei), RequestStatus.RECEIVED)
        theirs = b.request(db, ctx.cipher, b.household(db, ctx.cipher, fozi), RequestStatus.RECEIVED)
        return {"mine": mine.id, "theirs": theirs.id}


def _rows(page: str) -> int:
    return page.split('<tbody>')[1].split('</tbody>')[0].count("<tr>")


def test_filter_by_record(as_county, trail):
    page = as_county.get(f"/admin/audit?subject=request&subject_id={trail['theirs']}").get_data(as_text=True)
    assert _rows(page) == 1 and "创建/受理" in page


def test_filter_by_actor_and_channel(as_county, trail):
    web_logins = as_county.get("/admin/audit?subject=web_account&channel=web&action=login").get_data(as_text=True)
    assert _rows(web_logins) == 1
    residents = as_county.get("/admin/audit?actor=wechat:").get_data(as_text=True)
    assert _rows(residents) == 2


def test_town_staff_see_only_their_towns_records(as_hengshan, trail):
    page = as_hengshan.get("/admin/audit?subject=request").get_data(as_text=True)
    assert _rows(page) == 1
    assert as_hengshan.get(f"/admin/audit?subject=request&subject_id={trail['theirs']}").get_data(as_text=True).count("创建/受理") == 0
    assert "后台账户" not in as_hengshan.get("/admin/audit?subject=web_account").get_data(as_text=True).split("<tbody>")[1]


def test_the_view_is_read_only(as_county, trail):
    assert as_county.post("/admin/audit", {"subject": "request"}).status_code == 405
