"""Whoever can write to Redis cannot run code on the workers: job data is JSON (a pickled job is
refused before anything in it is unpickled), and a job runs only when it names one of our job
functions. Checked with the production worker class, in process and as the documented
``rq worker`` command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import rq
from rq import SimpleWorker
from rq.cron import CronScheduler
from rq.registry import FailedJobRegistry

from core.guarded import Job, Worker
from workers.periodic import PERIODIC

ROOT = Path(__file__).resolve().parents[2]


class Plant:
    """Unpickling this creates a file: what an attacker's payload would do, harmlessly."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _pickled_job(ctx, flag: Path) -> str:
    """A job as RQ writes it by default (pickle), planted in our ``default`` queue."""
    return rq.Queue("default", connection=ctx.redis).enqueue("workers.jobs.sweep", Plant(str(flag))).id


def _failed(ctx) -> list[str]:
    return FailedJobRegistry(queue=ctx.queue("default")).get_job_ids()


def test_a_pickled_job_is_not_executed(ctx, tmp_path):
    flag = tmp_path / "pwned"
    job_id = _pickled_job(ctx, flag)

    Worker(list(ctx.queues.values()), connection=ctx.redis).work(burst=True)

    assert not flag.exists()
    assert job_id in _failed(ctx)


def test_the_same_pickled_job_runs_the_payload_under_rqs_defaults(ctx, tmp_path):
    """What the test above guards against (so it can fail): RQ's stock worker unpickles it."""
    flag = tmp_path / "pwned"
    _pickled_job(ctx, flag)
    SimpleWorker([rq.Queue("default", connection=ctx.redis)], connection=ctx.redis).work(burst=True)
    assert flag.exists()


def test_a_pickled_job_is_refused_by_the_production_worker_command(ctx, tmp_path):
    if ctx.settings.redis_url is None:
        pytest.skip("needs a real Redis: the worker is a separate process")
    flag = tmp_path / "pwned"
    job_id = _pickled_job(ctx, flag)
    env = {**os.environ, "JZT_ENV": "test", "DATABASE_URL": ctx.settings.database_url, "REDIS_URL": ctx.settings.redis_url}
    command = [str(Path(sys.executable).with_name("rq")), "worker", "--burst", "--worker-class", "core.guarded.Worker",
               "--url", ctx.settings.redis_url, "--path", str(ROOT), "urgent", "default", "low"]
    subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=True)
    assert not flag.exists()
    assert job_id in _failed(ctx)


@pytest.mark.parametrize("name", [
    "os.makedirs",  # anything importable
    "workers.rules.rules",  # ours, but not a job
    "workers.jobs.current",  # a name a job module imports
    "workers.exports.tempfile.mkdtemp",  # reached through one of our modules
    "workers.jobs.log.warning",  # a method reached through a job module
])
def test_a_json_job_naming_anything_but_a_job_function_is_refused(ctx, tmp_path, name):
    target = tmp_path / "made"
    job = ctx.queue("default").enqueue(name, str(target))

    Worker(list(ctx.queues.values()), connection=ctx.redis).work(burst=True)

    assert not target.exists()
    assert job.id in _failed(ctx)


def test_every_job_the_app_enqueues_is_json(ctx):
    job = ctx.queue("default").enqueue("workers.dispatch.dispatch_request", 42, job_id="dispatch-42")
    stored = zlib.decompress(ctx.redis.hget(job.key, "data"))
    assert json.loads(stored) == ["workers.dispatch.dispatch_request", None, [42], {}]


def test_rq_cron_enqueues_json_jobs_that_the_worker_runs(ctx):
    scheduler = CronScheduler(connection=ctx.redis)
    scheduler.load_config_from_file("workers/cron.py")
    [flush] = [j for j in scheduler.get_jobs() if j.name == "flush_message_log"]

    job = flush.enqueue(ctx.redis)
    Worker(list(ctx.queues.values()), connection=ctx.redis).work(burst=True)

    assert json.loads(zlib.decompress(ctx.redis.hget(job.key, "data")))[0] == "workers.message_log.flush_message_log"
    assert Job.fetch(job.id, connection=ctx.redis).get_status() == "finished"


def test_every_periodic_function_is_a_job_the_worker_accepts(ctx):
    for entry in PERIODIC:
        job = Job.create(entry.func, connection=ctx.redis)
        assert job.func is entry.func
