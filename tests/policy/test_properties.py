"""Properties: worsening never lowers the level; working-day clocks are monotonic."""

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from policy.assessment import Indicator, assess, level_for
from policy.catalogue import DEFAULT_CATALOGUE, Catalogue
from policy.facts import HouseholdFacts, MemberFacts
from policy.groups import (
    Disability,
    DisabilityKind,
    FamilyStructure,
    IllnessKind,
    LabourStatus,
    SchoolingStage,
    SelfCare,
    TargetGroup,
    YouthProblem,
)
from policy.thresholds import Thresholds

from .builders import CALENDAR, WORSEN

money = st.decimals(min_value=0, max_value=20_000, places=2, allow_nan=False, allow_infinity=False)

members = st.builds(
    MemberFacts,
    age=st.integers(0, 100),
    groups=st.frozensets(st.sampled_from(TargetGroup), max_size=2),
    illness=st.sampled_from(IllnessKind),
    disability=st.none() | st.builds(Disability, st.sampled_from(DisabilityKind), st.integers(1, 4)),
    self_care=st.sampled_from(SelfCare),
    schooling=st.sampled_from(SchoolingStage),
    labour=st.sampled_from(LabourStatus),
)

households = st.builds(
    HouseholdFacts,
    members=st.lists(members, min_size=1, max_size=6).map(tuple),
    monthly_income=money,
    monthly_rigid_expenditure=money,
    dwellings=st.integers(0, 3),
    floor_area=st.decimals(min_value=0, max_value=400, places=1, allow_nan=False, allow_infinity=False),
    family_structures=st.frozensets(st.sampled_from(FamilyStructure), min_size=1, max_size=2),
    has_social_security=st.booleans(),
    social_activities_per_person_per_month=st.decimals(
        min_value=0, max_value=5, places=1, allow_nan=False, allow_infinity=False
    ),
    youth_problems=st.frozensets(st.sampled_from(YouthProblem), max_size=2),
)


@given(households, st.sampled_from(Indicator))
@settings(max_examples=300)
def test_level_never_decreases_when_an_indicator_turns_distressed(facts, indicator):
    before = assess(facts)
    after = assess(WORSEN[indicator](facts))
    assert after.result(indicator).distressed
    for i in Indicator:
        if i is not indicator:
            assert after.result(i).distressed == before.result(i).distressed
    assert after.distressed_count >= before.distressed_count
    assert after.level.rank >= before.level.rank
    assert after.suggested_services[:1] == before.suggested_services[:1]  # visit stays first


@given(st.integers(1, 10), st.integers(1, 10), st.integers(0, 9))
def test_level_is_monotonic_in_the_count(a, b, count):
    medium, high = sorted((a, b))
    th = Thresholds(medium_level_min=medium, high_level_min=high)
    assert level_for(count + 1, th).rank >= level_for(count, th).rank


@given(households)
def test_assessment_is_consistent(facts):
    result = assess(facts)
    assert len(result.results) == 10
    assert result.level is level_for(result.distressed_count)
    assert all(r.reason.endswith("。") for r in result.results)
    assert set(result.suggested_services) <= set(DEFAULT_CATALOGUE.codes)
    if any(m.groups for m in facts.members):
        assert result.suggested_services[0] == "visit"


moments = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2028, 6, 30))


@given(moments, moments, st.integers(0, 30))
@settings(max_examples=300)
def test_add_workdays_is_monotonic(a, b, n):
    a, b = sorted((a, b))
    assert CALENDAR.add_workdays(a, n) <= CALENDAR.add_workdays(b, n)
    assert CALENDAR.add_workdays(a, n) < CALENDAR.add_workdays(a, n + 1)
    assert CALENDAR.add_workdays(a, n) >= a


@given(moments, st.integers(0, 30))
def test_add_workdays_lands_on_a_workday_n_workdays_later(start, n):
    deadline = CALENDAR.add_workdays(start, n)
    if n > 0 or CALENDAR.is_workday(start.date()):
        assert CALENDAR.is_workday(deadline.date())
    if CALENDAR.is_workday(start.date()):
        assert CALENDAR.workdays_between(start.date(), deadline.date()) == n


@given(moments, moments, st.floats(0, 40), st.floats(0, 40))
@settings(max_examples=300)
def test_add_working_hours_is_monotonic(a, b, h1, h2):
    a, b = sorted((a, b))
    h1, h2 = sorted((h1, h2))
    assert CALENDAR.add_working_hours(a, h1) <= CALENDAR.add_working_hours(b, h1)
    assert CALENDAR.add_working_hours(a, h1) <= CALENDAR.add_working_hours(a, h2)


@given(moments, st.floats(0.01, 40))
def test_working_time_round_trip(start, hours):
    end = CALENDAR.add_working_hours(start, hours)
    elapsed = CALENDAR.working_time_between(start, end)
    assert abs(elapsed - timedelta(hours=hours)) < timedelta(milliseconds=1)
    middle = CALENDAR.half_time(start, end)
    assert start <= middle <= end


@given(st.builds(Thresholds, minimum_living_standard=money, elderly_age=st.integers(50, 80)))
def test_thresholds_round_trip(th):
    assert Thresholds.from_dict(th.to_dict()) == th


def test_catalogue_round_trip_is_stable():
    assert Catalogue.from_dict(DEFAULT_CATALOGUE.to_dict()).to_dict() == DEFAULT_CATALOGUE.to_dict()
