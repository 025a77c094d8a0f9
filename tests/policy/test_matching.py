"""Provider ranking for dispatch."""

import random
from datetime import datetime

from policy.catalogue import ItemCode
from policy.matching import ProviderCandidate, choose_provider, offer_deadline, rank_providers

from .builders import CALENDAR


def provider(id, **kw):
    kw.setdefault("item_codes", frozenset({"errand", "visit"}))
    kw.setdefault("village_ids", frozenset({7}))
    kw.setdefault("active", True)
    kw.setdefault("daily_capacity", 5)
    kw.setdefault("assigned_today", 0)
    kw.setdefault("open_orders", 0)
    return ProviderCandidate(id=id, **kw)


def ids(ranked):
    return [p.id for p in ranked]


def test_filters():
    candidates = [
        provider(1),
        provider(2, active=False),
        provider(3, item_codes=frozenset({"meals"})),
        provider(4, village_ids=frozenset({8})),
        provider(5, assigned_today=5),  # at capacity
        provider(6, assigned_today=4),  # one left
        provider(7),
        provider(8, daily_capacity=0),
    ]
    assert ids(rank_providers(candidates, "errand", 7, excluded_ids={7})) == [1, 6]


def test_ordering_open_orders_then_idle_then_id():
    candidates = [
        provider(10, open_orders=2),
        provider(11, open_orders=1, last_assigned_at=datetime(2024, 10, 8, 9)),
        provider(12, open_orders=1, last_assigned_at=datetime(2024, 10, 8, 8)),
        provider(13, open_orders=1),  # never assigned: first among equals
        provider(9, open_orders=1, last_assigned_at=datetime(2024, 10, 8, 8)),  # same time as 12, lower id
        provider(14, open_orders=0, last_assigned_at=datetime(2024, 10, 8, 10)),
    ]
    expected = [14, 13, 9, 12, 11, 10]
    assert ids(rank_providers(candidates, "visit", 7)) == expected
    for _ in range(20):
        random.shuffle(candidates)
        assert ids(rank_providers(candidates, "visit", 7)) == expected


def test_choose_provider_and_exclusion_after_decline():
    candidates = [provider(1), provider(2, open_orders=1)]
    assert choose_provider(candidates, "errand", 7).id == 1
    assert choose_provider(candidates, "errand", 7, excluded_ids=[1]).id == 2
    assert choose_provider(candidates, "errand", 7, excluded_ids=[1, 2]) is None
    assert choose_provider([], "errand", 7) is None
    assert choose_provider(candidates, ItemCode.ERRAND, 7).id == 1


def test_offer_times_out_after_four_working_hours():
    assert offer_deadline(datetime(2024, 9, 30, 16, 0), CALENDAR) == datetime(2024, 10, 8, 11, 0)
    assert offer_deadline(datetime(2024, 10, 8, 9, 0), CALENDAR) == datetime(2024, 10, 8, 13, 0)
