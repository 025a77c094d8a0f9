"""A test-only job for the SIGKILL test: the real dispatch inside its transaction, then (the
first time only) a long pause before the commit, so the test can kill the worker mid-assignment."""

from __future__ import annotations

import time

from models.requests.dispatch import offer_next
from core.context import current
from core.guarded import rq_job
from workers.rules import rules


@rq_job
def dispatch_then_hang(request_id: int, flag: str) -> str:
    ctx = current()
    with ctx.Session.begin() as db:
        calendar, thresholds = rules(db)
        result = offer_next(db, request_id, ctx.clock(), calendar, thresholds, ctx.cipher)
        if ctx.redis.set(flag, result.outcome.value, nx=True):
            time.sleep(300)  # killed here, with the offer written but not committed
    return result.outcome.value
