"""The county's rules as dated values: ranges with Chinese messages, percentages, the value in
force on a day (the later entry wins a tie), combinations that do not work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policy.rules import BY_KEY, DatedValue, Origin, RuleError, fingerprint, in_force, parse, shown, thresholds_from

D = dt.date.fromisoformat


@pytest.mark.parametrize("key, text, value", [
    ("minimum_living_standard", "820", Decimal("820")),
    ("minimum_living_standard", "８２０元", Decimal("820")),  # full-width digits and the unit typed
    ("minimum_living_standard", "100", Decimal("100")),  # the range's ends are allowed
    ("rigid_expenditure_ratio", "60", Decimal("0.6")),  # a percentage, stored as a share
    ("rigid_expenditure_ratio", "55.5%", Decimal("0.555")),
    ("budget_cap_ratio", "1", Decimal("0.01")),
    ("review_workdays", "3", 3),
    ("offer_timeout_working_hours", "2.5", 2.5),
])
def test_a_typed_value_is_read_as_the_rules_store_it(key, text, value):
    assert parse(BY_KEY[key], text) == value
    assert shown(BY_KEY[key], value) == text.translate(str.maketrans("８２０", "820")).removesuffix("元").removesuffix("%")


@pytest.mark.parametrize("key, text, message", [
    ("minimum_living_standard", "99.99", "应在100到5000元/人·月之间"),
    ("minimum_living_standard", "", "不能为空"),
    ("minimum_living_standard", "abc", "请填数字"),
    ("minimum_living_standard", "NaN", "请填数字"),
    ("review_workdays", "2.5", "请填整数"),
    ("high_level_min", "11", "应在1到10项之间"),
])
def test_a_value_out_of_range_is_refused_in_chinese(key, text, message):
    with pytest.raises(RuleError, match=message):
        parse(BY_KEY[key], text)


def test_the_value_in_force_is_the_latest_started_and_a_later_entry_wins_a_tie():
    values = [
        DatedValue(1, "minimum_living_standard", "780", D("2000-01-01"), Origin.EXAMPLE),
        DatedValue(2, "minimum_living_standard", "820", D("2027-01-01"), Origin.COUNTY),
        DatedValue(3, "minimum_living_standard", "800", D("2026-07-01"), Origin.COUNTY),
        DatedValue(4, "minimum_living_standard", "810", D("2026-07-01"), Origin.COUNTY),
    ]
    assert in_force(values, D("2026-06-30"))["minimum_living_standard"].value == "780"
    assert in_force(values, D("2026-07-01"))["minimum_living_standard"].value == "810"
    assert in_force(values, D("2027-01-01"))["minimum_living_standard"].value == "820"


def test_a_combination_that_does_not_work_is_refused():
    with pytest.raises(RuleError, match="中度困境的起点不能多于高度困境的起点"):
        thresholds_from({"medium_level_min": 8, "high_level_min": 7})
    assert thresholds_from({"minimum_living_standard": "820"}).minimum_living_standard == Decimal("820")


def test_the_same_values_make_the_same_rule_set():
    a = {"minimum_living_standard": "820", "member_share": "0.5"}
    assert fingerprint(a) == fingerprint({"member_share": "0.50", "minimum_living_standard": "820.00"})
    assert fingerprint(a) != fingerprint({**a, "minimum_living_standard": "821"})
