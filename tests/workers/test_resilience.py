"""Nothing lost, nothing doubled: Redis down when a request is saved, a worker SIGKILLed inside
its transaction, a backlog shared by the sweeper's batch jobs."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from rq import Retry
from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from core.guarded import Job
from models.requests.requests import Offer
from tests.support import drain
from tests.workers import builders as b
from tests.workers.scene import build, new_request, offers_of, request_row, run
from core import context as worker_context
from core.connection import connect, queues
from workers.dispatch import enqueue_dispatch, sweep_dispatch
from workers.periodic import sweep

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scene(ctx, clock):
    clock.now = b.cst("2025-09-22 09:00")
    return build(ctx)


@pytest.fixture
def redis_down(ctx):
    """The same context with Redis on a closed port: every command raises ConnectionError."""
    dead = connect("redis://127.0.0.1:1/0")
    return dataclasses.replace(ctx, redis=dead, queues=queues(dead))


def test_a_request_saved_while_redis_is_down_is_dispatched_when_it_is_back(ctx, scene, redis_down):
    request_id = new_request(ctx, scene)

    assert enqueue_dispatch(redis_down, request_id) is False
    worker_context.install(redis_down)
    try:
        assert sweep() == 0  # the sweeper itself survives the outage
    finally:
        worker_context.install(ctx)
    assert request_row(ctx, request_id).status == "received"

    assert run(ctx, sweep_dispatch) == 1  # Redis is back: the periodic sweep queues it
    assert request_row(ctx, request_id).status == "offered"
    assert len(offers_of(ctx, request_id)) == 1


def test_a_request_whose_offer_expired_while_redis_was_down_is_offered_again(ctx, scene, clock):
    request_id = new_request(ctx, scene)
    enqueue_dispatch(ctx, request_id)
    drain(ctx)
    with ctx.Session.begin() as db:  # expired, but the next dispatch never reached the queue
        db.execute(Offer.__table__.update().values(status="expired"))
    assert run(ctx, sweep_dispatch) == 1
    assert [s for _, s in offers_of(ctx, request_id)] == ["expired", "open"]


def test_a_backlog_is_shared_out_by_batch_jobs_without_doubles(ctx, scene):
    ids = [new_request(ctx, scene) for _ in range(30)]

    assert run(ctx, sweep_dispatch) == 30  # 30 waiting: two backlog jobs instead of 30 jobs

    with ctx.Session() as db:
        offers = db.execute(select(Offer.request_id, Offer.provider_id)).all()
    assert sorted(r for r, _ in offers) == ids  # every request once
    load = Counter(p for _, p in offers)
    assert max(load.values()) - min(load.values()) <= 1  # fewest open orders first
    assert run(ctx, sweep_dispatch) == 0


def _real_servers(ctx) -> bool:
    return ctx.settings.redis_url is not None and ctx.engine.dialect.name == "postgresql"


def test_a_worker_killed_mid_assignment_leaves_no_half_assignment_and_the_job_is_retried(ctx, scene):
    if not _real_servers(ctx):
        pytest.skip("needs real PostgreSQL and Redis: the worker is a separate process")
    request_id = new_request(ctx, scene)
    flag = f"test:hang:{request_id}"
    ctx.queue("default").enqueue("tests.workers.hanging.dispatch_then_hang", request_id, flag, job_id=f"dispatch-{request_id}", retry=Retry(max=2), job_timeout=600)
    worker = _start_worker(ctx)
    try:
        _wait_for(lambda: ctx.redis.get(flag), "the worker to be inside the transaction")
        assert ctx.redis.get(flag) == b"offered"
        assert _locked(ctx, request_id)  # the job holds the request's row inside its transaction
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)

    _wait_for(lambda: not _locked(ctx, request_id), "PostgreSQL to roll the transaction back")
    assert offers_of(ctx, request_id) == [] and request_row(ctx, request_id).status == "received"
    job = Job.fetch(f"dispatch-{request_id}", connection=ctx.redis)
    assert job.get_status() == JobStatus.STARTED  # RQ still thinks it runs: the gap
    assert enqueue_dispatch(ctx, request_id)  # a new enqueue does not double it

    _let_heartbeat_expire(ctx)  # the ~90 s a killed worker's heartbeat takes to run out
    run(ctx, sweep_dispatch)  # the sweeper hands it to RQ's retry; the retry runs and commits

    assert [s for _, s in offers_of(ctx, request_id)] == ["open"]
    assert request_row(ctx, request_id).status == "offered"
    assert Job.fetch(f"dispatch-{request_id}", connection=ctx.redis).get_status() == JobStatus.FINISHED


def _start_worker(ctx) -> subprocess.Popen:
    env = {**os.environ, "JZT_ENV": "test", "DATABASE_URL": ctx.settings.database_url, "REDIS_URL": ctx.settings.redis_url}
    command = [str(Path(sys.executable).with_name("rq")), "worker", "--burst", "--worker-class", "tests.support.TestWorker", "--url", ctx.settings.redis_url, "--path", str(ROOT), "default"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_for(condition, what: str, seconds: float = 30.0) -> None:
    stop = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > stop:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _locked(ctx, request_id: int) -> bool:
    with ctx.engine.connect() as conn:
        try:
            conn.execute(text("SELECT id FROM service_requests WHERE id = :id FOR UPDATE NOWAIT"), {"id": request_id})
            return False
        except OperationalError:
            return True
        finally:
            conn.rollback()


def _let_heartbeat_expire(ctx) -> None:
    registry = StartedJobRegistry(queue=ctx.queue("default"))
    for member in ctx.redis.zrange(registry.key, 0, -1):
        ctx.redis.zadd(registry.key, {member: time.time() - 1})


def test_a_request_whose_providers_are_all_busy_is_retried_and_the_sweeper_brings_the_retry_forward(ctx, scene):
    if not _real_servers(ctx):
        pytest.skip("row locks: PostgreSQL")
    request_id = new_request(ctx, scene)
    with ctx.engine.connect() as other:  # another worker in the middle of assigning every provider
        other.execute(text("SELECT id FROM providers FOR UPDATE"))
        enqueue_dispatch(ctx, request_id)
        drain(ctx)
        job = Job.fetch(f"dispatch-{request_id}", connection=ctx.redis)
        assert job.get_status() == JobStatus.SCHEDULED  # ProvidersBusy: RQ retries in 2 s
        assert request_row(ctx, request_id).status == "received"  # not escalated
        other.rollback()

    assert run(ctx, sweep_dispatch) == 1  # waiting over a minute: the retry runs now

    assert [s for _, s in offers_of(ctx, request_id)] == ["open"]
