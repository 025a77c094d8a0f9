"""``make bench-dispatch``: dispatch throughput and the due-visit scan, on real PostgreSQL and Redis.

Dispatch: 10,000 requests waiting (status ``received``) in a county of 16 towns and 200
villages, with 1,000 and then 10,000 providers, each offering 3 of the catalogue's items in 5
villages (so a request has about 7, then about 70, qualified providers). Real ``rq worker``
processes (``SimpleWorker``, as in production) are started and warmed up, then the sweeper's
backlog path (``sweep_dispatch`` → ``dispatch_backlog`` jobs, chunked transactions with
``SKIP LOCKED``) runs until every request holds an offer (or went to the town). Each offer also
records the provider's notice and enqueues its delivery job, as in production; delivering
those notices is not timed. For comparison the one-job-per-request path (``dispatch-<id>``
jobs, as a request saved by the chat is dispatched) is timed with one worker, 1,000 providers
and 2,000 requests.

Visit scan: 100,000 assisted people (target groups in the county's rough proportions), 2
volunteers per village, a county that keeps its schedule (90 % visited within their interval,
10 % never); ``schedule_due_visits`` in one transaction (the INSERT … SELECT of every visit due
within the month), then again (nothing left to add); then the backfill of a first deployment,
the same people with no visit recorded, so that every one of them is due at once.

Stores: database ``jzt_bench_dispatch`` (dropped and migrated) and Redis db 13 (flushed).
Output: one figure a line, ``metric: value unit``. Worker processes are stopped at the end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from rq import Worker
from rq.suspension import resume, suspend
from sqlalchemy import func, insert, select, text

from stack.harness import ROOT, flush_redis, reset_postgres, server_env
from core.config import Settings
from models import tables  # noqa: F401
from models.areas import Town, Village
from models.calendar import seed as seed_calendar
from models.catalogue.catalogue import load_thresholds, seed_catalogue
from db.crypto import DataCipher
from db.base import make_engine
from models.households.households import Household, Member
from models.catalogue.providers import Provider, provider_items, provider_villages
from models.requests.requests import ServiceRequest
from models.staff.staff import Role, Staff
from policy.visits import visit_interval_months
from models.visits.schedule import schedule_due_visits
from models.visits.visits import Visit
from core import context as worker_context
from workers.dispatch import enqueue_dispatch, sweep_dispatch

DATABASE_URL = os.environ.get("JZT_BENCH_DISPATCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jzt_bench_dispatch")
REDIS_URL = os.environ.get("JZT_BENCH_DISPATCH_REDIS_URL", "redis://127.0.0.1:6379/13")

TOWNS, VILLAGES = 16, 200
REQUESTS = 10_000
PER_JOB_REQUESTS = 2_000
PEOPLE = 100_000
ITEMS_PER_PROVIDER, VILLAGES_PER_PROVIDER = 3, 5
NOW = dt.datetime(2025, 9, 22, 1, 0, tzinfo=dt.timezone.utc)  # Monday 09:00 in the county


# -- the county --------------------------------------------------------------------------------


def seed_county(db, cipher: DataCipher) -> tuple[list[int], list[str]]:
    seed_catalogue(db)
    db.execute(insert(Town), [{"name": f"镇{t:02d}"} for t in range(TOWNS)])
    towns = list(db.scalars(select(Town.id).order_by(Town.id)))
    db.execute(insert(Village), [{"town_id": towns[v % TOWNS], "name": f"村{v:03d}"} for v in range(VILLAGES)])
    villages = list(db.scalars(select(Village.id).order_by(Village.id)))
    staff = [{"name": f"书记{v}", "role": Role.SECRETARY.value, "village_id": v, "openid": f"o_sec_{v}"} for v in villages]
    staff += [{"name": f"A岗{t}", "role": Role.TOWN_A.value, "town_id": t, "openid": f"o_a_{t}"} for t in towns]
    staff += [{"name": f"志愿者{v}-{k}", "role": Role.VOLUNTEER.value, "village_id": v, "openid": f"o_vol_{v}_{k}"} for v in villages for k in range(2)]
    db.execute(insert(Staff), staff)
    items = [code for code in db.scalars(text("SELECT code FROM service_items ORDER BY position")) if code != "referral"]
    return villages, items


def seed_providers(db, count: int, villages: list[int], items: list[str], rng: random.Random) -> list[tuple[int, str]]:
    """Providers, and the (village, item) pairs they cover, to draw requests from."""
    rows = [{"name": f"服务机构{n:05d}", "openid": f"o_provider_{n}", "daily_capacity": 50} for n in range(count)]
    ids = list(db.execute(insert(Provider).returning(Provider.id), rows).scalars())
    covers, offered, pairs = [], [], []
    for pid in ids:
        vs, its = rng.sample(villages, VILLAGES_PER_PROVIDER), rng.sample(items, ITEMS_PER_PROVIDER)
        covers += [{"provider_id": pid, "village_id": v} for v in vs]
        offered += [{"provider_id": pid, "item_code": i} for i in its]
        pairs.append((rng.choice(vs), rng.choice(its)))
    db.execute(insert(provider_villages), covers)
    db.execute(insert(provider_items), offered)
    return pairs


def seed_people(db, cipher: DataCipher, villages: list[int], count: int, rng: random.Random) -> dict[int, list[int]]:
    """``count`` assisted people, one household each; their ids by village."""
    households = [{"village_id": villages[n % len(villages)], "roster_no": f"B{n:07d}", "head_name": "户主", "address_enc": cipher.encrypt(f"某镇某村{n}号")} for n in range(count)]
    household_ids = list(db.execute(insert(Household).returning(Household.id, Household.village_id), households))
    groups = [["extreme_poverty_dispersed"]] * 5 + [["minimum_living"]] * 45 + [["marginal"]] * 25 + [["monitored"]] * 15 + [["elderly", "disabled"]] * 10
    members = []
    for n, (hid, _) in enumerate(household_ids):
        id_number = f"3415{n:014d}"
        members.append({
            "household_id": hid, "name": "王桂英", "id_number_enc": cipher.encrypt(id_number), "id_number_hash": cipher.blind_index(id_number),
            "birth_date": dt.date(1950, 1, 1), "groups": rng.choice(groups), "registered_on": dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 400)),
        })
    member_ids = list(db.execute(insert(Member).returning(Member.id), members).scalars())
    by_village: dict[int, list[int]] = {}
    for mid, (_, village) in zip(member_ids, household_ids):
        by_village.setdefault(village, []).append(mid)
    return by_village


def seed_requests(db, cipher: DataCipher, pairs: list[tuple[int, str]], people: dict[int, list[int]], rng: random.Random, count: int = REQUESTS) -> None:
    address, description = cipher.encrypt("某镇某村3组12号"), cipher.encrypt("打扫卫生")
    rows = []
    for n in range(count):
        village, item = rng.choice(pairs)
        rows.append({
            "number": f"FW20250922-{n:05d}", "member_id": rng.choice(people[village]), "village_id": village, "item_code": item,
            "description_enc": description, "address_enc": address, "requested_by": "o_bench", "status": "received", "created_at": NOW,
        })
    db.execute(insert(ServiceRequest), rows)


def seed_kept_visits(db, people: dict[int, list[int]], rng: random.Random) -> int:
    """A county that keeps its schedule: 90 % of people were last visited within their interval
    (so their next visit falls due some time in the coming interval), a third of those once
    more before; the other 10 % were never visited."""
    groups = dict(db.execute(select(Member.id, Member.groups)).all())
    rows = []
    for village, members in people.items():
        for mid in members:
            if rng.random() < 0.1:
                continue
            days = 30 * visit_interval_months(groups[mid])
            last = NOW - dt.timedelta(days=rng.randint(1, days - 1), hours=rng.randint(0, 10))
            for done in (last, last - dt.timedelta(days=days)) if rng.random() < 0.33 else (last,):
                rows.append({"member_id": mid, "village_id": village, "kind": "routine", "due_date": done.date(), "status": "done", "completed_at": done, "photos": []})
    for start in range(0, len(rows), 20_000):
        db.execute(insert(Visit), rows[start:start + 20_000])
    return len(rows)


# -- workers -----------------------------------------------------------------------------------


class RQWorkers:
    """``rq worker`` processes (SimpleWorker), each in its own process group, always stopped."""

    def __init__(self, count: int):
        self.count, self.procs = count, []

    def __enter__(self) -> "RQWorkers":
        env = server_env(DATABASE_URL, REDIS_URL)
        command = [str(Path(sys.executable).with_name("rq")), "worker", "--worker-class", "core.guarded.Worker", "--url", REDIS_URL, "--path", str(ROOT), "-q", "urgent", "default", "low"]
        for _ in range(self.count):
            self.procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            _signal_group(proc, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _warm_up(ctx, count: int) -> None:
    """Until every worker runs and has imported the dispatch code (one job each)."""
    _wait(lambda: len(Worker.all(connection=ctx.redis)) >= count, "workers to start")
    jobs = [ctx.queue("default").enqueue("workers.rules.forget") for _ in range(count * 2)]
    _wait(lambda: all(j.get_status() == "finished" for j in jobs), "the warm-up jobs")


def _wait(condition, what: str, timeout: float = 600.0, every: float = 0.02) -> None:
    stop = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > stop:
            raise SystemExit(f"bench-dispatch: timed out waiting for {what}")
        time.sleep(every)


@contextmanager
def _suspended(ctx):
    suspend(ctx.redis)
    try:
        yield
    finally:
        resume(ctx.redis)


def _waiting(ctx) -> int:
    with ctx.Session() as db:
        return db.scalar(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.status == "received"))


def time_dispatch(ctx, workers: int, per_request_jobs: bool) -> tuple[float, int]:
    """Seconds until no request waits; and how many went to the town instead."""
    with RQWorkers(workers):
        _warm_up(ctx, workers)
        with _suspended(ctx):
            if per_request_jobs:
                with ctx.Session() as db:
                    ids = list(db.scalars(select(ServiceRequest.id).where(ServiceRequest.status == "received")))
                for request_id in ids:
                    enqueue_dispatch(ctx, request_id)
            started = time.perf_counter()
        if not per_request_jobs:
            sweep_dispatch(grace_seconds=0)
        last_sweep = time.monotonic()
        while _waiting(ctx):
            time.sleep(0.02)
            if not per_request_jobs and time.monotonic() - last_sweep > 1.0 and ctx.queue("default").count == 0:
                sweep_dispatch(grace_seconds=0)  # a backlog job ran out of its time budget
                last_sweep = time.monotonic()
        elapsed = time.perf_counter() - started
    with ctx.Session() as db:
        escalated = db.scalar(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.status == "escalated"))
    return elapsed, escalated


def dispatch_case(ctx, providers: int, workers: int, per_request_jobs: bool = False, requests: int = REQUESTS) -> tuple[float, int]:
    reset_postgres(DATABASE_URL)
    flush_redis(REDIS_URL)
    rng = random.Random(providers)
    with ctx.Session.begin() as db:
        villages, items = seed_county(db, ctx.cipher)
        pairs = seed_providers(db, providers, villages, items, rng)
        people = seed_people(db, ctx.cipher, villages, requests, rng)
        seed_requests(db, ctx.cipher, pairs, people, rng, requests)
        seed_calendar(db, [2025, 2026])
    _analyze(ctx)
    elapsed, escalated = time_dispatch(ctx, workers, per_request_jobs)
    path = "one job per request" if per_request_jobs else "backlog jobs"
    _note(f"{providers} providers, {workers} worker(s), {path}: {requests} requests in {elapsed:.1f} s, {escalated} went to the town")
    return requests / elapsed, escalated


def visit_case(ctx) -> dict[str, tuple[float, int]]:
    """The daily scan over 100,000 people (first run, then again), then the same people with no
    visit ever recorded: every one of them due at once (a first deployment's backfill)."""
    reset_postgres(DATABASE_URL)
    rng = random.Random(100)
    with ctx.Session.begin() as db:
        villages, _ = seed_county(db, ctx.cipher)
        people = seed_people(db, ctx.cipher, villages, PEOPLE, rng)
        done = seed_kept_visits(db, people, rng)
    _analyze(ctx)
    _note(f"{PEOPLE} assisted people, {done} visits done before")
    timings = {"scan": _timed_scan(ctx), "rescan": _timed_scan(ctx)}
    with ctx.engine.begin() as conn:
        conn.execute(text("TRUNCATE visits"))
    _analyze(ctx)
    timings["backfill"] = _timed_scan(ctx)
    return timings


def _timed_scan(ctx) -> tuple[float, int]:
    started = time.perf_counter()
    with ctx.Session.begin() as db:
        created = schedule_due_visits(db, NOW, load_thresholds(db))
    return time.perf_counter() - started, created


def _analyze(ctx) -> None:
    with ctx.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _note(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


def main() -> None:
    settings = Settings.from_env({"JZT_ENV": "test", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL})
    ctx = worker_context.build(settings, engine=make_engine(DATABASE_URL))
    ctx = worker_context.install(dataclasses.replace(ctx, clock=lambda: NOW))
    results = {}
    try:
        for providers in (1_000, 10_000):
            for workers in (1, 2):
                results[(providers, workers)], _ = dispatch_case(ctx, providers, workers)
        per_job, _ = dispatch_case(ctx, 1_000, 1, per_request_jobs=True, requests=PER_JOB_REQUESTS)
        visits = visit_case(ctx)
    finally:
        flush_redis(REDIS_URL)
        ctx.engine.dispose()
    growth = results[(1_000, 1)] / results[(10_000, 1)]
    print(f"dispatch_assignments_per_s_1_worker: {results[(1_000, 1)]:.0f} assignments/s")
    print(f"dispatch_assignments_per_s_2_workers: {results[(1_000, 2)]:.0f} assignments/s")
    print(f"dispatch_assignments_per_s_1_worker_10k_providers: {results[(10_000, 1)]:.0f} assignments/s")
    print(f"dispatch_assignments_per_s_2_workers_10k_providers: {results[(10_000, 2)]:.0f} assignments/s")
    print(f"dispatch_cost_growth_x: {growth:.2f} x")
    print(f"dispatch_one_job_per_request_per_s_1_worker: {per_job:.0f} assignments/s")
    print(f"visit_scan_seconds: {visits['scan'][0]:.2f} s")
    print(f"visit_scan_visits_created: {visits['scan'][1]} visits")
    print(f"visit_rescan_seconds: {visits['rescan'][0]:.2f} s")
    print(f"visit_backfill_seconds: {visits['backfill'][0]:.2f} s")
    print(f"visit_backfill_visits_created: {visits['backfill'][1]} visits")


if __name__ == "__main__":
    main()
