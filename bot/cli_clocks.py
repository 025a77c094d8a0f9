"""``flask calendar …`` and ``flask dispatch …``: the official calendar and the clocks."""

from __future__ import annotations

import click


@click.group("calendar", help="The official working-day calendar (holidays and 调休).")
def calendar_group() -> None:
    pass
