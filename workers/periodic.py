"""The periodic work in one table: ``rq cron workers/cron.py`` registers it in production, and
the embedded dev worker runs it from its loop (``Schedule``).

| what | how often | queue |
|---|---|---|
| ``flush_message_log``: the batched log of read-only turns into the database | every 5 seconds | default |
| ``sweep``: outbound messages and requests never queued, abandoned jobs | every minute | default |
| ``sweep_timers``: idle dialogues reminded (2 hours) and dropped (7 days) | every minute | default |
| ``expire_offers_job``: offers past their deadline pass on | every 5 minutes | default |
| ``run_clocks``: deadline warnings and escalations | every 15 minutes | low |
| ``visit_day``: due visits, reminders, secretaries' digests (working days) | daily, 07:30 | low |
| ``expire_export_files``: ledger files older than 7 days deleted (rows and audit kept) | daily, 03:00 | low |
| ``expire_roster_files``: uploaded rosters and their reports older than 7 days deleted | daily, 03:10 | low |
| ``apply_due_changes``: rule changes whose effective date has come re-assess the households | daily, 00:05 | low |

Every one of them is idempotent, so a run repeated or overlapping does no harm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from core.guarded import rq_job
from workers import jobs
from workers.clocks import run_clocks
from workers.dispatch import expire_offers_job, sweep_dispatch
from workers.exports import expire_export_files
from workers.message_log import flush_message_log
from workers.reassess import apply_due_changes
from workers.roster_import import expire_roster_files
from workers.timers import sweep_timers
from workers.visits import visit_day


@rq_job
def sweep() -> int:
    """Everything saved but never queued: outbound messages, then requests waiting for an offer."""
    return jobs.sweep() + sweep_dispatch()


@dataclass(frozen=True)
class Periodic:
    func: Callable[[], object]
    queue: str
    every: int | None = None
    """Seconds between runs."""
    daily_at: dt.time | None = None
    """Once a day at this county time (``rq cron`` reads it in the process time zone: run it
    with ``TZ=Asia/Shanghai``)."""
    timeout: int = 600

    @property
    def name(self) -> str:
        return self.func.__name__

    @property
    def cron(self) -> str | None:
        return f"{self.daily_at.minute} {self.daily_at.hour} * * *" if self.daily_at else None

    @property
    def ttl(self) -> int:
        """A run still queued after this long is dropped: the next one does the same work."""
        return self.every or 86400


PERIODIC = (
    Periodic(flush_message_log, "default", every=5, timeout=120),
    Periodic(sweep, "default", every=60, timeout=120),
    Periodic(sweep_timers, "default", every=60, timeout=120),
    Periodic(expire_offers_job, "default", every=300, timeout=120),
    Periodic(run_clocks, "low", every=900, timeout=300),
    Periodic(visit_day, "low", daily_at=dt.time(7, 30), timeout=1800),
    Periodic(expire_export_files, "low", daily_at=dt.time(3, 0), timeout=600),
    Periodic(expire_roster_files, "low", daily_at=dt.time(3, 10), timeout=600),
    Periodic(apply_due_changes, "low", daily_at=dt.time(0, 5), timeout=600),
)


@dataclass
class Schedule:
    """Which periodic functions are due, for a loop that runs them itself (the embedded worker)."""

    entries: tuple[Periodic, ...] = PERIODIC
    last: dict[str, object] = field(default_factory=dict)

    def due(self, monotonic_now: float, local_now: dt.datetime) -> list[Periodic]:
        ready = []
        for entry in self.entries:
            if entry.every is not None:
                previous = self.last.get(entry.name)
                if previous is None or monotonic_now - previous >= entry.every:
                    self.last[entry.name] = monotonic_now
                    ready.append(entry)
            elif local_now.time() >= entry.daily_at and self.last.get(entry.name) != local_now.date():
                self.last[entry.name] = local_now.date()
                ready.append(entry)
        return ready
