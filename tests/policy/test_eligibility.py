"""Who may receive each of annex 3's 11 items."""

import json

import pytest

from policy.catalogue import DEFAULT_CATALOGUE, Catalogue
from policy.eligibility import Eligible, NotEligible, check, describe_audience, eligible_items
from policy.groups import Disability, DisabilityKind, SelfCare, TargetGroup as G
from policy.thresholds import Thresholds

from .builders import member

ALL = {"visit", "volunteer_service", "neighbour_help", "charity", "referral"}


def _typical(group: G):
    """A person in one group, with the facts that group implies and nothing else."""
    if group is G.ELDERLY:
        return member(age=72, groups={group})
    if group is G.MINOR:
        return member(age=10, groups={group})
    if group is G.DISABLED:
        return member(groups={group}, disability=Disability(DisabilityKind.PHYSICAL, 2))
    return member(age=40, groups={group})


TABLE = {
    G.EXTREME_POVERTY_DISPERSED: ALL | {"institutional_care", "daily_care", "monitoring"},
    G.EXTREME_POVERTY_INSTITUTIONAL: ALL | {"institutional_care", "daily_care"},
    G.MINIMUM_LIVING: ALL,
    G.MARGINAL: ALL,
    G.RIGID_EXPENDITURE: ALL,
    G.MONITORED: ALL,
    G.ELDERLY: ALL | {"errand", "cleaning"},  # aged 72, independent
    G.MINOR: ALL,
    G.DISABLED: ALL | {"cleaning"},  # grade 2, independent, aged 40
}


@pytest.mark.parametrize("group", list(G))
@pytest.mark.parametrize("code", DEFAULT_CATALOGUE.codes)
def test_eligibility_table(group, code):
    outcome = check(DEFAULT_CATALOGUE[code], _typical(group))
    assert isinstance(outcome, Eligible) is (code in TABLE[group]), outcome


def test_table_covers_every_group():
    assert set(TABLE) == set(G)


@pytest.mark.parametrize(
    "facts, eligible",
    [
        (dict(age=69), False),
        (dict(age=70), True),
        (dict(age=40, self_care=SelfCare.SEMI_DEPENDENT), True),
        (dict(age=40, self_care=SelfCare.DEPENDENT), True),
        (dict(age=40, disability=Disability(DisabilityKind.VISUAL, 1)), False),  # 残疾 is not 失能
    ],
)
def test_errand(facts, eligible):
    assert isinstance(check(DEFAULT_CATALOGUE["errand"], member(groups={G.MARGINAL}, **facts)), Eligible) is eligible


@pytest.mark.parametrize(
    "age, self_care, eligible",
    [
        (60, SelfCare.SEMI_DEPENDENT, True),
        (59, SelfCare.SEMI_DEPENDENT, False),
        (75, SelfCare.DEPENDENT, True),
        (75, SelfCare.INDEPENDENT, False),
    ],
)
def test_meals_for_dependent_elderly(age, self_care, eligible):
    m = member(age=age, self_care=self_care)
    assert isinstance(check(DEFAULT_CATALOGUE["meals"], m), Eligible) is eligible


@pytest.mark.parametrize(
    "facts, eligible",
    [
        (dict(age=60), True),
        (dict(age=59), False),
        (dict(age=30, disability=Disability(DisabilityKind.HEARING, 4)), True),
    ],
)
def test_cleaning_for_disabled_and_elderly(facts, eligible):
    assert isinstance(check(DEFAULT_CATALOGUE["cleaning"], member(**facts)), Eligible) is eligible


@pytest.mark.parametrize(
    "groups, age, self_care, eligible",
    [
        ({G.MINIMUM_LIVING}, 70, SelfCare.DEPENDENT, True),
        ({G.MINIMUM_LIVING}, 70, SelfCare.SEMI_DEPENDENT, False),  # 失能 only
        ({G.MINIMUM_LIVING}, 59, SelfCare.DEPENDENT, False),
        ({G.MARGINAL}, 70, SelfCare.DEPENDENT, False),
        ({G.EXTREME_POVERTY_DISPERSED}, 30, SelfCare.INDEPENDENT, True),
    ],
)
def test_institutional_care(groups, age, self_care, eligible):
    m = member(age=age, groups=groups, self_care=self_care)
    assert isinstance(check(DEFAULT_CATALOGUE["institutional_care"], m), Eligible) is eligible


def test_not_eligible_reason_is_plain_and_says_what_to_do():
    outcome = check(DEFAULT_CATALOGUE["errand"], member(age=40))
    assert outcome == NotEligible(
        "errand",
        "帮办代办服务面向失能、半失能人员或70岁以上老人。您可以申请探访慰问，或联系村（社区）的社会救助协理员。",
    )
    monitoring = check(DEFAULT_CATALOGUE["monitoring"], member())
    assert monitoring.reason.startswith("看护服务面向分散供养特困人员。")


def test_audiences():
    audiences = {i.code: describe_audience(i.eligibility) for i in DEFAULT_CATALOGUE}
    assert audiences["meals"] == "失能、半失能的60岁以上老人"
    assert audiences["cleaning"] == "残疾人或60岁以上老人"
    assert audiences["institutional_care"] == "特困人员或低保对象中失能的60岁以上老人"
    assert audiences["daily_care"] == "特困人员"
    assert audiences["visit"] == "所有社会救助对象"
    assert audiences["charity"] == "符合条件的困难人员"


def test_unregistered_person_is_told_to_apply_first():
    outcome = check(DEFAULT_CATALOGUE["visit"], member(groups=frozenset()))
    assert isinstance(outcome, NotEligible)
    assert "还没有登记为救助对象" in outcome.reason and "协理员" in outcome.reason
    assert eligible_items(DEFAULT_CATALOGUE, member(groups=frozenset())) == ()


def test_eligible_items_in_catalogue_order():
    items = eligible_items(DEFAULT_CATALOGUE, member(age=75, groups={G.EXTREME_POVERTY_DISPERSED}))
    assert [i.code for i in items] == list(DEFAULT_CATALOGUE.codes[:2]) + [
        "cleaning",
        "institutional_care",
        "daily_care",
        "volunteer_service",
        "neighbour_help",
        "monitoring",
        "charity",
        "referral",
    ]


def test_elderly_age_is_a_threshold():
    m = member(age=62)
    assert isinstance(check(DEFAULT_CATALOGUE["cleaning"], m), Eligible)
    outcome = check(DEFAULT_CATALOGUE["cleaning"], m, Thresholds(elderly_age=65))
    assert isinstance(outcome, NotEligible) and "65岁以上老人" in outcome.reason


def test_edited_catalogue_changes_eligibility_and_text():
    data = DEFAULT_CATALOGUE.to_dict()
    errand = next(i for i in data["items"] if i["code"] == "errand")
    for criterion in errand["eligibility"]["any_of"]:
        if criterion["min_age"] == 70:
            criterion["min_age"] = 75
    edited = Catalogue.from_dict(json.loads(json.dumps(data)))
    outcome = check(edited["errand"], member(age=72))
    assert isinstance(outcome, NotEligible) and "75岁以上老人" in outcome.reason
