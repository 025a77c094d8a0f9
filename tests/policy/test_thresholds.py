"""Thresholds are data: defaults from the plan, validated, storable."""

import json
from datetime import time
from decimal import Decimal

import pytest

from policy.groups import EXTREME_POVERTY, LOW_INCOME, TOWN_EXTENSIONS, TargetGroup, groups_label
from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds


def test_defaults():
    th = DEFAULT_THRESHOLDS
    assert th.minimum_living_standard == Decimal("780")
    assert th.rigid_expenditure_ratio == Decimal("0.6")
    assert th.city_floor_area_per_person == Decimal("40")
    assert (th.medium_level_min, th.high_level_min) == (3, 7)
    assert th.elderly_age == 60
    assert (th.visit_months_dispersed, th.visit_months_minimum_living, th.visit_months_other) == (1, 3, 6)
    assert (th.review_workdays, th.transfer_workdays, th.urgent_visit_workdays) == (2, 1, 1)
    assert th.offer_timeout_working_hours == 4
    assert (th.office_day_start, th.office_day_end) == (time(8, 30), time(17, 30))
    assert (th.station_min_long_term_recipients, th.residents_per_assistant, th.max_assistants_per_village) == (50, 3000, 3)


def test_round_trip():
    th = Thresholds(minimum_living_standard="812.5", office_day_start=time(8))
    data = json.loads(json.dumps(th.to_dict()))
    assert data["minimum_living_standard"] == "812.5" and data["office_day_start"] == "08:00"
    assert Thresholds.from_dict(data) == th
    assert Thresholds.from_dict({}) == DEFAULT_THRESHOLDS
    with pytest.raises(ValueError):
        Thresholds.from_dict({"no_such_threshold": 1})


def test_numbers_become_exact_decimals():
    assert Thresholds(rigid_expenditure_ratio=0.6).rigid_expenditure_ratio == Decimal("0.6")
    assert DEFAULT_THRESHOLDS.with_changes(elderly_age=65).elderly_age == 65


@pytest.mark.parametrize(
    "changes",
    [
        dict(minimum_living_standard=-1),
        dict(residents_per_assistant=0),
        dict(visit_months_dispersed=0),
        dict(office_day_start=time(18)),
        dict(elderly_age=True),
    ],
)
def test_invalid_thresholds(changes):
    with pytest.raises((ValueError, TypeError)):
        Thresholds(**changes)


def test_group_sets_and_labels():
    assert len(LOW_INCOME) == 6 and len(TOWN_EXTENSIONS) == 3 and not LOW_INCOME & TOWN_EXTENSIONS
    assert TargetGroup.MINIMUM_LIVING.label == "低保对象"
    assert groups_label(EXTREME_POVERTY) == "特困人员"
    assert groups_label({TargetGroup.MARGINAL, TargetGroup.MINIMUM_LIVING}) == "低保对象、低保边缘家庭成员"
