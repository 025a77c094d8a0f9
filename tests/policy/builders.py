"""Small builders for test facts: a baseline household where every indicator is normal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Callable

from policy.assessment import Indicator
from policy.facts import HouseholdFacts, MemberFacts
from policy.groups import (
    Disability,
    DisabilityKind,
    FamilyStructure,
    IllnessKind,
    LabourStatus,
    SchoolingStage,
    TargetGroup,
    YouthProblem,
)
from policy.workdays import calendar_from_chinese_calendar

CALENDAR = calendar_from_chinese_calendar(range(2023, 2028))
"""Official data for 2023-2026; 2027 is unknown to chinese_calendar 1.11 and is skipped."""


def member(age: int = 40, **kw) -> MemberFacts:
    kw.setdefault("groups", frozenset({TargetGroup.MINIMUM_LIVING}))
    kw.setdefault("labour", LabourStatus.EMPLOYED)
    return MemberFacts(age=age, **kw)


def household(members=None, **kw) -> HouseholdFacts:
    """Two working adults, 2,000 yuan each a month, 50 m² each: every indicator normal."""
    kw.setdefault("monthly_income", Decimal("4000"))
    kw.setdefault("monthly_rigid_expenditure", Decimal("0"))
    kw.setdefault("dwellings", 1)
    kw.setdefault("floor_area", Decimal("100"))
    kw.setdefault("family_structures", frozenset({FamilyStructure.NUCLEAR}))
    kw.setdefault("has_social_security", True)
    kw.setdefault("social_activities_per_person_per_month", Decimal("2"))
    return HouseholdFacts(members=tuple(members) if members is not None else (member(), member()), **kw)


def with_members(h: HouseholdFacts, change: Callable[[MemberFacts], MemberFacts], count: int | None = None) -> HouseholdFacts:
    """Apply ``change`` to the first ``count`` members (all if None)."""
    n = len(h.members) if count is None else count
    return replace(h, members=tuple(change(m) if i < n else m for i, m in enumerate(h.members)))


WORSEN: dict[Indicator, Callable[[HouseholdFacts], HouseholdFacts]] = {
    Indicator.INCOME: lambda h: replace(h, monthly_income=Decimal("0")),
    Indicator.HOUSING: lambda h: replace(h, dwellings=0),
    Indicator.ILLNESS: lambda h: with_members(h, lambda m: replace(m, illness=IllnessKind.MAJOR), 1),
    Indicator.DISABILITY: lambda h: with_members(
        h, lambda m: replace(m, disability=Disability(DisabilityKind.PHYSICAL, 1)), 1
    ),
    Indicator.EDUCATION: lambda h: with_members(h, lambda m: replace(m, schooling=SchoolingStage.UNIVERSITY), 1),
    Indicator.EMPLOYMENT: lambda h: with_members(h, lambda m: replace(m, labour=LabourStatus.NOT_LABOUR_FORCE)),
    Indicator.CHILDREN_YOUTH: lambda h: replace(h, youth_problems=h.youth_problems | {YouthProblem.CHILD_DROPOUT}),
    Indicator.FAMILY_STRUCTURE: lambda h: replace(
        h, family_structures=h.family_structures | {FamilyStructure.LEFT_BEHIND}
    ),
    Indicator.SOCIAL_SECURITY: lambda h: replace(h, has_social_security=False),
    Indicator.SOCIAL_PARTICIPATION: lambda h: replace(h, social_activities_per_person_per_month=Decimal("0")),
}
"""For each indicator, a change that makes it distressed and touches no other indicator."""


def household_with_distressed(count: int) -> HouseholdFacts:
    """The baseline household with the first ``count`` indicators (annex order) distressed."""
    h = household()
    for indicator in list(Indicator)[:count]:
        h = WORSEN[indicator](h)
    return h


def d(text: str) -> date:
    return date.fromisoformat(text)
