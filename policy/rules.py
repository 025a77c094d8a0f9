"""The county's rules as dated values: what each one means, its unit, its allowed range, where
its shipped value comes from, and how a value in force on a day is found.

Pure: no Flask, SQL or Redis. ``RULES`` lists every rule the county edits in the back office
(a field of ``Thresholds`` each). A value is *dated*: it is in force from its ``effective_from``
until a later value of the same rule starts; two values from the same day: the later entry wins.

Where a shipped value comes from (``Origin``):

* ``EXAMPLE``: a placeholder the plan leaves to local figures (the 低保标准, the city's per-capita
  housing area). The back office shows a banner and start-up a warning until the county
  enters or confirms its own figure.
* ``POLICY``: written in the Huoshan plan (60 %, 7 and 3 indicators, visit frequencies, 2 and 1
  working days, 1 %), or a documented default where the plan is silent.
* ``COUNTY``: entered or confirmed by the county.

``ASSESSMENT_KEYS`` are the rules the needs assessment reads; a change to one of them re-assesses
the households, and an assessment records the values of exactly these (its rule set).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any, Iterable, Mapping

from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds

FIRST_DAY = dt.date(2000, 1, 1)
"""The effective date of the shipped values: in force for any day the product counts."""


class Origin(str, Enum):
    EXAMPLE = "example"
    POLICY = "policy"
    COUNTY = "county"

    @property
    def label(self) -> str:
        return {"example": "示例值（未确认）", "policy": "方案规定/默认值", "county": "县民政局确定"}[self.value]


class Group(str, Enum):
    ASSESSMENT = "assessment"
    LEVELS = "levels"
    VISITS = "visits"
    CLOCKS = "clocks"
    DISPATCH = "dispatch"
    BUDGET = "budget"

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]


_GROUP_LABELS = {
    Group.ASSESSMENT: "需求评估指标（附件2）",
    Group.LEVELS: "困境程度分级",
    Group.VISITS: "探访频次（按救助类别）",
    Group.CLOCKS: "审核与转办时限",
    Group.DISPATCH: "派单时限",
    Group.BUDGET: "服务类救助资金",
}


@dataclass(frozen=True)
class Rule:
    key: str
    """The ``Thresholds`` field."""
    label: str
    unit: str
    group: Group
    minimum: Decimal
    maximum: Decimal
    origin: Origin
    note: str = ""
    integer: bool = False
    percent: bool = False
    """Entered and shown as a percentage (60), stored as a share (0.6)."""

    @property
    def shipped(self) -> Any:
        return getattr(DEFAULT_THRESHOLDS, self.key)

    @property
    def assessment(self) -> bool:
        return self.key in ASSESSMENT_KEYS

    @property
    def range_text(self) -> str:
        return f"{_plain(self.minimum)}–{_plain(self.maximum)}"


def _rule(key, label, unit, group, low, high, origin=Origin.POLICY, note="", integer=False, percent=False) -> Rule:
    return Rule(key, label, unit, group, Decimal(str(low)), Decimal(str(high)), origin, note, integer, percent)


_A, _L, _V, _C, _D, _B = Group.ASSESSMENT, Group.LEVELS, Group.VISITS, Group.CLOCKS, Group.DISPATCH, Group.BUDGET

RULES: tuple[Rule, ...] = (
    _rule("minimum_living_standard", "低保标准", "元/人·月", _A, 100, 5000, Origin.EXAMPLE, "家庭人均月收入低于此数，收入指标为困境。请填本县现行城乡低保标准。"),
    _rule("rigid_expenditure_ratio", "刚性支出占家庭收入比例", "%", _A, 10, 100, note="刚性支出超过家庭月收入的这个比例，收入指标为困境（方案：60%）。", percent=True),
    _rule("city_floor_area_per_person", "全市人均住房面积", "平方米", _A, 5, 200, Origin.EXAMPLE, "人均住房面积小于此数，居住指标为困境。请填本市公布的人均住房面积。"),
    _rule("min_dwellings", "住房最少套数", "套", _A, 0, 5, note="住房少于这个套数，居住指标为困境（方案：1套）。", integer=True),
    _rule("member_share", "疾病、残疾、教育、就业指标的人数比例", "%", _A, 10, 90, note="方案中的“50%”。", percent=True),
    _rule("min_social_activities_per_month", "每人每月社会活动最少次数", "次", _A, 0, 30, note="少于此数，社会参与指标为困境（方案：1次）。"),
    _rule("elderly_age", "老年人年龄", "岁", _A, 50, 80, note="服务清单中“老年人”从这个年龄算起。", integer=True),
    _rule("high_level_min", "高度困境：困境指标至少", "项", _L, 1, 10, note="方案：7项及以上。", integer=True),
    _rule("medium_level_min", "中度困境：困境指标至少", "项", _L, 1, 10, note="方案：“6项及以下”与“2项及以下”重叠，默认3项起为中度。", integer=True),
    _rule("visit_months_dispersed", "分散供养特困人员", "个月一次", _V, 1, 12, note="方案：每月一次。", integer=True),
    _rule("visit_months_minimum_living", "低保对象", "个月一次", _V, 1, 12, note="方案：每季度一次。", integer=True),
    _rule("visit_months_other", "其他低收入人口", "个月一次", _V, 1, 12, note="方案：每半年一次。", integer=True),
    _rule("urgent_visit_workdays", "遇突发事件、意外或重病后探访", "个工作日内", _V, 0, 10, note="方案：及时探访，默认1个工作日。", integer=True),
    _rule("review_workdays", "符合条件的申请进入审核", "个工作日内", _C, 1, 30, note="方案：2个工作日。", integer=True),
    _rule("transfer_workdays", "非民政事项转办", "个工作日内", _C, 1, 30, note="方案：1个工作日。", integer=True),
    _rule("county_after_workdays", "逾期后报县民政局", "个工作日后", _C, 1, 30, note="期限过后仍未办结，再过这些工作日报县。", integer=True),
    _rule("offer_timeout_working_hours", "服务机构接单时限", "个工作小时", _D, 0.5, 72, note="超时未接单的，改派下一家。"),
    _rule("max_offers", "改派次数上限", "次", _D, 1, 10, note="拒单或超时达到这个次数，转乡镇A岗人工派单。", integer=True),
    _rule("town_b_after_working_hours", "A岗未处理转B岗", "个工作小时后", _D, 0.5, 72, note="乡镇A岗在这段工作时间内未处理，同时通知B岗。"),
    _rule("budget_cap_ratio", "服务类救助采购上限", "% 年度社会救助资金", _B, 0.1, 10, note="方案：原则上不超过1%。", percent=True),
    _rule("budget_warn_ratio", "预算预警线", "% 上限", _B, 10, 100, note="采购达到上限的这个比例时提醒县民政局。", percent=True),
)
"""Every rule the county edits, in the page's order."""

BY_KEY = {rule.key: rule for rule in RULES}

ASSESSMENT_KEYS = (
    "minimum_living_standard",
    "rigid_expenditure_ratio",
    "city_floor_area_per_person",
    "min_dwellings",
    "member_share",
    "min_social_activities_per_month",
    "elderly_age",
    "high_level_min",
    "medium_level_min",
)
"""The rules an assessment reads (its rule set)."""


class RuleError(ValueError):
    """A value the county typed cannot be used; the message says why, in Chinese."""


_UNIT = re.compile(r"(?<=[0-9.])[%\u4e00-\u9fff/·㎡\s]+$")
"""A unit typed after the number (元, %, 平方米, 个工作日 …)."""
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋，　", "0123456789.-+, ")


def parse(rule: Rule, text: str) -> Any:
    """The value typed for ``rule`` (percentages as shown: 60 for 60 %), checked against its range."""
    raw = _UNIT.sub("", (text or "").translate(_FULL_WIDTH).replace(",", "").strip())
    if not raw:
        raise RuleError(f"“{rule.label}”不能为空。")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise RuleError(f"“{rule.label}”请填数字，现在是“{text.strip()}”。") from None
    if not number.is_finite():
        raise RuleError(f"“{rule.label}”请填数字。")
    if rule.integer and number != number.to_integral_value():
        raise RuleError(f"“{rule.label}”请填整数，现在是“{text.strip()}”。")
    if not rule.minimum <= number <= rule.maximum:
        raise RuleError(f"“{rule.label}”应在{_plain(rule.minimum)}到{_plain(rule.maximum)}{rule.unit}之间，现在是{_plain(number)}。")
    if rule.integer:
        return int(number)
    if rule.percent:
        return (number / 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
    if isinstance(rule.shipped, float):
        return float(number)
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()


def shown(rule: Rule, value: Any) -> str:
    """The value as the page shows it (percentages as 60, money as 780)."""
    if rule.percent:
        return _plain(Decimal(str(value)) * 100)
    return _plain(Decimal(str(value)))


def described(rule: Rule, value: Any) -> str:
    """``低保标准 780 元/人·月``."""
    return f"{rule.label}{shown(rule, value)}{rule.unit}"


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def stored(value: Any) -> Any:
    """JSON-ready: decimals as strings."""
    return str(value) if isinstance(value, Decimal) else value


def loaded(rule: Rule, value: Any) -> Any:
    shipped = rule.shipped
    if isinstance(shipped, Decimal):
        return Decimal(str(value))
    if isinstance(shipped, float):
        return float(value)
    return int(value)


# --- values in force ------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedValue:
    id: int
    key: str
    value: Any
    effective_from: dt.date
    origin: Origin


def in_force(values: Iterable[DatedValue], day: dt.date) -> dict[str, DatedValue]:
    """Each rule's value in force on ``day``: the latest ``effective_from`` on or before it (a
    later entry wins a tie). Rules with no such value are left out (the shipped value holds)."""
    found: dict[str, DatedValue] = {}
    for value in values:
        if value.effective_from > day or value.key not in BY_KEY:
            continue
        best = found.get(value.key)
        if best is None or (value.effective_from, value.id) > (best.effective_from, best.id):
            found[value.key] = value
    return found


def upcoming(values: Iterable[DatedValue], day: dt.date) -> list[DatedValue]:
    """Values that start after ``day``, soonest first."""
    return sorted((v for v in values if v.effective_from > day), key=lambda v: (v.effective_from, v.id))


def thresholds_from(values: Mapping[str, Any], base: Thresholds = DEFAULT_THRESHOLDS) -> Thresholds:
    """``base`` with ``values`` (rule key -> value) in place; a combination the rules cannot
    work with (medium above high, say) raises ``RuleError``."""
    try:
        return base.with_changes(**{key: loaded(BY_KEY[key], value) for key, value in values.items()})
    except ValueError as exc:
        raise RuleError(_consistency_message(str(exc))) from None


def _consistency_message(error: str) -> str:
    if "medium_level_min" in error:
        return "中度困境的起点不能多于高度困境的起点。"
    if "budget" in error:
        return "预算比例应大于0、不超过100%。"
    return "这组数值互相矛盾，无法使用。"


def assessment_values(thresholds: Thresholds) -> dict[str, Any]:
    """The rule set of an assessment: the values of ``ASSESSMENT_KEYS``, JSON-ready."""
    return {key: stored(getattr(thresholds, key)) for key in ASSESSMENT_KEYS}


def fingerprint(values: Mapping[str, Any]) -> str:
    """One rule set, one fingerprint: the same values give the same one."""
    canonical = {key: shown(BY_KEY[key], values[key]) for key in sorted(values)}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def summary(values: Mapping[str, Any]) -> str:
    """``低保标准780元/人·月，全市人均住房面积40平方米，…`` for a rule set's assessment values."""
    return "，".join(described(BY_KEY[key], values[key]) for key in ASSESSMENT_KEYS if key in values)
