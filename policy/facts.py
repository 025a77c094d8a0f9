"""Plain facts about a household and its members, as the rules read them.

The database layer builds these from its rows; nothing here knows about tables. Money is in
yuan per month, areas in m²; numbers may be given as ``Decimal``, ``int``, ``float`` or ``str``
and are kept as exact ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from policy.groups import (
    Disability,
    FamilyStructure,
    IllnessKind,
    LabourStatus,
    SchoolingStage,
    SelfCare,
    TargetGroup,
    YouthProblem,
)
from policy.thresholds import as_decimal


@dataclass(frozen=True)
class MemberFacts:
    """One member of a household living together (共同生活家庭成员)."""

    age: int
    groups: frozenset[TargetGroup] = frozenset()
    """The target groups this person belongs to; empty: not (yet) an assisted person."""
    illness: IllnessKind = IllnessKind.NONE
    disability: Disability | None = None
    self_care: SelfCare = SelfCare.INDEPENDENT
    schooling: SchoolingStage = SchoolingStage.NONE
    labour: LabourStatus = LabourStatus.NOT_LABOUR_FORCE

    def __post_init__(self) -> None:
        if isinstance(self.age, bool) or not isinstance(self.age, int) or not 0 <= self.age <= 150:
            raise ValueError(f"age must be an integer 0-150, got {self.age!r}")
        object.__setattr__(self, "groups", frozenset(TargetGroup(g) for g in self.groups))

    @property
    def is_assisted(self) -> bool:
        """社会救助对象: belongs to at least one target group."""
        return bool(self.groups)

    @property
    def is_disabled(self) -> bool:
        return self.disability is not None


@dataclass(frozen=True)
class HouseholdFacts:
    """What annex 2's form records about a household (共同生活家庭)."""

    members: tuple[MemberFacts, ...]
    monthly_income: Decimal
    """Household total income per month (家庭月收入), yuan."""
    monthly_rigid_expenditure: Decimal
    """Rigid expenditure per month (刚性支出: medical, education …), yuan."""
    dwellings: int
    """Number of dwellings (房屋数量: self-built rural houses plus commercial flats)."""
    floor_area: Decimal
    """Total floor area of the household's housing, m²."""
    family_structures: frozenset[FamilyStructure]
    """Every structure that describes the household (annex 2's tick boxes; at least one)."""
    has_social_security: bool
    """Any social insurance, welfare, 优抚安置 or other social security for the household."""
    social_activities_per_person_per_month: Decimal
    youth_problems: frozenset[YouthProblem] = field(default_factory=frozenset)
    """Problems of the household's children or youths; empty: none."""

    def __post_init__(self) -> None:
        members = tuple(self.members)
        if not members:
            raise ValueError("a household has at least one member")
        object.__setattr__(self, "members", members)
        for name in (
            "monthly_income",
            "monthly_rigid_expenditure",
            "floor_area",
            "social_activities_per_person_per_month",
        ):
            value = as_decimal(getattr(self, name))
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
            object.__setattr__(self, name, value)
        if isinstance(self.dwellings, bool) or not isinstance(self.dwellings, int) or self.dwellings < 0:
            raise ValueError(f"dwellings must be a non-negative integer, got {self.dwellings!r}")
        structures = frozenset(FamilyStructure(s) for s in self.family_structures)
        if not structures:
            raise ValueError("family_structures needs at least one structure")
        object.__setattr__(self, "family_structures", structures)
        object.__setattr__(self, "youth_problems", frozenset(YouthProblem(p) for p in self.youth_problems))

    @property
    def size(self) -> int:
        return len(self.members)
