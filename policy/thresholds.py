"""Policy thresholds as data.

Every number a rule in ``policy`` compares against lives in one frozen ``Thresholds``
object. The defaults below come from the Huoshan plan (霍山县服务类社会救助试点工作实施方案)
unless a comment says they are a placeholder; the county can store its own values (see
``to_dict``/``from_dict``) and pass them to the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import time
from decimal import Decimal
from typing import Any, Mapping


def as_decimal(value: Decimal | int | float | str) -> Decimal:
    """Exact decimal from money, area or ratio input; a float is read as it prints (0.6 -> 0.6)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number here")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value)
    raise TypeError(f"not a number: {value!r}")


@dataclass(frozen=True)
class Thresholds:
    # --- needs assessment (附件2) -------------------------------------------------------------
    minimum_living_standard: Decimal = Decimal("780")
    """低保标准, yuan per person per month. 780 is a placeholder: set the county's current figure."""

    rigid_expenditure_ratio: Decimal = Decimal("0.6")
    """Income indicator: distressed when rigid expenditure is MORE than this share of income."""

    city_floor_area_per_person: Decimal = Decimal("40")
    """全市人均住房面积 in m². 40 is a placeholder: set the city's published figure."""

    min_dwellings: int = 1
    """Housing indicator: distressed when the household has FEWER dwellings than this."""

    member_share: Decimal = Decimal("0.5")
    """The "50 %" of the illness, disability, education and employment indicators."""

    min_social_activities_per_month: Decimal = Decimal("1")
    """Social participation: distressed when activities per person per month are FEWER."""

    high_level_min: int = 7
    """困境程度 high: this many distressed indicators or more."""

    medium_level_min: int = 3
    """困境程度 medium: this many or more (and below ``high_level_min``); fewer is low.

    The plan says medium is "6 or fewer" and low "2 or fewer", which overlap; 3 is the default split.
    """

    # --- who counts as elderly (附件3) ---------------------------------------------------------
    elderly_age: int = 60
    """Age from which a person counts as 老年人 for catalogue items that name the elderly."""

    # --- visits (附件3, 探访慰问) --------------------------------------------------------------
    visit_months_dispersed: int = 1
    """分散供养特困人员: one visit a month."""

    visit_months_minimum_living: int = 3
    """低保对象: one visit a quarter."""

    visit_months_other: int = 6
    """Other low-income people (and town extensions): one visit every half year."""

    urgent_visit_workdays: int = 1
    """After an emergency, accident or serious illness: visit within this many working days."""

    # --- service windows (实施方案 二(四)2) -----------------------------------------------------
    review_workdays: int = 2
    """An eligible application enters review within this many working days."""

    transfer_workdays: int = 1
    """A matter for another department is transferred within this many working days."""

    offer_timeout_working_hours: float = 4.0
    """A provider that has not accepted an order within these office hours loses it."""

    max_offers: int = 3
    """K: after this many offers declined or timed out, a request goes to the town's A post."""

    town_b_after_working_hours: float = 4.0
    """An escalated request the A post has not taken up within these office hours also goes to
    the B post (at once when the town has no active A post)."""

    county_after_workdays: int = 1
    """A referral or lead still open this many working days after its deadline goes to the
    county (the chain: half-time warning to the village, the town at the deadline, then this)."""

    visit_schedule_days: int = 31
    """A routine visit is put on the volunteer's list this many days before it is due."""

    visit_remind_days_before: int = 3
    """The volunteer is reminded this many calendar days before a visit is due."""

    visit_escalate_workdays: int = 2
    """A visit overdue by this many working days goes to the village secretary."""

    office_day_start: time = time(8, 30)
    """Start of office hours, for working-hour clocks."""

    office_day_end: time = time(17, 30)
    """End of office hours, for working-hour clocks."""

    # --- village stations and assistants (实施方案 二(四)3) -------------------------------------
    station_min_long_term_recipients: int = 50
    """A village with this many long-term recipients or more (50人以上, inclusive) has a station."""

    residents_per_assistant: int = 3000
    """One 协理员 per this many registered residents (3000人以上, inclusive)."""

    max_assistants_per_village: int = 3
    """At most this many 协理员 per village."""

    min_assistants_per_village: int = 0
    """Assistants for a populated village below ``residents_per_assistant``.

    The plan only requires one from 3,000 residents; a town that wants one everywhere sets 1.
    """

    # --- money (实施方案 二(五)1) -------------------------------------------------------------
    budget_cap_ratio: Decimal = Decimal("0.01")
    """Share of the year's social-assistance funds that may buy services (原则上不超过1%)."""

    budget_warn_ratio: Decimal = Decimal("0.8")
    """Share of the cap from which the county is warned."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(f.default, Decimal):
                object.__setattr__(self, f.name, as_decimal(value))
            elif isinstance(f.default, bool) or isinstance(value, bool):
                raise TypeError(f"{f.name}: expected a number, got {value!r}")
            elif isinstance(f.default, float):
                object.__setattr__(self, f.name, float(value))
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float, Decimal)) and value < 0:
                raise ValueError(f"{f.name} must not be negative, got {value}")
        if not 0 < self.medium_level_min <= self.high_level_min:
            raise ValueError("need 0 < medium_level_min <= high_level_min")
        if self.residents_per_assistant <= 0:
            raise ValueError("residents_per_assistant must be positive")
        if min(self.visit_months_dispersed, self.visit_months_minimum_living, self.visit_months_other) < 1:
            raise ValueError("visit intervals must be at least one month")
        if self.max_offers < 1:
            raise ValueError("max_offers must be at least 1")
        if not 0 < self.budget_cap_ratio <= 1 or not 0 < self.budget_warn_ratio <= 1:
            raise ValueError("budget ratios must be in (0, 1]")
        if self.office_day_start >= self.office_day_end:
            raise ValueError("office_day_start must be before office_day_end")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: decimals as strings, times as "HH:MM"."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Decimal):
                out[f.name] = str(value)
            elif isinstance(value, time):
                out[f.name] = value.strftime("%H:%M")
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Thresholds":
        """Read back ``to_dict`` output; missing keys keep their defaults, unknown keys are refused."""
        known = {f.name: f for f in fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown thresholds: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            default = known[name].default
            if isinstance(default, time) and isinstance(value, str):
                value = time.fromisoformat(value)
            values[name] = value
        return cls(**values)

    def with_changes(self, **changes: Any) -> "Thresholds":
        return replace(self, **changes)


DEFAULT_THRESHOLDS = Thresholds()
"""The defaults above; pass your own ``Thresholds`` where the county's figures differ."""
