"""RQ 3's built-in scheduler configuration: ``TZ=Asia/Shanghai rq cron workers/cron.py``.

Run exactly ONE ``rq cron`` process (it has no lock: two would enqueue everything twice, which
the jobs tolerate but which wastes work). The table lives in ``workers.periodic``.

RQ 3.0's ``CronJob.enqueue`` builds a plain ``rq.Queue`` (pickle, and no way to pass a
serializer), and the workers read JSON only (``core.guarded``): this configuration, loaded by
``rq cron`` before anything is enqueued, has the scheduler enqueue through our ``Queue``.
"""

import rq.cron
from rq import cron

from core.guarded import Queue
from workers.periodic import PERIODIC

if not issubclass(rq.cron.Queue, rq.Queue):  # pragma: no cover - RQ changed how cron enqueues
    raise RuntimeError("rq.cron no longer builds an rq.Queue: check how it serializes jobs")
rq.cron.Queue = Queue

for entry in PERIODIC:
    cron.register(
        entry.func,
        queue_name=entry.queue,
        interval=entry.every,
        cron=entry.cron,
        job_timeout=entry.timeout,
        ttl=entry.ttl,
        failure_ttl=7 * 86400,
        name=entry.name,
    )
