"""May this person receive this catalogue item? (附件3, 服务对象)

``check`` returns ``Eligible`` or ``NotEligible`` with a plain-Chinese reason that says who the
item is for and what to do instead. Who qualifies is read from the item's ``Eligibility`` data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from policy.catalogue import CatalogueItem, Criterion, Eligibility
from policy.facts import MemberFacts
from policy.groups import SelfCare, groups_label
from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds

ASSISTANT_HINT = "联系村（社区）的社会救助协理员"


@dataclass(frozen=True)
class Eligible:
    item_code: str
    basis: str
    """Which criterion the person meets, in Chinese (e.g. "70岁以上老人")."""


@dataclass(frozen=True)
class NotEligible:
    item_code: str
    reason: str
    """Plain Chinese: who the item is for, and what the person can do instead."""


def criterion_matches(criterion: Criterion, member: MemberFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    """True when the member meets every condition of the criterion (and is an assisted person)."""
    if not member.is_assisted:
        return False
    if criterion.groups is not None and not (criterion.groups & member.groups):
        return False
    if member.age < _min_age(criterion, thresholds):
        return False
    if criterion.requires_disability and not member.is_disabled:
        return False
    if criterion.min_self_care_loss is not None and member.self_care.rank < criterion.min_self_care_loss.rank:
        return False
    return True


def check(item: CatalogueItem, member: MemberFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Eligible | NotEligible:
    """Whether ``member`` (with its target groups) may receive ``item``."""
    if not member.is_assisted:
        return NotEligible(
            item.code,
            f"{_service(item)}面向社会救助对象，这位家庭成员还没有登记为救助对象。"
            f"请{ASSISTANT_HINT}，问问能不能申请救助。",
        )
    for criterion in item.eligibility.any_of:
        if criterion_matches(criterion, member, thresholds):
            return Eligible(item.code, describe_criterion(criterion, thresholds))
    return NotEligible(
        item.code,
        f"{_service(item)}面向{describe_audience(item.eligibility, thresholds)}。"
        f"您可以申请探访慰问，或{ASSISTANT_HINT}。",
    )


def is_eligible(item: CatalogueItem, member: MemberFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    return isinstance(check(item, member, thresholds), Eligible)


def eligible_items(
    catalogue: Iterable[CatalogueItem], member: MemberFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[CatalogueItem, ...]:
    """The items ``member`` may receive, in catalogue order."""
    return tuple(item for item in catalogue if is_eligible(item, member, thresholds))


def describe_audience(eligibility: Eligibility, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """Who an item is for, in Chinese: the ``audience`` override or one phrase per criterion."""
    if eligibility.audience:
        return eligibility.audience
    phrases: list[str] = []
    for criterion in eligibility.any_of:
        phrase = describe_criterion(criterion, thresholds)
        if phrase not in phrases:
            phrases.append(phrase)
    return "或".join(phrases)


def describe_criterion(criterion: Criterion, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """E.g. "失能、半失能人员", "70岁以上老人", "低保对象中失能的60岁以上老人", "特困人员"."""
    adjectives: list[str] = []
    if criterion.min_self_care_loss is SelfCare.SEMI_DEPENDENT:
        adjectives.append("失能、半失能")
    elif criterion.min_self_care_loss is SelfCare.DEPENDENT:
        adjectives.append("失能")
    age = _min_age(criterion, thresholds)
    if age > 0:
        noun = f"{age}岁以上{'残疾' if criterion.requires_disability else ''}老人"
    elif criterion.requires_disability:
        noun = "残疾人"
    elif adjectives:
        noun = "人员"
    else:
        noun = ""
    person = ("的".join(adjectives) + ("的" if adjectives and age > 0 else "") + noun) if noun else ""
    if criterion.groups is None:
        return person or "所有社会救助对象"
    group_text = groups_label(criterion.groups)
    return f"{group_text}中{person}" if person else group_text


def _min_age(criterion: Criterion, thresholds: Thresholds) -> int:
    ages = [0]
    if criterion.min_age is not None:
        ages.append(criterion.min_age)
    if criterion.elderly:
        ages.append(thresholds.elderly_age)
    return max(ages)


def _service(item: CatalogueItem) -> str:
    """"帮办代办服务", "看护服务" (not "看护服务服务")."""
    return item.name if item.name.endswith("服务") else f"{item.name}服务"
