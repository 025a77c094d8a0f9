"""Redis connections and queues: real Redis when ``REDIS_URL`` is set, else in-process.

The embedded default (``make run`` with no servers) uses one fakeredis server per
process, shared by the web threads and the in-process worker thread.
"""

from __future__ import annotations

from functools import lru_cache

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from core.guarded import Queue

#: queue names, most urgent first; workers listen to them in this order
QUEUES = ("urgent", "default", "low")


@lru_cache(maxsize=None)
def _embedded_server():
    import fakeredis

    return fakeredis.FakeServer()


def connect(redis_url: str | None) -> Redis:
    if not redis_url:
        import fakeredis

        return fakeredis.FakeRedis(server=_embedded_server())
    # fail fast: redis-py's default retries take about 4 s per call while Redis is down, which
    # would push every reply past WeChat's 5 s; callers fall back to the database instead
    return Redis.from_url(
        redis_url,
        socket_timeout=2.0,
        socket_connect_timeout=0.5,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), retries=1),
    )


def queues(connection: Redis) -> dict[str, Queue]:
    """The queues by name: JSON job data, and only our job functions run (``core.guarded``)."""
    return {name: Queue(name, connection=connection) for name in QUEUES}
