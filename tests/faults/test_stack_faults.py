"""Faults under load, on a real stack (gunicorn, RQ workers and cron, Redis, PostgreSQL).

Simulated residents run the 求助 journey (signed, encrypted deliveries over HTTP) while a
server is broken underneath them; WeChat's behaviour is simulated too (a delivery without an
answer in 5 s is retried up to 3 times). Afterwards the sweeper's next run is brought forward
and the requests are counted: acknowledged (the user saw the FW number) vs in the database vs
dispatched (offered or escalated), and anything doubled (requests, offers, dispatch entries in
the audit trail, notices to providers). Each test prints its verdict line.
"""

from __future__ import annotations

import itertools
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rq import Worker
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select, text

from core.guarded import Job
from stack.journey import JOURNEY, Driver, inbound_count, late_replies, seed_residents, tally, waiting_for_dispatch
from stack.servers import wait_for
from models.messages import Channel, OutboundMessage
from workers import message_log
from models.requests.requests import ServiceRequest

RESIDENTS = 40
CONCURRENCY = 8
_offsets = itertools.count(0, 1000)


def seed(stack, prefix: str, count: int = RESIDENTS) -> list[str]:
    return seed_residents(stack.ctx, count, prefix, start=next(_offsets))


def posts(driver: Driver) -> int:
    return len(driver.stats.latencies) + driver.stats.no_answer


def load(stack, openids, fault=None, at: float = 0.4, concurrency: int = CONCURRENCY, **options):
    """Run every journey; call ``fault()`` once ``at`` of the messages have been posted."""
    driver = Driver(stack.web.port, stack.wechat, inbox=lambda openid: late_replies(stack.ctx, openid), **options)
    total = len(openids) * len(JOURNEY) * driver.copies
    with ThreadPoolExecutor(max_workers=1) as background:
        running = background.submit(driver.run, openids, concurrency)
        info = None
        if fault is not None:
            wait_for(lambda: running.done() or posts(driver) >= total * at, "the load to get going", timeout=120)
            assert not running.done(), "the load finished before the fault: raise RESIDENTS"
            info = fault()
        outcomes = running.result(timeout=300)
    return driver, outcomes, info


def expire_abandoned(stack) -> list[str]:
    """What a dead worker leaves in Redis, expired now instead of after RQ's timeouts: the jobs
    it was running (abandoned for 90 s: job monitoring 30 s + 60 s; the sweeper then hands them
    to RQ's retry) and its scheduler lock (61 s; then a live worker's maintenance pass takes the
    scheduler over). Returns the abandoned jobs' ids."""
    redis = stack.ctx.redis
    for key in redis.scan_iter("rq:scheduler-lock:*"):
        holder = redis.get(key)
        pid = redis.hget(f"rq:scheduler:{holder.decode()}", "pid") if holder else None
        if pid is None or not _process_alive(int(pid)):
            redis.delete(key)
    live = {w.name for w in Worker.all(connection=stack.ctx.redis) if w.pid in {p.pid for p in stack.workers.alive()}}
    expired = []
    for queue in stack.ctx.queues.values():
        registry = StartedJobRegistry(queue=queue)
        for member in stack.ctx.redis.zrange(registry.key, 0, -1):
            job_id = member.decode().split(":")[0]
            job = Job.fetch(job_id, connection=stack.ctx.redis) if stack.ctx.redis.exists(Job.key_for(job_id)) else None
            if job is None or job.worker_name not in live:
                stack.ctx.redis.zadd(registry.key, {member: time.time() - 1})
                expired.append(job_id)
    return expired


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def settle(stack, openids, timeout: float = 60) -> None:
    """The periodic sweeper's next run brought forward (``rq cron`` runs it every minute, for
    what waits over 60 s), repeated until no request of these residents waits for an offer."""
    queue = stack.ctx.queue("default")

    def swept() -> bool:
        if waiting_for_dispatch(stack.ctx, openids) == 0:
            return True
        queue.enqueue("workers.dispatch.sweep_dispatch", 0)
        queue.enqueue("workers.jobs.sweep", 0)
        return False

    try:
        wait_for(swept, "every request to be dispatched", timeout=timeout, every=1.0)
    except Exception:
        print(stack.logs())
        raise


def verdict(name: str, driver: Driver, outcomes, counted, extra: str = "") -> str:
    statuses = dict(driver.stats.statuses)
    resent = sum(o.resent for o in outcomes)
    unseen = sum(o.unseen for o in outcomes)
    derailed = [o.derailed for o in outcomes if o.derailed]
    line = (f"{name}: {counted.line()}; {posts(driver)} POSTs {statuses}, {driver.stats.no_answer} unanswered, "
            f"{resent} messages sent again by their users, {unseen} answered 'success'")
    if derailed:
        line += f"; {len(derailed)} journeys derailed, e.g. {derailed[0]}"
    return line + (f"; {extra}" if extra else "") + (" → OK" if not counted.problems and not derailed else f" → PROBLEMS {counted.problems}")


def assert_nothing_lost_or_doubled(counted, outcomes) -> None:
    assert counted.problems == []
    assert [o.derailed for o in outcomes if o.derailed] == []
    assert counted.acknowledged == counted.in_database == counted.dispatched == counted.residents


# -- Redis -----------------------------------------------------------------------------

#: a read-only turn first (the main menu), so the batched message log is under test too
GREETING = (("你好", "求助"),)
#: what a user whose dialogue was forgotten is answered: the menu, a guess at a new intent, a new start
FORGOTTEN = ("这里是霍山县", "您是想", "好的，我来帮您申请", "看不懂")


def _logged(stack, openids, sent: int) -> int:
    """Inbound rows of these residents once the message log has been flushed (every 5 s)."""
    stack.ctx.queue("default").enqueue("workers.message_log.flush_message_log")
    try:
        return wait_for(lambda: (n := inbound_count(stack.ctx, openids)) >= sent and n, "the message log", timeout=15)
    except Exception:
        return inbound_count(stack.ctx, openids)


@pytest.mark.parametrize("wipe", [False, True], ids=["redis-aof-restart", "redis-restart-empty"])
def test_redis_restarted_during_load(stack, report, wipe):
    openids = seed(stack, f"o_redis{int(wipe)}_")
    down = {}

    def fault():
        if wipe:  # what the empty restart will lose: read-only turns' log entries not yet flushed
            stack.ctx.redis.execute_command("CLIENT", "PAUSE", 5000, "WRITE")  # nothing added meanwhile
            down["unflushed"] = stack.ctx.redis.llen(message_log.KEY)
        down["seconds"] = stack.redis.restart(down_seconds=1.0, wipe=wipe)
        return down

    before = dict(stack.supervisor.restarts)
    driver, outcomes, _ = load(stack, openids, fault, script=GREETING + JOURNEY)
    wait_for(lambda: len(stack.workers.alive()) == 2, "the supervisor to restart the workers")
    abandoned = expire_abandoned(stack)
    settle(stack, openids)
    counted = tally(stack.ctx, outcomes)
    sent = sum(o.sent for o in outcomes)
    logged = _logged(stack, openids, sent)
    restarted = {k: v - before[k] for k, v in stack.supervisor.restarts.items()}
    report(verdict(f"Redis {'restarted empty' if wipe else 'restarted (AOF)'} for {down['seconds']:.1f} s", driver, outcomes, counted,
                   f"{sent} messages → {logged} inbound rows ({down.get('unflushed', 0)} read-only entries waiting in Redis at the kill); "
                   f"restarted by the supervisor: {restarted}; jobs abandoned mid-run: {abandoned}"))
    assert counted.problems == []  # nothing lost, nothing doubled, whatever happened
    # the known limit (test_message_log.py): without persistence, entries not yet flushed are lost
    assert sent - down.get("unflushed", 0) <= logged <= sent, "messages missing from the message log"
    derailed = [o.derailed for o in outcomes if o.derailed]
    if derailed and all(any(mark in d for mark in FORGOTTEN) for d in derailed):
        pytest.xfail(f"{len(derailed)} dialogues forgotten: the window left by conversations/state.py's epochs (a worker "
                     "trusted an old 'no dialogue' marker before the worker that saw the outage started a new epoch)")
    assert_nothing_lost_or_doubled(counted, outcomes)


# -- PostgreSQL ------------------------------------------------------------------------


def test_postgres_restarted_during_load(stack, report):
    openids = seed(stack, "o_pg_")
    info = {}

    def fault():
        info["seconds"] = stack.restart_postgres(down_seconds=1.5)
        return info

    driver, outcomes, _ = load(stack, openids, fault)
    expire_abandoned(stack)
    settle(stack, openids)
    counted = tally(stack.ctx, outcomes)
    how = "simulated (connections refused and terminated)" if stack.simulated_postgres else "private cluster, immediate stop"
    report(verdict(f"PostgreSQL restarted ({how}) for {info['seconds']:.1f} s", driver, outcomes, counted))
    assert_nothing_lost_or_doubled(counted, outcomes)
    assert sum(o.resent for o in outcomes) > 0, "the outage was not felt: nobody had to send again"


# -- an RQ worker SIGKILLed mid-job ----------------------------------------------------


def _dispatching(stack) -> list[tuple[int, str]]:
    """(pid, job id) of our workers inside a dispatch job."""
    pids = {p.pid for p in stack.workers.alive()}
    found = []
    for worker in Worker.all(connection=stack.ctx.redis):
        job_id = worker.get_current_job_id()
        if worker.pid in pids and job_id and job_id.startswith("dispatch-"):
            found.append((worker.pid, job_id))
    return found


def _lock_waiters(conn) -> int:
    try:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")).scalar()
    finally:
        conn.rollback()  # a new snapshot of pg_stat_activity next time


def _stuck(stack, watch) -> list[tuple[int, str]]:
    """Workers inside a dispatch job, once every one of them waits on the lock."""
    busy = _dispatching(stack)
    return busy if busy and _lock_waiters(watch) >= len(busy) else []


def test_an_rq_worker_sigkilled_mid_job(stack, report):
    # fresh workers, registered in Redis (an earlier Redis restart may have wiped their records)
    for proc in stack.workers.alive():
        proc.terminate()
        proc.wait(timeout=30)
    stack.workers.wait_registered(stack.ctx.redis, count=2)
    openids = seed(stack, "o_kill_")
    killed = {}

    def fault():
        # Every dispatch job stops at its offer's INSERT, inside its transaction with the request's
        # row locked: wait for a worker stuck there, SIGKILL it, start a new one (its supervisor's job).
        with stack.ctx.engine.connect() as conn, stack.ctx.engine.connect() as watch:
            conn.execute(text("LOCK TABLE offers IN EXCLUSIVE MODE"))
            try:
                stuck = wait_for(lambda: _stuck(stack, watch), "a worker inside a dispatch transaction", timeout=60)
                pid, job_id = stuck[0]
                stack.workers.kill(next(p for p in stack.workers.alive() if p.pid == pid))
                killed.update(pid=pid, job=job_id)  # the supervisor starts another worker
            finally:
                conn.rollback()
        return killed

    driver, outcomes, _ = load(stack, openids, fault, at=0.6)
    request_id = int(killed["job"].removeprefix("dispatch-"))
    with stack.ctx.Session() as db:
        left = db.get(ServiceRequest, request_id)
        assert left.status == "received", "the killed transaction must leave no half assignment"
    job = Job.fetch(killed["job"], connection=stack.ctx.redis)
    assert job.get_status() == "started"  # RQ still believes it runs until the heartbeat expires
    wait_for(lambda: len(stack.workers.alive()) == 2, "the supervisor to restart the worker")
    assert killed["job"] in expire_abandoned(stack)
    settle(stack, openids)
    counted = tally(stack.ctx, outcomes)
    with stack.ctx.Session() as db:
        number = db.get(ServiceRequest, request_id).number
    report(verdict(f"RQ worker {killed['pid']} SIGKILLed inside {killed['job']} ({number})", driver, outcomes, counted,
                   "its job was retried after its heartbeat expired"))
    assert_nothing_lost_or_doubled(counted, outcomes)
    assert Job.fetch(killed["job"], connection=stack.ctx.redis).get_status() == "finished"


# -- WeChat's retries, all at once -----------------------------------------------------


def test_wechat_retrying_every_message_three_times_concurrently(stack, report):
    openids = seed(stack, "o_retry_")
    driver, outcomes, _ = load(stack, openids, concurrency=4, copies=4)
    settle(stack, openids)
    counted = tally(stack.ctx, outcomes)
    sent = sum(o.sent for o in outcomes)
    inbound = _logged(stack, openids, sent)
    with stack.ctx.Session() as db:
        replies = db.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.openid.in_(openids), OutboundMessage.channel == Channel.REPLY.value))
    report(verdict("WeChat delivering every message 4 times at once", driver, outcomes, counted,
                   f"{sent} messages → {inbound} inbound rows, {replies} replies recorded"))
    assert_nothing_lost_or_doubled(counted, outcomes)
    assert inbound == sent
    assert replies == sent
