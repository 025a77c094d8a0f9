"""Needs assessment (需求评估, 附件2): 6 dimensions, 10 distress indicators, the distress level.

Each indicator function takes ``HouseholdFacts`` and ``Thresholds`` and returns an
``IndicatorResult`` with a plain-Chinese reason. The comparisons follow annex 2 exactly:

====================  ===========================================================================
income                per-capita monthly income < 低保标准, or rigid expenditure > 60 % of income
housing               dwellings < 1, or per-capita floor area < the city average
illness               ill members > 50 %, or anyone with a major/mental/rare/infectious disease
disability            disabled members > 50 %, or anyone severely (grade 1-2) disabled or with a
                      grade-3 intellectual/mental disability
education             members in education > 50 %, or any student outside compulsory education
employment            labour force < 50 % of members, or (unemployed + not working to care for
                      others) >= 50 % of the labour force
children_youth        any child or youth problem recorded
family_structure      left-behind, single-parent, bereaved of only child, or skipped-generation
social_security       no social security of any kind
social_participation  fewer than 1 social activity per person per month
====================  ===========================================================================

``assess`` adds the level (high >= 7, medium >= 3, else low, from ``Thresholds``), the service
goal for that level, and suggested catalogue items.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import Enum
from typing import Any, Callable

from policy.catalogue import DEFAULT_CATALOGUE, Catalogue, ItemCode
from policy.eligibility import Eligible, check
from policy.facts import HouseholdFacts, MemberFacts
from policy.groups import (
    FamilyStructure,
    IllnessKind,
    SchoolingStage,
    SelfCare,
    YouthProblem,
)
from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "Assessment",
    "Dimension",
    "DistressLevel",
    "HouseholdFacts",
    "Indicator",
    "IndicatorResult",
    "MemberFacts",
    "Suggestion",
    "assess",
    "children_youth_indicator",
    "disability_indicator",
    "education_indicator",
    "employment_indicator",
    "evaluate",
    "family_structure_indicator",
    "housing_indicator",
    "illness_indicator",
    "income_indicator",
    "level_for",
    "social_participation_indicator",
    "social_security_indicator",
    "suggest_services",
]


class Dimension(str, Enum):
    MATERIAL = "material"
    HEALTH = "health"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    FAMILY_CARE = "family_care"
    SOCIAL_SUPPORT = "social_support"

    @property
    def label(self) -> str:
        return _DIMENSION_LABELS[self]


_DIMENSION_LABELS = {
    Dimension.MATERIAL: "物质",
    Dimension.HEALTH: "健康",
    Dimension.EDUCATION: "教育",
    Dimension.EMPLOYMENT: "就业",
    Dimension.FAMILY_CARE: "家庭照顾",
    Dimension.SOCIAL_SUPPORT: "社会支持",
}


class Indicator(str, Enum):
    """The 10 distress indicators, in annex 2's order."""

    INCOME = "income"
    HOUSING = "housing"
    ILLNESS = "illness"
    DISABILITY = "disability"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    CHILDREN_YOUTH = "children_youth"
    FAMILY_STRUCTURE = "family_structure"
    SOCIAL_SECURITY = "social_security"
    SOCIAL_PARTICIPATION = "social_participation"

    @property
    def label(self) -> str:
        return _INDICATOR_INFO[self][0]

    @property
    def dimension(self) -> Dimension:
        return _INDICATOR_INFO[self][1]


_INDICATOR_INFO = {
    Indicator.INCOME: ("收入", Dimension.MATERIAL),
    Indicator.HOUSING: ("居住", Dimension.MATERIAL),
    Indicator.ILLNESS: ("疾病", Dimension.HEALTH),
    Indicator.DISABILITY: ("残疾", Dimension.HEALTH),
    Indicator.EDUCATION: ("教育", Dimension.EDUCATION),
    Indicator.EMPLOYMENT: ("就业", Dimension.EMPLOYMENT),
    Indicator.CHILDREN_YOUTH: ("儿童青少年", Dimension.FAMILY_CARE),
    Indicator.FAMILY_STRUCTURE: ("家庭结构", Dimension.FAMILY_CARE),
    Indicator.SOCIAL_SECURITY: ("社会保障", Dimension.SOCIAL_SUPPORT),
    Indicator.SOCIAL_PARTICIPATION: ("社会参与", Dimension.SOCIAL_SUPPORT),
}


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    distressed: bool
    reason: str

    @property
    def conclusion(self) -> str:
        """评估结论: 困境 or 正常."""
        return "困境" if self.distressed else "正常"


class DistressLevel(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return {"low": "低", "medium": "中", "high": "高"}[self.value]

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]

    @property
    def goal(self) -> str:
        """The service goal for the level (实施方案 二(一)2)."""
        return _GOALS[self]


_GOALS = {
    DistressLevel.LOW: "满足家庭的基本需求，防止困境程度升级。",
    DistressLevel.MEDIUM: "帮助支持和发展提升，挖掘和激发家庭复原力。",
    DistressLevel.HIGH: "降低家庭风险，由社会工作者开展深度个案服务，避免意外事件发生。",
}


def level_for(distressed_count: int, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> DistressLevel:
    """High from ``high_level_min`` (7), medium from ``medium_level_min`` (3), else low."""
    if distressed_count >= thresholds.high_level_min:
        return DistressLevel.HIGH
    if distressed_count >= thresholds.medium_level_min:
        return DistressLevel.MEDIUM
    return DistressLevel.LOW


# --- the 10 indicators ------------------------------------------------------------------------


def income_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    standard = thresholds.minimum_living_standard
    income = facts.monthly_income
    rigid = facts.monthly_rigid_expenditure
    low_income = income < standard * facts.size
    limit = income * thresholds.rigid_expenditure_ratio
    high_rigid = rigid > limit
    income_part = (
        f"家庭人均月收入{_amount(income / facts.size)}元，"
        f"{'低于' if low_income else '不低于'}低保标准{_amount(standard)}元"
    )
    ratio = _percent(thresholds.rigid_expenditure_ratio)
    if income == 0:
        rigid_part = f"家庭没有收入，刚性支出每月{_amount(rigid)}元" if high_rigid else "没有刚性支出"
    else:
        rigid_part = (
            f"刚性支出每月{_amount(rigid)}元，{'超过' if high_rigid else '没有超过'}"
            f"家庭月收入的{ratio}（{_amount(limit)}元）"
        )
    return _result(Indicator.INCOME, [(low_income, income_part), (high_rigid, rigid_part)])


def housing_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    average = thresholds.city_floor_area_per_person
    no_home = facts.dwellings < thresholds.min_dwellings
    small = facts.floor_area < average * facts.size
    if facts.dwellings == 0:
        home_part = "家里没有自己的住房"
    else:
        home_part = f"家里有住房{facts.dwellings}套" + (f"，少于{thresholds.min_dwellings}套" if no_home else "")
    area_part = (
        f"人均住房面积{_amount(facts.floor_area / facts.size)}平方米，"
        f"{'小于' if small else '不小于'}全市人均{_amount(average)}平方米"
    )
    return _result(Indicator.HOUSING, [(no_home, home_part), (small, area_part)])


def illness_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    n = facts.size
    ill = sum(1 for m in facts.members if m.illness.is_ill)
    many = ill > thresholds.member_share * n
    serious = [k for k in IllnessKind if k.is_serious and any(m.illness is k for m in facts.members)]
    half = _share_word(thresholds.member_share)
    if ill == 0:
        count_part = "家里没有人患病"
    else:
        count_part = f"全家{n}人中有{ill}人患病，{'超过' if many else '没有超过'}{half}"
    serious_part = (
        f"家里有人患{'、'.join(k.label for k in serious)}"
        if serious
        else ("没有人患重大疾病、精神疾病、罕见病或传染病" if ill else "")
    )
    return _result(Indicator.ILLNESS, [(many, count_part), (bool(serious), serious_part)])


def disability_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    n = facts.size
    disabled = [m.disability for m in facts.members if m.disability is not None]
    many = len(disabled) > thresholds.member_share * n
    serious = [d for d in disabled if d.counts_as_serious]
    half = _share_word(thresholds.member_share)
    if not disabled:
        count_part = "家里没有残疾人"
    else:
        count_part = f"全家{n}人中有{len(disabled)}个残疾人，{'超过' if many else '没有超过'}{half}"
    serious_part = (
        f"家里有重度残疾或三级智力、精神残疾的人（{'、'.join(d.label for d in serious)}）"
        if serious
        else ("没有重度残疾或三级智力、精神残疾的人" if disabled else "")
    )
    return _result(Indicator.DISABILITY, [(many, count_part), (bool(serious), serious_part)])


def education_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    n = facts.size
    students = [m.schooling for m in facts.members if m.schooling.in_education]
    many = len(students) > thresholds.member_share * n
    outside = [s for s in SchoolingStage if s.outside_compulsory and s in students]
    half = _share_word(thresholds.member_share)
    if not students:
        count_part = "家里没有人在上学"
    else:
        count_part = f"全家{n}人中有{len(students)}人在上学，{'超过' if many else '没有超过'}{half}"
    stage_part = (
        f"家里有非义务教育阶段的学生（{'、'.join(s.label for s in outside)}）"
        if outside
        else ("没有非义务教育阶段的学生" if students else "")
    )
    return _result(Indicator.EDUCATION, [(many, count_part), (bool(outside), stage_part)])


def employment_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    n = facts.size
    share = thresholds.member_share
    labour = [m.labour for m in facts.members if m.labour.in_labour_force]
    idle = sum(1 for s in labour if s.counts_as_not_working)
    few = len(labour) < share * n
    many_idle = bool(labour) and idle >= share * len(labour)
    half = _share_word(share)
    if not labour:
        labour_part = "家里没有劳动力"
    else:
        labour_part = f"全家{n}人中有{len(labour)}个劳动力，{'不到' if few else '达到'}{half}"
    if not labour:
        idle_part = ""
    elif idle == 0:
        idle_part = "没有人失业或因照料家人不能就业"
    else:
        idle_part = (
            f"{len(labour)}个劳动力中有{idle}人失业或因照料重病、重残家人或婴幼儿不能就业，"
            f"{'达到' if many_idle else '不到'}{half}"
        )
    return _result(Indicator.EMPLOYMENT, [(few, labour_part), (many_idle, idle_part)])


def children_youth_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    problems = [p for p in YouthProblem if p in facts.youth_problems]
    if problems:
        return IndicatorResult(
            Indicator.CHILDREN_YOUTH, True, f"家里的儿童或青少年有这些问题：{'、'.join(p.label for p in problems)}。"
        )
    return IndicatorResult(
        Indicator.CHILDREN_YOUTH,
        False,
        "家里的儿童、青少年没有健康、辍学、被侵害、心理、权益受损或行为不良等问题。",
    )


def family_structure_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    structures = [s for s in FamilyStructure if s in facts.family_structures]
    distressed = [s for s in structures if s.is_distressed]
    if distressed:
        return IndicatorResult(
            Indicator.FAMILY_STRUCTURE, True, f"属于{'、'.join(s.label for s in distressed)}。"
        )
    return IndicatorResult(Indicator.FAMILY_STRUCTURE, False, f"属于{'、'.join(s.label for s in structures)}。")


def social_security_indicator(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> IndicatorResult:
    if facts.has_social_security:
        return IndicatorResult(Indicator.SOCIAL_SECURITY, False, "家庭获得了社会保障。")
    return IndicatorResult(
        Indicator.SOCIAL_SECURITY, True, "家庭没有获得任何社会保障（社会保险、社会福利、优抚安置等）。"
    )


def social_participation_indicator(
    facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> IndicatorResult:
    minimum = thresholds.min_social_activities_per_month
    count = facts.social_activities_per_person_per_month
    few = count < minimum
    text = f"每人每月参加社会活动{_amount(count)}次，{'少于' if few else '不少于'}{_amount(minimum)}次"
    if few:
        text += "，长期不参加社会活动"
    return IndicatorResult(Indicator.SOCIAL_PARTICIPATION, few, text + "。")


INDICATOR_RULES: dict[Indicator, Callable[[HouseholdFacts, Thresholds], IndicatorResult]] = {
    Indicator.INCOME: income_indicator,
    Indicator.HOUSING: housing_indicator,
    Indicator.ILLNESS: illness_indicator,
    Indicator.DISABILITY: disability_indicator,
    Indicator.EDUCATION: education_indicator,
    Indicator.EMPLOYMENT: employment_indicator,
    Indicator.CHILDREN_YOUTH: children_youth_indicator,
    Indicator.FAMILY_STRUCTURE: family_structure_indicator,
    Indicator.SOCIAL_SECURITY: social_security_indicator,
    Indicator.SOCIAL_PARTICIPATION: social_participation_indicator,
}
"""Indicator -> rule, in annex 2's order."""


def evaluate(facts: HouseholdFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[IndicatorResult, ...]:
    """The 10 indicator results in annex 2's order."""
    return tuple(rule(facts, thresholds) for rule in INDICATOR_RULES.values())


# --- suggestions and the whole assessment -----------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A catalogue item the household's situation calls for, and why (for the needs ledger)."""

    code: str
    reason: str


@dataclass(frozen=True)
class Assessment:
    results: tuple[IndicatorResult, ...]
    level: DistressLevel
    suggestions: tuple[Suggestion, ...]

    @property
    def distressed_count(self) -> int:
        return sum(1 for r in self.results if r.distressed)

    @property
    def distressed(self) -> tuple[Indicator, ...]:
        return tuple(r.indicator for r in self.results if r.distressed)

    @property
    def goal(self) -> str:
        return self.level.goal

    @property
    def suggested_services(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.suggestions)

    def result(self, indicator: Indicator) -> IndicatorResult:
        for r in self.results:
            if r.indicator is indicator:
                return r
        raise KeyError(indicator)

    def to_dict(self) -> dict[str, Any]:
        """For the needs ledger (需求台账): indicators, level, needed services."""
        return {
            "indicators": {r.indicator.value: {"distressed": r.distressed, "reason": r.reason} for r in self.results},
            "distressed_count": self.distressed_count,
            "level": self.level.value,
            "goal": self.goal,
            "services": [{"code": s.code, "reason": s.reason} for s in self.suggestions],
        }


def assess(
    facts: HouseholdFacts,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
) -> Assessment:
    results = evaluate(facts, thresholds)
    level = level_for(sum(1 for r in results if r.distressed), thresholds)
    return Assessment(results, level, suggest_services(facts, results, level, thresholds, catalogue))


_GRANT_STAGES = frozenset(
    {
        SchoolingStage.PRIMARY,
        SchoolingStage.JUNIOR,
        SchoolingStage.HIGH_SCHOOL,
        SchoolingStage.VOCATIONAL,
        SchoolingStage.UNIVERSITY,
    }
)
"""Stages the charity's 暖心助学 grant covers (义务教育、高中阶段、大学)."""


def suggest_services(
    facts: HouseholdFacts,
    results: tuple[IndicatorResult, ...],
    level: DistressLevel,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
) -> tuple[Suggestion, ...]:
    """Catalogue items the level and the household's situation call for, in catalogue order.

    A situation proposes an item; the item is kept only if it is in ``catalogue`` and at least
    one member (the one the situation is about, where it is about a member) may receive it:

    * visit: always (every assisted household is visited);
    * volunteer_service: medium level (family support) and high level (intensive casework);
    * referral: employment or children & youth indicator distressed;
    * charity: a student at a stage 暖心助学 covers (compulsory, high school/vocational, university);
    * errand, meals: any member who qualifies for them (失能/半失能, aged 70+, …);
    * cleaning: a disabled member, or an elderly member who has lost self-care or lives alone;
    * institutional_care: a fully dependent (失能) member who qualifies;
    * daily_care: a 特困 member who has lost self-care or has a serious illness;
    * neighbour_help: an elderly person living alone, or a member who has lost self-care in a
      household without a labour-force member;
    * monitoring: a dispersed 特困 member who is elderly, lives alone or has lost self-care.
    """
    distressed = {r.indicator for r in results if r.distressed}
    alone = facts.size == 1
    no_carer = not any(m.labour.in_labour_force for m in facts.members)

    def elderly(m: MemberFacts) -> bool:
        return m.age >= thresholds.elderly_age

    def dependent(m: MemberFacts) -> bool:
        return m.self_care is not SelfCare.INDEPENDENT

    proposals: dict[str, tuple[Callable[[MemberFacts], bool], str]] = {}

    def propose(code: str, applies: Callable[[MemberFacts], bool], reason: str) -> None:
        proposals.setdefault(code, (applies, reason))

    def anyone(_: MemberFacts) -> bool:
        return True

    propose(ItemCode.VISIT.value, anyone, "定期探访慰问，了解家庭近况。")
    if level is DistressLevel.HIGH:
        propose(ItemCode.VOLUNTEER_SERVICE.value, anyone, "高度困境：由社会工作者开展深度个案服务，一户一档一方案。")
    elif level is DistressLevel.MEDIUM:
        propose(ItemCode.VOLUNTEER_SERVICE.value, anyone, "中度困境：由“红马夹”帮扶队支持家庭，激发家庭复原力。")
    if Indicator.EMPLOYMENT in distressed or Indicator.CHILDREN_YOUTH in distressed:
        propose(ItemCode.REFERRAL.value, anyone, "就业或儿童青少年方面有困难，可转介人社、教育、妇联等部门。")
    if any(m.schooling in _GRANT_STAGES for m in facts.members):
        propose(ItemCode.CHARITY.value, anyone, "家里有在读学生，可申请“慈善暖心助学”。")
    propose(ItemCode.ERRAND.value, anyone, "")
    propose(ItemCode.MEALS.value, anyone, "")
    propose(
        ItemCode.CLEANING.value,
        lambda m: m.is_disabled or (elderly(m) and (dependent(m) or alone)),
        "",
    )
    propose(ItemCode.INSTITUTIONAL_CARE.value, lambda m: m.self_care is SelfCare.DEPENDENT, "")
    propose(ItemCode.DAILY_CARE.value, lambda m: dependent(m) or m.illness.is_serious, "")
    if alone or no_carer:
        propose(
            ItemCode.NEIGHBOUR_HELP.value,
            lambda m: (alone and elderly(m)) or (no_carer and dependent(m)),
            "独居老人或失能成员身边缺少照顾，可安排邻里互助。",
        )
    propose(ItemCode.MONITORING.value, lambda m: elderly(m) or alone or dependent(m), "")

    suggestions: list[Suggestion] = []
    for item in catalogue:
        if item.code not in proposals:
            continue
        applies, reason = proposals[item.code]
        for member in facts.members:
            if not applies(member):
                continue
            outcome = check(item, member, thresholds)
            if isinstance(outcome, Eligible):
                suggestions.append(Suggestion(item.code, reason or f"家里有{outcome.basis}，可申请{item.name}。"))
                break
    return tuple(suggestions)


# --- text helpers -----------------------------------------------------------------------------


def _result(indicator: Indicator, parts: list[tuple[bool, str]]) -> IndicatorResult:
    """Distressed if any part is; the reason names the distressed parts, or all parts if none."""
    hits = [text for hit, text in parts if hit and text]
    if hits:
        return IndicatorResult(indicator, True, "；".join(hits) + "。")
    return IndicatorResult(indicator, False, "；".join(text for _, text in parts if text) + "。")


def _amount(value: Decimal) -> str:
    """Rounded DOWN to 2 decimals, so a shown figure never crosses the threshold it is compared with."""
    q = value.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    text = format(q, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _percent(share: Decimal) -> str:
    return f"{_amount(share * 100)}%"


def _share_word(share: Decimal) -> str:
    return "一半" if share == Decimal("0.5") else _percent(share)
