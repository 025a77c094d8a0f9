"""Village stations and social-assistance assistants (实施方案 二(四)3).

The plan: "常年救助对象50人以上的村（社区）建立1个社会救助服务站（点）" and "户籍人口在3000人
以上的村（社区）应配备1名社会救助协理员……人口每增加3000人再配备1名，最多不超过3名".
In Chinese legal usage "以上" includes the number itself, so (with the default thresholds):

===================  ===========
registered residents  assistants
===================  ===========
0 – 2,999            0 (``min_assistants_per_village``; a town may set 1 for every populated village)
3,000 – 5,999        1
6,000 – 8,999        2
9,000 and more       3 (the cap)
===================  ===========

and a station is needed from 50 long-term recipients.
"""

from __future__ import annotations

from policy.thresholds import DEFAULT_THRESHOLDS, Thresholds


def station_required(long_term_recipients: int, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    """True when the village must have a 社会救助服务站（点）: 50 long-term recipients or more."""
    _check_count(long_term_recipients)
    return long_term_recipients >= thresholds.station_min_long_term_recipients


def assistants_required(registered_residents: int, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> int:
    """How many 社会救助协理员 a village of this registered population should have."""
    _check_count(registered_residents)
    if registered_residents == 0:
        return 0
    by_population = registered_residents // thresholds.residents_per_assistant
    wanted = max(by_population, thresholds.min_assistants_per_village)
    return min(wanted, thresholds.max_assistants_per_village)


def _check_count(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a non-negative integer, got {value!r}")
