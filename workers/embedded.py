"""The in-process worker of the embedded default (no Redis server, no worker process).

A daemon thread runs RQ's own ``SimpleWorker`` (as ``core.guarded.Worker``: JSON jobs only) in burst passes over the in-process
Redis, with the scheduler (for Retry intervals and ``enqueue_in``) and the periodic work of
``workers.periodic`` (sweeps, offer expiry, clocks, the daily visit scan) in place of ``rq cron``.
Signals and SIGALRM only work in the main thread, so this worker installs no signal
handlers and times jobs out with a timer instead.
"""

from __future__ import annotations

import logging
import threading
import time

from rq.timeouts import TimerDeathPenalty

from models.calendar import local
from core.context import Context
from core.guarded import Worker
from workers.periodic import Schedule

log = logging.getLogger(__name__)


class ThreadWorker(Worker):
    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


class EmbeddedWorker:
    def __init__(self, ctx: Context, poll_seconds: float = 0.5, schedule: Schedule | None = None):
        self.ctx = ctx
        self.poll_seconds = poll_seconds
        self.schedule = schedule or Schedule()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jzt-embedded-worker", daemon=True)

    def start(self) -> "EmbeddedWorker":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        worker = ThreadWorker(list(self.ctx.queues.values()), connection=self.ctx.redis)
        while not self._stop.is_set():
            try:
                worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            except Exception:  # keep the embedded worker alive; the sweeper retries later
                log.exception("embedded worker pass failed")
            for entry in self.schedule.due(time.monotonic(), local(self.ctx.clock())):
                try:
                    entry.func()
                except Exception:  # the next run of the same periodic work tries again
                    log.exception("periodic %s failed", entry.name)
            self._stop.wait(self.poll_seconds)
