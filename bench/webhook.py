"""``make bench-webhook``: the real ``/wechat`` against a bare wechatpy echo, same gunicorn, same load.

1. Resets PostgreSQL ``jzt_bench`` (schema dropped, migrated to head) and flushes Redis db 14.
2. Starts the app (``gunicorn 'bot.app:create_app()'``, ``JZT_ENV=test``) and the echo
   (``bench.echo_app``) with the same worker count, each on a free loopback port, and
   waits for a signed GET /wechat to answer 200.
3. Warms both up, then measures them in alternating rounds (webhook, echo, echo,
   webhook ...; BENCH_SECONDS in all per server), so that other work on the machine
   weighs on both alike. Load: fresh, signed, encrypted (safe mode) text messages "你好",
   one unique MsgId each, from 200 openids, at BENCH_CONCURRENCY concurrent
   connections (wrk; Python processes without it). Every delivery is sent once.
4. Checks a sample of replies (decrypted: a text containing "求助", to the right user)
   and, for the app, that every answered message has its row in ``inbound_messages``.
5. Prints ``metric: value unit`` lines and the target checks (ratio >= 0.5, p99 < 20 ms),
   and where the CPU went (per message: the server's workers, Redis + PostgreSQL).

Environment: BENCH_SECONDS (12 per server), BENCH_ROUNDS (3), BENCH_WORKERS (gunicorn
workers, 4), BENCH_CONCURRENCY (concurrent connections, 8), BENCH_WARMUP_SECONDS (3),
BENCH_USERS (200), BENCH_CLIENT (wrk | python; default wrk, installed with apt-get when
missing and possible, else python), BENCH_QUIET_WAIT (30: seconds to wait, at most,
for other work on the machine to calm down before measuring), JZT_BENCH_DATABASE_URL and
JZT_BENCH_REDIS_URL (the stores above).

Exit status: 0 when measured (targets met or not), 1 when either server answered more
than 1 % of requests wrongly, 2 when a server, a store or the load generator failed,
130 on Ctrl-C. Both gunicorn process groups are always stopped.
"""

from __future__ import annotations

import math
import os
import sys

from sqlalchemy.engine import make_url

from bench import load
from stack import harness
from stack.harness import Gunicorn, ServerFailed
from core.config import Settings
from bot.simclient import WeChatServer

DEFAULT_SECONDS = 12
DEFAULT_ROUNDS = 3
DEFAULT_WORKERS = 4
DEFAULT_CONCURRENCY = 8
MAX_ERROR_RATE = 0.01
TARGET_RATIO = 0.5
TARGET_P99_MS = 20.0
REPLY_MUST_CONTAIN = "求助"
#: above this many cores of other work during the measurement, the figures are flagged
DISTURBED_CORES = 0.25


def write_message_log(env: dict[str, str]) -> None:
    """Read-only turns are logged in batches by a periodic job (workers.message_log); run it
    to the end, as production's ``rq cron`` would within seconds, before counting rows."""
    from core import context
    from workers.message_log import flush_message_log, pending

    ctx = context.install(context.build(Settings.from_env(env)))
    while pending(ctx):
        flush_message_log()


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def metric(name: str, value, unit: str) -> None:
    print(f"{name}: {value} {unit}", flush=True)


def fmt_ms(value: float) -> str:
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


class CpuSum:
    """CPU seconds by part (see ``harness.CpuMeter``) added up over rounds."""

    def __init__(self):
        self.seconds = {"server": 0.0, "stores": 0.0, "client": 0.0, "other": 0.0}
        self.elapsed = 0.0

    def add(self, meter: harness.CpuMeter) -> None:
        for part, value in meter.seconds.items():
            self.seconds[part] += value
        self.elapsed += meter.elapsed

    def cores(self, part: str) -> float:
        return self.seconds[part] / self.elapsed if self.elapsed else 0.0


class Target:
    """One server under test: its rounds, CPU and checks."""

    def __init__(self, server: Gunicorn, prefix: str):
        self.server, self.prefix = server, prefix
        self.name = server.name
        self.warm: load.LoadResult | None = None
        self.rate_hint = 0.0
        self.rounds: list[load.LoadResult] = []
        self.cpu = CpuSum()
        self.checked = self.bad_replies = self.unrecorded = 0

    @property
    def result(self) -> load.LoadResult:
        return load.merge(self.rounds)

    def cpu_ms_per_msg(self, part: str) -> float:
        responses = self.result.responses
        return self.cpu.seconds[part] * 1000 / responses if responses else 0.0

    @property
    def errors(self) -> int:
        return self.result.errors + self.bad_replies + self.unrecorded

    @property
    def error_rate(self) -> float:
        result = self.result
        if not result.attempts:
            return 1.0
        sample_rate = self.bad_replies / self.checked if self.checked else 1.0
        return max(sample_rate, (result.errors + self.unrecorded) / result.attempts)


def check_replies(wechat: WeChatServer, samples: list[bytes], openid_prefix: str) -> list[str]:
    """Decrypt sampled replies: each must be a text to one of our users with the main menu."""
    problems = []
    for body in samples:
        try:
            reply = wechat.read_reply(body)
        except Exception as exc:  # anything wechatpy or xmltodict raises is a bad reply
            problems.append(f"undecryptable reply ({type(exc).__name__}): {body[:120]!r}")
            continue
        if not reply or reply.get("MsgType") != "text" or REPLY_MUST_CONTAIN not in (reply.get("Content") or ""):
            problems.append(f"unexpected reply: {str(reply)[:200]}")
        elif not str(reply.get("ToUserName", "")).startswith(openid_prefix):
            problems.append(f"reply to the wrong user: {reply.get('ToUserName')!r}")
    return problems


class Bench:
    def __init__(self):
        self.seconds = harness.env_int("BENCH_SECONDS", DEFAULT_SECONDS, 1, 120)
        self.rounds = harness.env_int("BENCH_ROUNDS", DEFAULT_ROUNDS, 1, 20)
        self.warmup = harness.env_int("BENCH_WARMUP_SECONDS", 3, 1, 30)
        self.workers = harness.env_int("BENCH_WORKERS", DEFAULT_WORKERS, 1, 32)
        self.concurrency = harness.env_int("BENCH_CONCURRENCY", DEFAULT_CONCURRENCY, 1, 256)
        self.users = harness.env_int("BENCH_USERS", 200, 1, 100_000)
        self.quiet_wait = harness.env_int("BENCH_QUIET_WAIT", 30, 0, 600)
        choice = os.environ.get("BENCH_CLIENT", "").strip().lower()
        if choice not in ("", "wrk", "python"):
            raise SystemExit(f"BENCH_CLIENT must be wrk or python, not {choice!r}")
        self.wrk = None if choice == "python" else load.find_wrk(install=True)
        if choice == "wrk" and not self.wrk:
            raise SystemExit("BENCH_CLIENT=wrk, but wrk is missing and could not be installed")
        self.database_url = harness.BENCH_DATABASE_URL
        self.redis_url = harness.BENCH_REDIS_URL
        self.env = harness.server_env(self.database_url, self.redis_url)
        settings = Settings.from_env(self.env)
        self.wechat = WeChatServer(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key, safe_mode=True)

    @property
    def client(self) -> str:
        return "wrk" if self.wrk else "python"

    # -- load ----------------------------------------------------------------------

    def drive(self, server: Gunicorn, batch: load.Batch, seconds: float) -> load.LoadResult:
        if batch.age() + seconds > 240:
            raise RuntimeError("deliveries would go stale (signature window 300 s); lower BENCH_SECONDS")
        try:
            if self.wrk:
                return load.run_wrk(self.wrk, server.base_url, batch, seconds, self.concurrency)
            return load.run_python(server.port, batch, seconds, self.concurrency)
        finally:
            if not server.alive():
                raise ServerFailed(f"{server.name} died under load\n{server.log_tail()}")

    def warm_up(self, target: Target) -> None:
        batch = load.generate(self.wechat, self.warmup * 5000, self.users, target.prefix + "w")
        target.warm = self.drive(target.server, batch, self.warmup)
        target.rate_hint = target.warm.rate
        log(f"{target.name}: warm-up {target.warm.rate:.0f} msg/s, {target.warm.errors} errors, p99 {target.warm.p99_ms:.1f} ms")

    def measure_round(self, target: Target, seconds: float) -> None:
        # enough fresh deliveries for twice the best rate seen so far (bounded)
        count = min(400_000, max(5_000, math.ceil(target.rate_hint * seconds * 2) + 3_000))
        batch = load.generate(self.wechat, count, self.users, target.prefix + "m")
        with harness.CpuMeter(target.server.proc.pid, make_url(self.database_url).database) as meter:
            result = self.drive(target.server, batch, seconds)
        target.rounds.append(result)
        target.cpu.add(meter)
        target.rate_hint = max(target.rate_hint, result.rate)
        log(f"{target.name}: {result.rate:.0f} msg/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
            f"{result.errors} errors; CPU cores: server {meter.cores('server'):.2f}, Redis+PostgreSQL {meter.cores('stores'):.2f}, "
            f"load {meter.cores('client'):.2f}, other {meter.cores('other'):.2f}")

    def verify(self, target: Target) -> None:
        result = target.result
        problems = check_replies(self.wechat, result.samples, target.prefix + "m")
        target.checked, target.bad_replies = len(result.samples), len(problems)
        for problem in problems[:5]:
            log(f"{target.name}: {problem}")
        if target.name == "webhook":
            write_message_log(self.env)
            rows = harness.count_rows(self.database_url, "inbound_messages")
            answered = sum(r.responses - r.non200 - r.unsealed - r.reused for r in [target.warm, *target.rounds])
            target.unrecorded = max(0, answered - rows)
            log(f"{target.name}: {rows} inbound rows for {answered} answered deliveries")
        if result.reused:
            log(f"{target.name}: WARNING {result.reused} deliveries were sent twice (generator ran out); the rate is flattered")
        if result.errors:
            log(f"{target.name}: {result.non200} non-200, {result.socket_errors} socket errors/timeouts, {result.unsealed} unencrypted 200s")

    # -- the run -------------------------------------------------------------------

    def run(self) -> int:
        log(f"workers={self.workers} concurrency={self.concurrency} seconds={self.seconds} rounds={self.rounds} "
            f"warmup={self.warmup} users={self.users} client={self.client} cores={os.cpu_count()}")
        if not self.wrk:
            log("the Python load generator costs more CPU per request than wrk: on a small machine it lowers both rates")
        harness.reset_postgres(self.database_url)
        harness.flush_redis(self.redis_url)
        app = Target(Gunicorn("webhook", "bot.app:create_app()", self.workers, self.env), "owebh")
        echo = Target(Gunicorn("echo", "bench.echo_app:app", self.workers, self.env), "oecho")
        targets = (app, echo)
        try:
            for t in targets:
                t.server.start()
            for t in targets:
                t.server.wait_ready(self.wechat.verification())
                log(f"{t.name}: ready on {t.server.base_url} ({self.workers} workers)")
            busy = harness.wait_for_quiet(self.quiet_wait)
            if busy > DISTURBED_CORES:
                log(f"other work keeps {busy:.2f} cores busy; measuring anyway")
            for t in targets:
                self.warm_up(t)
            per_round = self.seconds / self.rounds
            for n in range(self.rounds):
                for t in targets if n % 2 == 0 else reversed(targets):
                    self.measure_round(t, per_round)
            for t in targets:
                self.verify(t)
        finally:
            for t in targets:
                t.server.stop()
                t.server.cleanup()
        return self.report(app, echo)

    def report(self, app: Target, echo: Target) -> int:
        metric("bench_workers", self.workers, "count")
        metric("bench_concurrency", self.concurrency, "count")
        metric("bench_seconds", self.seconds, "s")
        for t in (app, echo):
            r = t.result
            metric(f"{t.name}_msgs_per_s", f"{r.rate:.0f}", "msg/s")
            metric(f"{t.name}_p50_ms", fmt_ms(r.p50_ms), "ms")
            metric(f"{t.name}_p99_ms", fmt_ms(r.p99_ms), "ms")
            metric(f"{t.name}_max_ms", fmt_ms(r.max_ms), "ms")
            metric(f"{t.name}_requests", r.responses, "count")
            metric(f"{t.name}_errors", t.errors, "count")
            metric(f"{t.name}_replies_checked", t.checked, "count")
            metric(f"{t.name}_server_cpu_per_msg_ms", f"{t.cpu_ms_per_msg('server'):.2f}", "ms")
            metric(f"{t.name}_stores_cpu_per_msg_ms", f"{t.cpu_ms_per_msg('stores'):.2f}", "ms")
            metric(f"{t.name}_other_cpu_cores", f"{t.cpu.cores('other'):.2f}", "cores")
            if r.reused:
                metric(f"{t.name}_reused", r.reused, "count")
        ratio = app.result.rate / echo.result.rate if echo.result.rate else 0.0
        metric("ratio_webhook_to_echo", f"{ratio:.2f}", "x")
        metric("target_ratio_min", TARGET_RATIO, "x")
        metric("target_webhook_p99_max_ms", f"{TARGET_P99_MS:g}", "ms")
        print(f"target_ratio_met: {'yes' if ratio >= TARGET_RATIO else 'no'}")
        print(f"target_p99_met: {'yes' if app.result.p99_ms < TARGET_P99_MS else 'no'}", flush=True)
        for t in (app, echo):
            if t.cpu.cores("other") > DISTURBED_CORES:
                log(f"{t.name}: WARNING other work used {t.cpu.cores('other'):.2f} cores during its rounds; its figures are disturbed")
        failed = [t for t in (app, echo) if t.error_rate > MAX_ERROR_RATE]
        for t in failed:
            log(f"{t.name}: FAILED: {t.errors} errors, error rate {t.error_rate:.1%} is over {MAX_ERROR_RATE:.0%}")
        return 1 if failed else 0


def main() -> int:
    harness.raise_on_sigterm()
    try:
        return Bench().run()
    except (ServerFailed, RuntimeError) as exc:
        log(f"FAILED: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
