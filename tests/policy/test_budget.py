"""The 1 % cap (实施方案 二(五)1): table of boundaries."""

from decimal import Decimal

import pytest

from policy.budget import BudgetLevel, budget_state, cap_for

FUNDS = Decimal("2000000")  # cap 20,000.00; warning from 16,000.00


@pytest.mark.parametrize(
    "spent, level",
    [
        ("0", BudgetLevel.OK),
        ("15999.99", BudgetLevel.OK),
        ("16000.00", BudgetLevel.WARNING),  # exactly 80 %
        ("20000.00", BudgetLevel.WARNING),  # exactly the cap: allowed, warned
        ("20000.01", BudgetLevel.OVER),
    ],
)
def test_levels(spent, level):
    assert budget_state(FUNDS, Decimal(spent)).level is level


def test_cap_is_one_percent_rounded_to_the_cent():
    assert cap_for(Decimal("1234567.89")) == Decimal("12345.68")


def test_without_funds_there_is_no_cap():
    state = budget_state(None, Decimal("100"))
    assert state.level is BudgetLevel.NO_FUNDS and state.cap is None and state.share is None


def test_share_and_what_is_left():
    state = budget_state(FUNDS, Decimal("5000"))
    assert state.share == Decimal("0.25") and state.left == Decimal("15000.00")


def test_ratios_are_configurable():
    assert budget_state(FUNDS, Decimal("25000"), cap_ratio=Decimal("0.02"), warn_ratio=Decimal("0.9")).level is BudgetLevel.OK
