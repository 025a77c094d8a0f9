"""Annex 2's 10 indicators at and around every threshold, the levels, the suggestions."""

from dataclasses import replace
from decimal import Decimal

import pytest

from policy.assessment import (
    Dimension,
    DistressLevel,
    Indicator,
    assess,
    children_youth_indicator,
    disability_indicator,
    education_indicator,
    employment_indicator,
    evaluate,
    family_structure_indicator,
    housing_indicator,
    illness_indicator,
    income_indicator,
    level_for,
    social_participation_indicator,
    social_security_indicator,
)
from policy.catalogue import DEFAULT_CATALOGUE, Catalogue
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

from .builders import WORSEN, household, household_with_distressed, member


def test_baseline_household_is_normal_everywhere():
    results = evaluate(household())
    assert [r.indicator for r in results] == list(Indicator)
    assert not any(r.distressed for r in results), [r.reason for r in results if r.distressed]


def test_indicators_belong_to_six_dimensions():
    assert {i.dimension for i in Indicator} == set(Dimension)
    assert Indicator.INCOME.dimension is Dimension.MATERIAL and Indicator.INCOME.label == "收入"
    assert Indicator.CHILDREN_YOUTH.dimension is Dimension.FAMILY_CARE
    assert Dimension.SOCIAL_SUPPORT.label == "社会支持"


# --- 1 income: per-capita income < 低保标准, or rigid expenditure > 60 % --------------------------


@pytest.mark.parametrize(
    "income, distressed",
    [("1560", False), ("1559.99", True), ("1560.01", False), ("0", True), ("3000", False)],
)
def test_income_per_capita_against_minimum_living_standard(income, distressed):
    # two members, standard 780: the line is 1,560 a month; equal is NOT below
    result = income_indicator(household(monthly_income=Decimal(income)))
    assert result.distressed is distressed


def test_income_reason_names_figures():
    result = income_indicator(household(monthly_income=Decimal("1200")))
    assert result.reason == "家庭人均月收入600元，低于低保标准780元。"
    normal = income_indicator(household(monthly_income=Decimal("1560")))
    assert "不低于低保标准780元" in normal.reason and not normal.distressed


@pytest.mark.parametrize(
    "rigid, distressed", [("2400", False), ("2400.01", True), ("2399.99", False), ("4000", True)]
)
def test_rigid_expenditure_share_strictly_above_60_percent(rigid, distressed):
    # income 4,000: 60 % is 2,400; exactly 60 % is NOT distressed
    result = income_indicator(household(monthly_rigid_expenditure=Decimal(rigid)))
    assert result.distressed is distressed
    if distressed:
        assert "超过家庭月收入的60%（2400元）" in result.reason


def test_rigid_expenditure_with_no_income():
    result = income_indicator(household(monthly_income=0, monthly_rigid_expenditure=300))
    assert result.distressed
    assert "家庭没有收入，刚性支出每月300元" in result.reason


def test_income_accepts_floats_exactly():
    # 0.6 and 600.0 as floats must not turn "exactly 60 %" into "more than 60 %"
    th = Thresholds(rigid_expenditure_ratio=0.6, minimum_living_standard=500.0)
    h = household(monthly_income=1000.0, monthly_rigid_expenditure=600.0)
    assert not income_indicator(h, th).distressed


def test_minimum_living_standard_is_data():
    h = household(monthly_income=Decimal("1700"))
    assert not income_indicator(h).distressed
    assert income_indicator(h, Thresholds(minimum_living_standard=Decimal("900"))).distressed


# --- 2 housing: dwellings < 1, or per-capita area < city average ---------------------------------


@pytest.mark.parametrize(
    "dwellings, area, distressed",
    [
        (1, "80", False),  # 40 m² each: equal to the average is NOT below
        (1, "79.99", True),
        (1, "80.01", False),
        (0, "80", True),  # no dwelling
        (0, "0", True),
        (2, "200", False),
    ],
)
def test_housing(dwellings, area, distressed):
    result = housing_indicator(household(dwellings=dwellings, floor_area=Decimal(area)))
    assert result.distressed is distressed


def test_housing_reasons():
    assert housing_indicator(household(dwellings=0)).reason == "家里没有自己的住房。"
    small = housing_indicator(household(floor_area=Decimal("60")))
    assert small.reason == "人均住房面积30平方米，小于全市人均40平方米。"


def test_city_average_area_is_data():
    h = household(floor_area=Decimal("70"))
    assert housing_indicator(h).distressed
    assert not housing_indicator(h, Thresholds(city_floor_area_per_person=Decimal("35"))).distressed


# --- 3 illness: ill > 50 %, or any serious illness ----------------------------------------------


def _ill(n_ill: int, n: int, kind: IllnessKind = IllnessKind.CHRONIC):
    return household(members=[member(illness=kind if i < n_ill else IllnessKind.NONE) for i in range(n)])


@pytest.mark.parametrize(
    "n_ill, n, distressed", [(2, 4, False), (3, 4, True), (1, 2, False), (2, 2, True), (1, 1, True), (0, 3, False)]
)
def test_illness_share_strictly_above_half(n_ill, n, distressed):
    assert illness_indicator(_ill(n_ill, n)).distressed is distressed


@pytest.mark.parametrize("kind", list(IllnessKind))
def test_one_serious_illness_is_enough(kind):
    result = illness_indicator(_ill(1, 4, kind))
    assert result.distressed is kind.is_serious
    if kind.is_serious:
        assert kind.label in result.reason


def test_illness_reason_plain():
    assert illness_indicator(_ill(3, 4)).reason == "全家4人中有3人患病，超过一半。"
    assert illness_indicator(_ill(0, 4)).reason == "家里没有人患病。"


# --- 4 disability: disabled > 50 %, or severe / grade-3 intellectual or mental -------------------


def _disabled(n_dis: int, n: int, kind=DisabilityKind.PHYSICAL, grade=4):
    return household(
        members=[member(disability=Disability(kind, grade) if i < n_dis else None) for i in range(n)]
    )


@pytest.mark.parametrize("n_dis, n, distressed", [(2, 4, False), (3, 4, True), (1, 2, False), (2, 2, True)])
def test_disability_share_strictly_above_half(n_dis, n, distressed):
    assert disability_indicator(_disabled(n_dis, n)).distressed is distressed


@pytest.mark.parametrize("kind", list(DisabilityKind))
@pytest.mark.parametrize("grade", [1, 2, 3, 4])
def test_one_serious_disability_is_enough(kind, grade):
    expected = grade <= 2 or (grade == 3 and kind in (DisabilityKind.INTELLECTUAL, DisabilityKind.MENTAL))
    assert disability_indicator(_disabled(1, 4, kind, grade)).distressed is expected


def test_disability_grade_is_validated():
    with pytest.raises(ValueError):
        Disability(DisabilityKind.VISUAL, 5)
    assert Disability(DisabilityKind.MENTAL, 3).label == "精神残疾三级"


# --- 5 education: in education > 50 %, or any student outside compulsory education -------------


def _students(stages, n):
    stages = list(stages)
    return household(members=[member(schooling=stages[i] if i < len(stages) else SchoolingStage.NONE) for i in range(n)])


@pytest.mark.parametrize(
    "stages, n, distressed",
    [
        ([SchoolingStage.PRIMARY, SchoolingStage.JUNIOR], 4, False),  # exactly half, compulsory
        ([SchoolingStage.PRIMARY, SchoolingStage.JUNIOR, SchoolingStage.PRIMARY], 4, True),
        ([SchoolingStage.PRIMARY], 2, False),
        ([], 3, False),
    ],
)
def test_education_share_strictly_above_half(stages, n, distressed):
    assert education_indicator(_students(stages, n)).distressed is distressed


@pytest.mark.parametrize("stage", [s for s in SchoolingStage if s is not SchoolingStage.NONE])
def test_any_student_outside_compulsory_education(stage):
    result = education_indicator(_students([stage], 4))
    expected = stage not in (SchoolingStage.PRIMARY, SchoolingStage.JUNIOR)
    assert result.distressed is expected
    if expected:
        assert stage.label in result.reason


# --- 6 employment: labour force < 50 %, or (unemployed + caring) >= 50 % of the labour force -----


def _labour(statuses):
    return household(members=[member(labour=s) for s in statuses])


E, F, U, C, O, N = (
    LabourStatus.EMPLOYED,
    LabourStatus.FARMING,
    LabourStatus.UNEMPLOYED,
    LabourStatus.CARING,
    LabourStatus.OTHER_NOT_WORKING,
    LabourStatus.NOT_LABOUR_FORCE,
)


@pytest.mark.parametrize(
    "statuses, distressed",
    [
        ([E, E, N, N], False),  # labour force exactly 50 %: not below
        ([E, N, N, N], True),  # 25 %
        ([E, E, N], False),  # 2 of 3
        ([E, N, N], True),  # 1 of 3
        ([N], True),  # no labour force
        ([E, E, U, U], True),  # 2 of 4 not working: exactly 50 % IS distressed
        ([E, E, U, C], True),  # caring counts with unemployed
        ([E, E, E, U], False),  # 25 %
        ([E, E, U], False),  # 1 of 3
        ([E, U, C], True),  # 2 of 3
        ([E, F, O, O], False),  # farming and other-not-working do not count against
        ([F, F], False),
        ([U], True),
    ],
)
def test_employment(statuses, distressed):
    assert employment_indicator(_labour(statuses)).distressed is distressed


def test_employment_reasons():
    assert employment_indicator(_labour([N, N])).reason == "家里没有劳动力。"
    reason = employment_indicator(_labour([E, E, U, C])).reason
    assert reason == "4个劳动力中有2人失业或因照料重病、重残家人或婴幼儿不能就业，达到一半。"


# --- 7 children and youth ------------------------------------------------------------------------


def test_children_youth_normal_without_problems():
    assert not children_youth_indicator(household()).distressed


@pytest.mark.parametrize("problem", list(YouthProblem))
def test_children_youth_any_problem(problem):
    result = children_youth_indicator(household(youth_problems=frozenset({problem})))
    assert result.distressed and problem.label in result.reason


# --- 8 family structure --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "structure, distressed",
    [
        (FamilyStructure.NUCLEAR, False),
        (FamilyStructure.STEM, False),
        (FamilyStructure.JOINT, False),
        (FamilyStructure.LEFT_BEHIND, True),
        (FamilyStructure.SINGLE_PARENT, True),
        (FamilyStructure.BEREAVED_ONLY_CHILD, True),
        (FamilyStructure.SKIPPED_GENERATION, True),
    ],
)
def test_family_structure(structure, distressed):
    result = family_structure_indicator(household(family_structures=frozenset({structure})))
    assert result.distressed is distressed
    assert result.reason == f"属于{structure.label}。"


def test_family_structure_combination_and_required():
    mixed = household(family_structures={FamilyStructure.STEM, FamilyStructure.LEFT_BEHIND})
    assert family_structure_indicator(mixed).distressed
    with pytest.raises(ValueError):
        household(family_structures=frozenset())


# --- 9 social security, 10 social participation --------------------------------------------------


def test_social_security():
    assert not social_security_indicator(household()).distressed
    assert social_security_indicator(household(has_social_security=False)).distressed


@pytest.mark.parametrize("activities, distressed", [("1", False), ("0.99", True), ("0", True), ("1.5", False)])
def test_social_participation_fewer_than_one(activities, distressed):
    result = social_participation_indicator(household(social_activities_per_person_per_month=Decimal(activities)))
    assert result.distressed is distressed


# --- levels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, level",
    [(0, "low"), (2, "low"), (3, "medium"), (6, "medium"), (7, "high"), (10, "high")],
)
def test_level_boundaries(count, level):
    assert level_for(count) is DistressLevel(level)
    result = assess(household_with_distressed(count))
    assert result.distressed_count == count
    assert result.level is DistressLevel(level)


def test_level_labels_and_goals():
    assert [lv.label for lv in DistressLevel] == ["低", "中", "高"]
    assert "防止困境程度升级" in DistressLevel.LOW.goal
    assert "复原力" in DistressLevel.MEDIUM.goal
    assert "深度个案" in DistressLevel.HIGH.goal
    assert assess(household_with_distressed(7)).goal == DistressLevel.HIGH.goal


def test_level_cut_offs_are_data():
    th = Thresholds(medium_level_min=2, high_level_min=5)
    assert level_for(2, th) is DistressLevel.MEDIUM
    assert level_for(5, th) is DistressLevel.HIGH
    with pytest.raises(ValueError):
        Thresholds(medium_level_min=8, high_level_min=7)


@pytest.mark.parametrize("indicator", list(Indicator))
def test_each_worsening_touches_only_its_indicator(indicator):
    before = assess(household())
    after = assess(WORSEN[indicator](household()))
    assert after.distressed == (indicator,)
    assert before.distressed_count == 0


# --- suggested services --------------------------------------------------------------------------


def test_normal_household_gets_a_visit_only():
    assert assess(household()).suggested_services == ("visit",)


@pytest.mark.parametrize(
    "count, has_volunteer_service", [(2, False), (3, True), (7, True)]
)
def test_medium_and_high_get_the_red_vest_team(count, has_volunteer_service):
    result = assess(household_with_distressed(count))
    assert ("volunteer_service" in result.suggested_services) is has_volunteer_service
    assert result.suggested_services[0] == "visit"


def test_high_level_means_casework():
    result = assess(household_with_distressed(7))
    reason = next(s.reason for s in result.suggestions if s.code == "volunteer_service")
    assert "深度个案" in reason


def test_disabled_member_gets_cleaning_and_errands_when_semi_dependent():
    h = household(
        members=[
            member(disability=Disability(DisabilityKind.PHYSICAL, 2), self_care=SelfCare.SEMI_DEPENDENT),
            member(),
        ]
    )
    services = assess(h).suggested_services
    assert {"visit", "errand", "cleaning"} <= set(services)
    assert "meals" not in services  # not elderly


def test_elderly_living_alone_dispersed_extreme_poverty():
    h = household(
        members=[member(age=78, groups={TargetGroup.EXTREME_POVERTY_DISPERSED}, labour=LabourStatus.NOT_LABOUR_FORCE)],
        monthly_income=Decimal("900"),
        floor_area=Decimal("45"),
    )
    services = assess(h).suggested_services
    assert {"visit", "monitoring", "neighbour_help", "errand", "cleaning"} <= set(services)
    assert services == tuple(c for c in DEFAULT_CATALOGUE.codes if c in services)  # catalogue order


def test_elderly_living_alone_in_minimum_living_gets_no_monitoring():
    h = household(members=[member(age=78, labour=LabourStatus.NOT_LABOUR_FORCE)], monthly_income=900, floor_area=45)
    services = assess(h).suggested_services
    assert "monitoring" not in services  # monitoring is for dispersed 特困 only
    assert "neighbour_help" in services


def test_students_get_charity_grant_suggestion():
    with_pupil = household(members=[member(), member(age=10, schooling=SchoolingStage.PRIMARY, labour=N)])
    assert "charity" in assess(with_pupil).suggested_services
    postgraduate_only = household(members=[member(), member(age=25, schooling=SchoolingStage.POSTGRADUATE)])
    assert "charity" not in assess(postgraduate_only).suggested_services


def test_employment_trouble_gets_referral():
    assert "referral" in assess(WORSEN[Indicator.EMPLOYMENT](household())).suggested_services


def test_institutional_care_for_fully_dependent_elderly_in_minimum_living():
    dependent = household(members=[member(age=82, self_care=SelfCare.DEPENDENT, labour=N), member()])
    semi = household(members=[member(age=82, self_care=SelfCare.SEMI_DEPENDENT, labour=N), member()])
    assert {"institutional_care", "meals", "errand"} <= set(assess(dependent).suggested_services)
    assert "institutional_care" not in assess(semi).suggested_services
    assert "meals" in assess(semi).suggested_services


def test_no_suggestions_for_unregistered_household():
    h = household(members=[member(groups=frozenset()), member(groups=frozenset())])
    assert assess(h).suggested_services == ()


def test_suggestions_read_the_catalogue_given():
    without_visit = Catalogue(tuple(i for i in DEFAULT_CATALOGUE if i.code != "visit"))
    assert assess(household(), catalogue=without_visit).suggested_services == ()


def test_assessment_to_dict_for_the_ledger():
    data = assess(household_with_distressed(3)).to_dict()
    assert data["level"] == "medium" and data["distressed_count"] == 3
    assert set(data["indicators"]) == {i.value for i in Indicator}
    assert data["indicators"]["income"]["distressed"] is True
    assert [s["code"] for s in data["services"]][0] == "visit"


def test_household_validation():
    with pytest.raises(ValueError):
        household(members=[])
    with pytest.raises(ValueError):
        household(monthly_income=-1)
    with pytest.raises(ValueError):
        member(age=-1)
    assert replace(household(), monthly_income=1000).monthly_income == Decimal("1000")
