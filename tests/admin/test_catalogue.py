"""Catalogue and provider editing: the county only, checked, audited, seen by the rules at once."""

from __future__ import annotations

import json

from sqlalchemy import select

from models.areas import Village
from models.audit import AuditEntry
from models.catalogue.catalogue import ServiceItem, load_catalogue
from models.catalogue.providers import Provider
from policy.groups import TargetGroup
from tests.admin import builders as b

ELDERLY_ONLY = {"any_of": [{"groups": None, "min_age": 80}], "audience": "80岁以上老人"}


def _item_form(**changes) -> dict:
    form = {"name": "助洁助行", "description": "打扫卫生，适老化改造。", "eligibility": json.dumps(ELDERLY_ONLY, ensure_ascii=False), "providers": "乡镇人民政府、家政公司", "unit_cost": "80", "active": "on"}
    return form | changes


def test_everyone_reads_the_catalogue(as_hengshan):
    page = as_hengshan.get("/admin/catalogue").get_data(as_text=True)
    assert "探访慰问" in page and "编辑" not in page


def test_county_edits_an_item_and_the_rules_see_it(as_county, ctx, county):
    response = as_county.post("/admin/catalogue/cleaning", _item_form())
    assert response.status_code == 302
    with ctx.Session() as db:
        item = db.get(ServiceItem, "cleaning")
        assert str(item.unit_cost) == "80.00" and item.definition["eligibility"]["any_of"][0]["min_age"] == 80
        rules_item = load_catalogue(db)["cleaning"]
        assert rules_item.eligibility.any_of[0].min_age == 80 and rules_item.providers == ("乡镇人民政府", "家政公司")
        entry = db.scalar(select(AuditEntry).where(AuditEntry.subject == "item", AuditEntry.action == "updated"))
    assert entry.detail["code"] == "cleaning" and entry.detail["changes"]["unit_cost"] == {"from": None, "to": "80.00"}
    assert entry.actor == f"staff:{county['staff']['county']}"


def test_bad_eligibility_or_cost_is_refused_with_a_reason(as_county, ctx):
    bad_json = as_county.post("/admin/catalogue/cleaning", _item_form(eligibility="{not json"))
    assert bad_json.status_code == 400 and "服务对象条件格式不对" in bad_json.get_data(as_text=True)
    bad_group = as_county.post("/admin/catalogue/cleaning", _item_form(eligibility=json.dumps({"any_of": [{"groups": ["aliens"]}]})))
    assert bad_group.status_code == 400
    bad_cost = as_county.post("/admin/catalogue/cleaning", _item_form(unit_cost="八十"))
    assert bad_cost.status_code == 400 and "单价请填数字" in bad_cost.get_data(as_text=True)
    with ctx.Session() as db:
        assert db.get(ServiceItem, "cleaning").unit_cost is None


def test_county_adds_an_item(as_county, ctx):
    everyone = json.dumps({"any_of": [{"groups": [TargetGroup.MINIMUM_LIVING.value]}]})
    response = as_county.post("/admin/catalogue/new", _item_form(code="haircut", category="living", name="上门理发", eligibility=everyone, unit_cost=""))
    assert response.status_code == 302
    with ctx.Session() as db:
        assert "haircut" in load_catalogue(db)
        assert db.get(ServiceItem, "haircut").unit_cost is None


def test_town_staff_cannot_edit(as_hengshan, ctx):
    assert as_hengshan.get("/admin/catalogue/cleaning").status_code == 403
    assert as_hengshan.post("/admin/catalogue/cleaning", _item_form()).status_code == 403
    assert as_hengshan.post("/admin/providers/new", {"name": "x"}).status_code == 403


def _provider_form(villages, **changes) -> dict:
    form = {"name": "康乐家政", "kind": "organisation", "contact_name": "王经理", "daily_capacity": "12", "active": "on", "items": ["cleaning", "meals"], "villages": villages}
    return form | changes


def test_county_creates_and_edits_a_provider(as_county, ctx, county):
    chengbei, fozi = county["villages"]["城北村"], county["villages"]["佛子岭村"]
    assert as_county.post("/admin/providers/new", _provider_form([str(chengbei)])).status_code == 302
    with ctx.Session() as db:
        provider_id = db.scalar(select(Provider.id).where(Provider.name == "康乐家政"))
    assert as_county.post(f"/admin/providers/{provider_id}", _provider_form([str(chengbei), str(fozi)], daily_capacity="30", items=["cleaning"])).status_code == 302
    with ctx.Session() as db:
        provider = db.get(Provider, provider_id)
        assert provider.daily_capacity == 30 and provider.item_codes == {"cleaning"} and {v.id for v in provider.villages} == {chengbei, fozi}
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.subject == "provider", AuditEntry.subject_id == provider_id).order_by(AuditEntry.id)))
        changes = db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "updated")).one()["changes"]
    assert actions == ["created", "updated"]
    assert changes["daily_capacity"] == {"from": 12, "to": 30}


def test_a_provider_can_only_offer_catalogue_items(as_county, ctx, county):
    response = as_county.post("/admin/providers/new", _provider_form([str(county["villages"]["城北村"])], items=["cleaning", "office_supplies"]))
    assert response.status_code == 400 and "只能选择服务清单中的项目" in response.get_data(as_text=True)
    with ctx.Session() as db:
        assert db.scalar(select(Provider.id)) is None


def test_town_staff_see_providers_of_their_villages(as_hengshan, ctx, county):
    with ctx.Session.begin() as db:
        b.provider(db, "城北食堂", [db.get(Village, county["villages"]["城北村"])])
        b.provider(db, "佛子岭养老院", [db.get(Village, county["villages"]["佛子岭村"])])
    page = as_hengshan.get("/admin/providers").get_data(as_text=True)
    assert "城北食堂" in page and "佛子岭养老院" not in page
