"""The 1 % cap on service purchasing (实施方案 二(五)1).

At most ``cap_ratio`` (1 %) of the year's social-assistance funds (central, provincial and
county money together) may buy services, and only items on the catalogue. A purchase is a
completed request of an item that carries a unit cost; an item without one is not purchased
(volunteers, village staff). Warnings start at ``warn_ratio`` (80 %) of the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

CAP_RATIO = Decimal("0.01")
"""Share of the year's social-assistance funds that may buy services (原则上不超过1%)."""

WARN_RATIO = Decimal("0.8")
"""Share of the cap from which the county is warned."""

CENT = Decimal("0.01")


class BudgetLevel(str, Enum):
    NO_FUNDS = "no_funds"  # the county has not entered the year's funds
    OK = "ok"
    WARNING = "warning"  # at or above WARN_RATIO of the cap
    OVER = "over"  # above the cap

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    BudgetLevel.NO_FUNDS: "未录入本年度社会救助资金",
    BudgetLevel.OK: "正常",
    BudgetLevel.WARNING: "已达上限的80%，请注意控制",
    BudgetLevel.OVER: "已超过1%上限",
}


@dataclass(frozen=True)
class BudgetState:
    funds: Decimal | None
    cap: Decimal | None
    spent: Decimal
    level: BudgetLevel

    @property
    def share(self) -> Decimal | None:
        """Spent as a share of the cap (0.8 = 80 %), or None without funds."""
        if not self.cap:
            return None
        return (self.spent / self.cap).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def left(self) -> Decimal | None:
        return None if self.cap is None else self.cap - self.spent


def cap_for(funds: Decimal, cap_ratio: Decimal = CAP_RATIO) -> Decimal:
    return (funds * cap_ratio).quantize(CENT, rounding=ROUND_HALF_UP)


def budget_state(funds: Decimal | None, spent: Decimal, cap_ratio: Decimal = CAP_RATIO, warn_ratio: Decimal = WARN_RATIO) -> BudgetState:
    """Where the year's purchases stand against the cap."""
    if funds is None or funds <= 0:
        return BudgetState(None, None, spent, BudgetLevel.NO_FUNDS)
    cap = cap_for(funds, cap_ratio)
    if spent > cap:
        level = BudgetLevel.OVER
    elif spent >= cap * warn_ratio:
        level = BudgetLevel.WARNING
    else:
        level = BudgetLevel.OK
    return BudgetState(funds, cap, spent, level)
