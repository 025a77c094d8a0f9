"""``make bench-webhook``: the real ``/wechat`` against a bare wechatpy echo, same gunicorn, same load.

1. Resets PostgreSQL ``jzt_bench`` (schema dropped, migrated to head) and flushes Redis db 14.
2. Starts the app (``gunicorn 'bot.app:create_app()'``, ``JZT_ENV=test``) and the echo
   (``bench.echo_app``) with the same worker count, each on a free loopback port, and
   waits for a signed GET /wechat to answer 200.
3. For each server: a short warm-up, then BENCH_SECONDS of load with fresh, signed,
   encrypted (safe mode) text messages "你好", one unique MsgId each, from 200 openids,
   at BENCH_CONCURRENCY concurrent connections (wrk; Python processes without it).
4. Checks a sample of replies (decrypted: a text containing "求助", to the right user)
   and, for the app, that every answered message has its row in ``inbound_messages``.
5. Prints ``metric: value unit`` lines and the target checks (ratio >= 0.5, p99 < 20 ms).

Environment: BENCH_SECONDS (12), BENCH_WORKERS (gunicorn workers, 2),
BENCH_CONCURRENCY (concurrent clients, 8), BENCH_WARMUP_SECONDS (3), BENCH_USERS (200),
BENCH_CLIENT (wrk | python; default wrk, installed with apt-get when missing, else python),
BENCH_QUIET_WAIT (30: seconds to wait for other work on the machine to calm down before
each server's turn; the CPU lines say how much other work ran during the measurement).

Exit status: 0 when measured (targets missed or not), 1 when either server answered
more than 1 % of requests wrongly, 2 when a server or store could not be started,
130 on Ctrl-C. Both gunicorn process groups are always stopped.
"""

from __future__ import annotations

import math
import os
import sys
import time

from sqlalchemy.engine import make_url

from bench import harness, load
from bench.harness import Gunicorn, ServerFailed
from bot.config import Settings
from bot.simclient import WeChatServer

DEFAULT_SECONDS = 12
DEFAULT_WORKERS = 2
DEFAULT_CONCURRENCY = 8
MAX_ERROR_RATE = 0.01
TARGET_RATIO = 0.5
TARGET_P99_MS = 20.0
REPLY_MUST_CONTAIN = "求助"


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def metric(name: str, value, unit: str) -> None:
    print(f"{name}: {value} {unit}", flush=True)


def fmt_ms(value: float) -> str:
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


class Measurement:
    def __init__(self, name: str, result: load.LoadResult, cpu: harness.CpuMeter, checked: int, bad_replies: int, unrecorded: int = 0):
        self.name, self.result, self.cpu = name, result, cpu
        self.checked, self.bad_replies, self.unrecorded = checked, bad_replies, unrecorded

    def cpu_ms_per_msg(self, part: str) -> float:
        return self.cpu.seconds[part] * 1000 / self.result.responses if self.result.responses else 0.0

    @property
    def errors(self) -> int:
        return self.result.errors + self.bad_replies + self.unrecorded

    @property
    def error_rate(self) -> float:
        sample_rate = self.bad_replies / self.checked if self.checked else 1.0
        load_rate = (self.result.errors + self.unrecorded) / max(1, self.result.attempts)
        return max(sample_rate, load_rate) if self.result.attempts else 1.0


def check_replies(wechat: WeChatServer, samples: list[bytes], openid_prefix: str) -> tuple[int, list[str]]:
    """Decrypt sampled replies: a text to one of our users containing the main menu."""
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
    return len(samples), problems


class Bench:
    def __init__(self):
        self.seconds = harness.env_int("BENCH_SECONDS", DEFAULT_SECONDS, 1, 120)
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
            raise SystemExit("BENCH_CLIENT=wrk but wrk is not installed and could not be installed")
        self.database_url = harness.BENCH_DATABASE_URL
        self.redis_url = harness.BENCH_REDIS_URL
        self.env = harness.server_env(self.database_url, self.redis_url)
        settings = Settings.from_env(self.env)
        self.wechat = WeChatServer(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key, safe_mode=True)

    @property
    def client(self) -> str:
        return "wrk" if self.wrk else "python"

    def drive(self, server: Gunicorn, batch: load.Batch, seconds: float) -> load.LoadResult:
        if batch.age() + seconds > 240:
            raise RuntimeError("deliveries would go stale (signature window 300 s); lower BENCH_SECONDS")
        if self.wrk:
            return load.run_wrk(self.wrk, server.base_url, batch, seconds, self.concurrency)
        return load.run_python(server.port, batch, seconds, self.concurrency)

    def measure(self, server: Gunicorn) -> Measurement:
        prefix = f"o{server.name[:4]}"
        busy = harness.wait_for_quiet(self.quiet_wait)
        if busy > 0.3:
            log(f"{server.name}: the machine is busy ({busy:.2f} cores) with other work; measuring anyway")
        warm_batch = load.generate(self.wechat, self.warmup * 5000, self.users, prefix + "w")
        warm = self.drive(server, warm_batch, self.warmup)
        log(f"{server.name}: warm-up {warm.rate:.0f} msg/s, {warm.errors} errors, p99 {warm.p99_ms:.1f} ms")
        if not server.alive():
            raise ServerFailed(f"{server.name} died during the warm-up\n{server.log_tail()}")
        # enough fresh deliveries for the run at twice the warm-up rate (bounded)
        count = min(400_000, max(5_000, math.ceil(warm.rate * self.seconds * 2) + 3_000))
        batch = load.generate(self.wechat, count, self.users, prefix + "m")
        log(f"{server.name}: {count} deliveries generated; {self.seconds} s at {self.concurrency} connections ({self.client})")
        with harness.CpuMeter(server.proc.pid, make_url(self.database_url).database) as cpu:
            result = self.drive(server, batch, self.seconds)
        if not server.alive():
            raise ServerFailed(f"{server.name} died during the run\n{server.log_tail()}")
        checked, problems = check_replies(self.wechat, result.samples, prefix + "m")
        for problem in problems[:5]:
            log(f"{server.name}: {problem}")
        unrecorded = 0
        if server.name == "webhook":
            rows = harness.count_rows(self.database_url, "inbound_messages")
            answered = sum(r.responses - r.non200 - r.unsealed - r.reused for r in (warm, result))
            unrecorded = max(0, answered - rows)
            log(f"{server.name}: {rows} inbound rows for {answered} fresh answered messages")
        if result.reused:
            log(f"{server.name}: WARNING {result.reused} deliveries were sent twice (generator ran out); the rate is flattered")
        if result.errors:
            log(f"{server.name}: {result.non200} non-200, {result.socket_errors} socket errors, {result.unsealed} unencrypted 200s")
        log(f"{server.name}: CPU in cores: server {cpu.cores('server'):.2f}, Redis + PostgreSQL backends {cpu.cores('stores'):.2f}, "
            f"load generator {cpu.cores('client'):.2f}, other {cpu.cores('other'):.2f}")
        if cpu.cores("other") > 0.25:
            log(f"{server.name}: WARNING other work used {cpu.cores('other'):.2f} cores during the run; figures are disturbed")
        return Measurement(server.name, result, cpu, checked, len(problems), unrecorded)

    def run(self) -> int:
        log(f"workers={self.workers} concurrency={self.concurrency} seconds={self.seconds} warmup={self.warmup} "
            f"users={self.users} client={self.client} cores={os.cpu_count()}")
        harness.reset_postgres(self.database_url)
        harness.flush_redis(self.redis_url)
        servers = [
            Gunicorn("webhook", "bot.app:create_app()", self.workers, self.env),
            Gunicorn("echo", "bench.echo_app:app", self.workers, self.env),
        ]
        measured: dict[str, Measurement] = {}
        try:
            for server in servers:
                server.start()
            for server in servers:
                server.wait_ready(self.wechat.verification())
                log(f"{server.name}: ready on {server.base_url} ({self.workers} workers)")
            for server in servers:
                measured[server.name] = self.measure(server)
                time.sleep(1)
        finally:
            for server in servers:
                server.stop()
                server.cleanup()
        return self.report(measured["webhook"], measured["echo"])

    def report(self, app: Measurement, echo: Measurement) -> int:
        metric("bench_workers", self.workers, "count")
        metric("bench_concurrency", self.concurrency, "count")
        metric("bench_seconds", self.seconds, "s")
        for m in (app, echo):
            r = m.result
            metric(f"{m.name}_msgs_per_s", f"{r.rate:.0f}", "msg/s")
            metric(f"{m.name}_p50_ms", fmt_ms(r.p50_ms), "ms")
            metric(f"{m.name}_p99_ms", fmt_ms(r.p99_ms), "ms")
            metric(f"{m.name}_max_ms", fmt_ms(r.max_ms), "ms")
            metric(f"{m.name}_requests", r.responses, "count")
            metric(f"{m.name}_errors", m.errors, "count")
            metric(f"{m.name}_replies_checked", m.checked, "count")
            metric(f"{m.name}_server_cpu_per_msg_ms", f"{m.cpu_ms_per_msg('server'):.2f}", "ms")
            metric(f"{m.name}_stores_cpu_per_msg_ms", f"{m.cpu_ms_per_msg('stores'):.2f}", "ms")
            metric(f"{m.name}_other_cpu_cores", f"{m.cpu.cores('other'):.2f}", "cores")
            if r.reused:
                metric(f"{m.name}_reused", r.reused, "count")
        ratio = app.result.rate / echo.result.rate if echo.result.rate else 0.0
        metric("ratio_webhook_to_echo", f"{ratio:.2f}", "x")
        metric("target_ratio_min", TARGET_RATIO, "x")
        metric("target_webhook_p99_max_ms", f"{TARGET_P99_MS:g}", "ms")
        print(f"target_ratio_met: {'yes' if ratio >= TARGET_RATIO else 'no'}")
        print(f"target_p99_met: {'yes' if app.result.p99_ms < TARGET_P99_MS else 'no'}", flush=True)
        failed = [m for m in (app, echo) if m.error_rate > MAX_ERROR_RATE]
        for m in failed:
            log(f"{m.name}: error rate {m.error_rate:.1%} is over {MAX_ERROR_RATE:.0%}")
        return 1 if failed else 0


def main() -> int:
    harness.raise_on_sigterm()
    try:
        return Bench().run()
    except ServerFailed as exc:
        log(f"FAILED: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
