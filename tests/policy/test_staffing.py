"""Village stations (50 long-term recipients) and assistants (1 per 3,000 residents, at most 3)."""

import pytest

from policy.staffing import assistants_required, station_required
from policy.thresholds import Thresholds


@pytest.mark.parametrize(
    "residents, assistants",
    [
        (0, 0),
        (1, 0),
        (2_999, 0),
        (3_000, 1),  # "3000人以上" includes 3,000
        (3_001, 1),
        (5_999, 1),
        (6_000, 2),
        (6_001, 2),
        (8_999, 2),
        (9_000, 3),
        (9_001, 3),
        (100_000, 3),  # at most 3
    ],
)
def test_assistants(residents, assistants):
    assert assistants_required(residents) == assistants


@pytest.mark.parametrize("residents, assistants", [(0, 0), (1, 1), (2_999, 1), (3_000, 1), (6_001, 2), (9_001, 3)])
def test_town_may_give_every_village_one(residents, assistants):
    assert assistants_required(residents, Thresholds(min_assistants_per_village=1)) == assistants


@pytest.mark.parametrize("recipients, needed", [(0, False), (49, False), (50, True), (51, True)])
def test_station(recipients, needed):
    assert station_required(recipients) is needed


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_counts_are_validated(bad):
    with pytest.raises(ValueError):
        assistants_required(bad)
    with pytest.raises(ValueError):
        station_required(bad)
