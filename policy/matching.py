"""Choosing a provider for a service order (系统派单).

A provider qualifies when it is active, offers the item, covers the village, has capacity left
today (``assigned_today < daily_capacity``) and has not already declined or timed out on this
order (``excluded_ids``). Qualified providers are ranked by fewest open orders, then longest
idle (never assigned first, then the oldest ``last_assigned_at``), then lowest id, so the
ranking is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds
from policy.workdays import WorkCalendar


@dataclass(frozen=True)
class ProviderCandidate:
    id: int
    item_codes: frozenset[str]
    village_ids: frozenset[int]
    active: bool
    daily_capacity: int
    assigned_today: int
    open_orders: int
    last_assigned_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "item_codes", frozenset(self.item_codes))
        object.__setattr__(self, "village_ids", frozenset(self.village_ids))

    @property
    def has_capacity(self) -> bool:
        return self.assigned_today < self.daily_capacity

    def qualifies(self, item_code: str, village_id: int, excluded_ids: frozenset[int] = frozenset()) -> bool:
        return (
            self.active
            and item_code in self.item_codes
            and village_id in self.village_ids
            and self.has_capacity
            and self.id not in excluded_ids
        )


def rank_providers(
    candidates: Iterable[ProviderCandidate],
    item_code: str,
    village_id: int,
    excluded_ids: Iterable[int] = (),
) -> list[ProviderCandidate]:
    """Qualified candidates, best first."""
    excluded = frozenset(excluded_ids)
    qualified = [c for c in candidates if c.qualifies(item_code, village_id, excluded)]
    return sorted(qualified, key=rank_key)


def choose_provider(
    candidates: Iterable[ProviderCandidate],
    item_code: str,
    village_id: int,
    excluded_ids: Iterable[int] = (),
) -> ProviderCandidate | None:
    """The best qualified candidate, or ``None`` when nobody can take the order."""
    ranked = rank_providers(candidates, item_code, village_id, excluded_ids)
    return ranked[0] if ranked else None


def offer_deadline(
    offered_at: datetime, work_calendar: WorkCalendar, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> datetime:
    """When an unaccepted offer passes to the next provider: 4 office hours by default."""
    return work_calendar.add_working_hours(
        offered_at,
        thresholds.offer_timeout_working_hours,
        thresholds.office_day_start,
        thresholds.office_day_end,
    )


def offers_exhausted(failed_offers: int, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    """True when K (``max_offers``) offers were declined or timed out: the town takes over."""
    return failed_offers >= thresholds.max_offers


def rank_key(c: ProviderCandidate) -> tuple:
    """The ranking order: fewest open orders, then never assigned, then longest idle, then id.

    (0,) sorts before (1, when): never assigned first. ``models.requests.dispatch`` reads candidates from
    the database in this same order (and checks with this key that it read enough of them).
    """
    idle = (0,) if c.last_assigned_at is None else (1, c.last_assigned_at)
    return (c.open_orders, idle, c.id)
