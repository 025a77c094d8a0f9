"""Annex 3 as data: 4 categories, 11 items, and a JSON round trip."""

import json

import pytest

from policy.catalogue import (
    DEFAULT_CATALOGUE,
    Catalogue,
    CatalogueItem,
    Category,
    Criterion,
    Eligibility,
    ItemCode,
)
from policy.groups import TargetGroup

EXPECTED = [
    ("visit", Category.LIVING, "探访慰问"),
    ("errand", Category.LIVING, "帮办代办"),
    ("meals", Category.LIVING, "膳食供应"),
    ("cleaning", Category.LIVING, "助洁助行"),
    ("institutional_care", Category.CARE, "集中养护"),
    ("daily_care", Category.CARE, "照料护理"),
    ("volunteer_service", Category.SUPPORT, "志愿服务"),
    ("neighbour_help", Category.SUPPORT, "邻里互助"),
    ("monitoring", Category.SUPPORT, "看护服务"),
    ("charity", Category.RESOURCE, "慈善救助"),
    ("referral", Category.RESOURCE, "转介服务"),
]


def test_default_catalogue_matches_annex_3():
    assert [(i.code, i.category, i.name) for i in DEFAULT_CATALOGUE] == EXPECTED
    assert [c.value for c in ItemCode] == [code for code, _, _ in EXPECTED]
    for item in DEFAULT_CATALOGUE:
        assert item.description and item.providers
        assert type(item.code) is str


def test_categories():
    assert [c.label for c in Category] == ["生活类", "照护类", "支持类", "资源链接类"]
    assert [i.code for i in DEFAULT_CATALOGUE.in_category(Category.CARE)] == ["institutional_care", "daily_care"]


def test_descriptions_keep_the_policy_figures():
    assert "每月1次" in DEFAULT_CATALOGUE["visit"].description
    charity = DEFAULT_CATALOGUE["charity"].description
    assert "3000元" in charity and "4000元" in charity and "5000元" in charity
    assert "迎驾慈善基金会" in DEFAULT_CATALOGUE["charity"].providers


def test_errand_age_70_is_item_data():
    ages = [c.min_age for c in DEFAULT_CATALOGUE["errand"].eligibility.any_of]
    assert 70 in ages


def test_round_trip_through_json():
    data = json.loads(json.dumps(DEFAULT_CATALOGUE.to_dict(), ensure_ascii=False))
    assert Catalogue.from_dict(data) == DEFAULT_CATALOGUE
    item = DEFAULT_CATALOGUE["institutional_care"]
    assert CatalogueItem.from_dict(json.loads(json.dumps(item.to_dict()))) == item


def test_lookup():
    assert "visit" in DEFAULT_CATALOGUE and ItemCode.VISIT in DEFAULT_CATALOGUE
    assert DEFAULT_CATALOGUE.get("nope") is None
    with pytest.raises(KeyError):
        DEFAULT_CATALOGUE["nope"]
    assert len(DEFAULT_CATALOGUE) == 11


def test_invalid_data_is_refused():
    visit = DEFAULT_CATALOGUE["visit"]
    with pytest.raises(ValueError):
        Catalogue((visit, visit))
    with pytest.raises(ValueError):
        Eligibility(())
    with pytest.raises(ValueError):
        Criterion(groups=frozenset())
    with pytest.raises(ValueError):
        Criterion(min_self_care_loss="independent")
    with pytest.raises(ValueError):
        Criterion.from_dict({"groups": ["no_such_group"]})


def test_county_can_add_an_item():
    extra = CatalogueItem(
        code="haircut",
        category=Category.LIVING,
        name="上门理发",
        description="为行动不便的老人上门理发。",
        eligibility=Eligibility((Criterion(groups=frozenset({TargetGroup.ELDERLY})),)),
        providers=("志愿者",),
    )
    catalogue = Catalogue((*DEFAULT_CATALOGUE, extra))
    assert Catalogue.from_dict(catalogue.to_dict())["haircut"] == extra
