"""``make bench-load``: many residents run the whole 求助 journey at once, end to end.

1. Resets PostgreSQL ``jzt_bench_load`` (created if missing, migrated) and flushes Redis db 8,
   then seeds the demo county and BENCH_USERS generated residents (a household, a member, the
   consent and the binding each) and providers enough for their errands.
2. Starts, on loopback only: gunicorn with BENCH_WORKERS sync workers serving the app, the
   minimal wechatpy echo webhook (``bench.echo_app``) with as many, BENCH_RQ_WORKERS ``rq worker``
   processes (``rq.SimpleWorker``, with the scheduler, the app's environment) and one ``rq cron``.
3. Every resident says 求助, 1, 帮办代办, 帮我买药, 明天, 对, 是 (signed, encrypted deliveries; each
   waits for the reply to the one before), BENCH_CONCURRENCY residents at a time, from forked
   client processes; every reply is decrypted and checked against the script.
4. Waits (at most BENCH_DISPATCH_WAIT s) until the RQ workers have offered every request to a
   provider or escalated it to the town, then counts requests acknowledged (the resident saw the
   FW number) vs in the database vs dispatched, and anything doubled.
5. Sends the same number of messages, from the same client at the same concurrency, to the echo
   webhook, and prints both rates and their ratio.

Prints ``metric: value unit`` lines. Environment: BENCH_USERS (300), BENCH_CONCURRENCY (16),
BENCH_WORKERS (4), BENCH_RQ_WORKERS (2), BENCH_DISPATCH_WAIT (120), BENCH_TIMEOUT (900: the
whole run). Exit status: 0 measured; 1 when a request was lost or doubled, a journey derailed,
or over 1 % of the messages failed; 2 when a server or store failed; 130 on Ctrl-C or SIGTERM.
Every process it started is stopped, whatever happens.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import sys
import time

from sqlalchemy import func, select

from stack import harness
from stack.harness import Gunicorn, ServerFailed
from stack.journey import DISPATCHED, JOURNEY, Driver, Outcome, Stats, seed_residents, tally, waiting_for_dispatch
from stack.servers import RQCron, RQWorkers, wait_for
from bench.webhook import fmt_ms, metric
from core.config import Settings
from bot.simclient import WeChatServer
from models.audit import AuditEntry
from models.requests.requests import ServiceRequest
from core import context as worker_context

DATABASE_URL = os.environ.get("JZT_BENCH_LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jzt_bench_load")
REDIS_URL = os.environ.get("JZT_BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/8")
PREFIX = "o_load_"
WECHAT_LIMIT_S = 5.0
#: the client waits this long for a reply, so that the tail beyond WeChat's 5 s is measured
CLIENT_TIMEOUT_S = 30.0
MAX_ERROR_RATE = 0.01
ECHO_SCRIPT = tuple((text, "求助") for text, _ in JOURNEY)  # the echo answers the main menu to all


def log(text: str) -> None:
    print(f"bench-load: {text}", file=sys.stderr, flush=True)


class Deadline:
    """The whole run's time limit: SIGALRM raises, so ``finally`` stops every process."""

    def __init__(self, seconds: int):
        self.seconds = seconds

    def __enter__(self) -> "Deadline":
        def expired(_signum, _frame):
            raise TimeoutError(f"the run took over BENCH_TIMEOUT={self.seconds} s")

        signal.signal(signal.SIGALRM, expired)
        signal.alarm(self.seconds)
        return self

    def __exit__(self, *exc) -> None:
        signal.alarm(0)


# -- the client ------------------------------------------------------------------------


def _client(port: int, wechat: WeChatServer, openids: list[str], threads: int, script, conn) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    driver = Driver(port, wechat, wechat_timeout=CLIENT_TIMEOUT_S, script=script, resend_limit=1)
    outcomes = driver.run(openids, threads)
    conn.send((outcomes, driver.stats))
    conn.close()


def drive(port: int, wechat: WeChatServer, openids: list[str], concurrency: int, script=JOURNEY) -> tuple[list[Outcome], Stats, float]:
    """Run the script for every openid, ``concurrency`` at a time, from forked client processes
    (threads in each); returns the outcomes, every POST's status and latency, and the seconds."""
    context = mp.get_context("fork")
    processes = max(1, min(os.cpu_count() or 1, 4, concurrency))
    threads = math.ceil(concurrency / processes)
    slices = [openids[i::processes] for i in range(processes)]
    pipes, children = [], []
    started = time.monotonic()
    for part in slices:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_client, args=(port, wechat, part, threads, script, send), daemon=True)
        child.start()
        send.close()
        pipes.append(receive)
        children.append(child)
    outcomes, stats = [], Stats()
    try:
        for receive in pipes:
            part_outcomes, part_stats = receive.recv()
            outcomes.extend(part_outcomes)
            stats.merge(part_stats)
    finally:
        for child in children:
            child.join(timeout=5)
            if child.is_alive():
                child.kill()
                child.join()
    return outcomes, stats, time.monotonic() - started


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


# -- the run ---------------------------------------------------------------------------


class LoadBench:
    def __init__(self):
        self.users = harness.env_int("BENCH_USERS", 300, 1, 20_000)
        self.concurrency = harness.env_int("BENCH_CONCURRENCY", 16, 1, 256)
        self.workers = harness.env_int("BENCH_WORKERS", 4, 1, 32)
        self.rq_workers = harness.env_int("BENCH_RQ_WORKERS", 2, 1, 16)
        self.dispatch_wait = harness.env_int("BENCH_DISPATCH_WAIT", 120, 5, 3600)
        self.timeout = harness.env_int("BENCH_TIMEOUT", 900, 60, 7200)
        self.env = harness.server_env(DATABASE_URL, REDIS_URL)
        settings = Settings.from_env(self.env)
        self.wechat = WeChatServer(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key, safe_mode=True)
        self.settings = settings

    def run(self) -> int:
        log(f"users={self.users} concurrency={self.concurrency} gunicorn workers={self.workers} rq workers={self.rq_workers} cores={os.cpu_count()}")
        harness.reset_postgres(DATABASE_URL)
        harness.flush_redis(REDIS_URL)
        ctx = worker_context.build(self.settings)
        started = time.monotonic()
        openids = seed_residents(ctx, self.users, PREFIX)
        log(f"seeded the demo county and {len(openids)} residents in {time.monotonic() - started:.1f} s")
        app = Gunicorn("load", "bot.app:create_app()", self.workers, self.env, extra_args=("--timeout", "60"))
        echo = Gunicorn("echo", "bench.echo_app:app", self.workers, self.env)
        rq = RQWorkers(self.env, REDIS_URL, count=self.rq_workers)
        cron = RQCron(self.env, REDIS_URL)
        try:
            for part in (app, echo, rq, cron):
                part.start()
            for server in (app, echo):
                server.wait_ready(self.wechat.verification(), timeout=120)
            rq.wait_registered(ctx.redis)
            log(f"ready: app on {app.base_url}, echo on {echo.base_url}, {self.rq_workers} RQ workers, rq cron")
            busy = harness.wait_for_quiet(20)
            if busy > 0.25:
                log(f"other work keeps {busy:.2f} cores busy; measuring anyway")

            outcomes, stats, seconds = drive(app.port, self.wechat, openids, self.concurrency)
            last_reply = time.monotonic()
            if not app.alive():
                raise ServerFailed(f"the app died under load\n{app.log_tail()}")
            log(f"journeys: {sum(stats.statuses.values())} replies in {seconds:.1f} s")
            try:
                wait_for(lambda: waiting_for_dispatch(ctx, openids) == 0, "every request to be dispatched", timeout=self.dispatch_wait, every=0.2)
            except ServerFailed as exc:
                log(f"{exc}; counting what was dispatched\n{rq.log_tail()}")
            dispatch_all_s = time.monotonic() - last_reply
            counted = tally(ctx, outcomes)
            lags = self.dispatch_lags(ctx, openids)

            echo_ids = [f"o_echo_{n:06d}" for n in range(len(openids))]
            echo_outcomes, echo_stats, echo_seconds = drive(echo.port, self.wechat, echo_ids, self.concurrency, ECHO_SCRIPT)
            log(f"echo: {sum(echo_stats.statuses.values())} replies in {echo_seconds:.1f} s")
        finally:
            cron.stop()
            rq.stop()
            for server in (app, echo):
                server.stop()
            tails = rq.log_tail(5)
            for part in (cron, rq, app, echo):
                part.cleanup()
            ctx.engine.dispose()
        return self.report(outcomes, stats, seconds, counted, lags, dispatch_all_s, echo_outcomes, echo_stats, echo_seconds, tails)

    @staticmethod
    def dispatch_lags(ctx, openids: list[str]) -> list[float]:
        """Seconds from each request's creation to its offer (or escalation), sorted."""
        with ctx.Session() as db:
            first = (select(AuditEntry.subject_id, func.min(AuditEntry.at).label("at"))
                     .where(AuditEntry.subject == "request", AuditEntry.action.in_(DISPATCHED))
                     .group_by(AuditEntry.subject_id).subquery())
            rows = db.execute(select(ServiceRequest.created_at, first.c.at).join(first, first.c.subject_id == ServiceRequest.id)
                              .where(ServiceRequest.requested_by.in_(openids))).all()
        return sorted((at - created).total_seconds() for created, at in rows)

    def report(self, outcomes, stats, seconds, counted, lags, dispatch_all_s, echo_outcomes, echo_stats, echo_seconds, tails) -> int:
        latencies = sorted(stats.latencies)
        replies = len(latencies)
        rate = replies / seconds if seconds else 0.0
        errors = stats.no_answer + sum(n for status, n in stats.statuses.items() if status != 200)
        derailed = [o for o in outcomes if o.derailed]
        over = sum(1 for v in latencies if v > WECHAT_LIMIT_S)
        echo_latencies = sorted(echo_stats.latencies)
        echo_rate = len(echo_latencies) / echo_seconds if echo_seconds else 0.0
        ms = lambda v: fmt_ms(v * 1000)  # noqa: E731

        metric("load_residents", len(outcomes), "count")
        metric("load_concurrency", self.concurrency, "count")
        metric("load_gunicorn_workers", self.workers, "count")
        metric("load_rq_workers", self.rq_workers, "count")
        metric("load_messages", replies, "count")
        metric("load_seconds", f"{seconds:.1f}", "s")
        metric("load_msgs_per_s", f"{rate:.0f}", "msg/s")
        metric("load_p50_ms", ms(percentile(latencies, 50)), "ms")
        metric("load_p95_ms", ms(percentile(latencies, 95)), "ms")
        metric("load_p99_ms", ms(percentile(latencies, 99)), "ms")
        metric("load_max_ms", ms(latencies[-1] if latencies else 0.0), "ms")
        metric("load_replies_over_5s", f"{100 * over / replies if replies else 0:.2f}", "%")
        metric("load_errors", errors, "count")
        metric("load_journeys_derailed", len(derailed), "count")
        metric("load_requests_acknowledged", counted.acknowledged, "count")
        metric("load_requests_in_database", counted.in_database, "count")
        metric("load_requests_dispatched", counted.dispatched, "count")
        metric("load_requests_offered", counted.offers, "count")
        metric("load_requests_doubled", counted.doubled_requests + counted.doubled_offers, "count")
        metric("load_dispatch_lag_p50_ms", ms(percentile(lags, 50)), "ms")
        metric("load_dispatch_lag_p99_ms", ms(percentile(lags, 99)), "ms")
        metric("load_all_dispatched_after_last_reply_s", f"{dispatch_all_s:.1f}", "s")
        metric("echo_msgs_per_s", f"{echo_rate:.0f}", "msg/s")
        metric("echo_p50_ms", ms(percentile(echo_latencies, 50)), "ms")
        metric("echo_p99_ms", ms(percentile(echo_latencies, 99)), "ms")
        metric("ratio_load_to_echo", f"{rate / echo_rate if echo_rate else 0:.2f}", "x")

        failed = []
        if counted.problems:
            failed.append(f"lost or doubled: {counted.problems}")
        if derailed:
            failed.append(f"{len(derailed)} journeys derailed, e.g. {derailed[0].derailed}")
        if not (counted.acknowledged == counted.in_database == counted.dispatched == len(outcomes)):
            failed.append(f"{len(outcomes)} residents, {counted.acknowledged} acknowledged, {counted.in_database} in the database, {counted.dispatched} dispatched")
        if errors > MAX_ERROR_RATE * max(1, replies + stats.no_answer):
            failed.append(f"{errors} failed messages")
        for problem in failed:
            log(f"FAILED: {problem}")
        if failed and tails:
            log(f"RQ workers' last lines:\n{tails}")
        return 1 if failed else 0


def main() -> int:
    harness.raise_on_sigterm()
    bench = LoadBench()
    try:
        with Deadline(bench.timeout):
            return bench.run()
    except (ServerFailed, TimeoutError, RuntimeError) as exc:
        log(f"FAILED: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
