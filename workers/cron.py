"""RQ 3's built-in scheduler configuration: ``TZ=Asia/Shanghai rq cron workers/cron.py``.

Run exactly ONE ``rq cron`` process (it has no lock: two would enqueue everything twice, which
the jobs tolerate but which wastes work). The table lives in ``workers.periodic``.
"""

from rq import cron

from workers.periodic import PERIODIC

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
