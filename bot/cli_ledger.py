"""``flask ledger …``: the county's roster import and the ledger exports."""

from __future__ import annotations

import click


@click.group("ledger", help="Roster import and ledger exports (需求台账 …).")
def ledger_group() -> None:
    pass
