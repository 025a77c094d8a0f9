"""``make bench-engine``: the dialogue engine's time per turn, without HTTP.

Each turn runs exactly what the webhook runs after parsing (``bot.inbound.handle``: the
per-user lock, the inbound row, routing, the engine, the draft and state, step events,
idle timers, commit) against PostgreSQL ``jzt_bench_engine`` and Redis db 11 on loopback.
``engine_turn_*`` times the routing and dialogue work (state from Redis, parsing, the
flow's own queries, staging the draft); ``full_turn_*`` adds the delivery bookkeeping
around it (user lock, inbound and reply rows, commit, Redis state and timers).
Simulated residents each go through the whole 求助 flow (9 turns) and the 进度 command.
Prints one figure a line as ``metric: value unit``. Environment: BENCH_USERS (300),
JZT_BENCH_ENGINE_DATABASE_URL and JZT_BENCH_ENGINE_REDIS_URL (the stores above).
"""

from __future__ import annotations

import itertools
import os
import statistics
import time

from stack import harness
from bot import demo
from bot.app import create_app
from core.config import Settings
from bot import inbound
from conversations.inputs import UserInput
from models.households.households import Household, new_member
from models.households.residents import bind, set_consent

DATABASE_URL = os.environ.get("JZT_BENCH_ENGINE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jzt_bench_engine")
REDIS_URL = os.environ.get("JZT_BENCH_ENGINE_REDIS_URL", "redis://127.0.0.1:6379/11")
SCRIPT = ("求助", "1", "帮办代办", "帮我买点降压药", "明天", "对", "是", "进度", "你好")
TARGET_MEDIAN_MS, TARGET_P99_MS = 2.0, 10.0


def main() -> None:
    users = harness.env_int("BENCH_USERS", 300, 10, 5000)
    harness.reset_postgres(DATABASE_URL)
    harness.flush_redis(REDIS_URL)
    settings = Settings.from_env({"JZT_ENV": "test", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL})
    app = create_app(settings, start_worker=False)
    ctx = app.extensions["jzt.context"]
    openids = _residents(ctx, users)
    ids = itertools.count(1)
    engine, full = [], []
    route = inbound.route

    def timed_route(turn):
        started = time.perf_counter()
        try:
            return route(turn)
        finally:
            engine.append((time.perf_counter() - started) * 1000)

    inbound.route = timed_route
    for _ in range(2):  # warm-up pass, then the measured pass
        engine.clear(), full.clear()
        for openid in openids:
            for text in SCRIPT:
                started = time.perf_counter()
                inbound.handle(ctx, openid, f"m:{next(ids)}", "text", UserInput.typed(text), text)
                full.append((time.perf_counter() - started) * 1000)
    print(f"engine_turns: {len(engine)} turns")
    median, p99 = _report("engine_turn", engine)
    _report("full_turn", full)
    print(f"engine_target_met: {'yes' if median < TARGET_MEDIAN_MS and p99 < TARGET_P99_MS else 'no'}")


def _report(name: str, timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    median, p99 = statistics.median(timings), timings[int(len(timings) * 0.99) - 1]
    print(f"{name}_median_ms: {median:.2f} ms")
    print(f"{name}_p95_ms: {timings[int(len(timings) * 0.95) - 1]:.2f} ms")
    print(f"{name}_p99_ms: {p99:.2f} ms")
    return median, p99


def _residents(ctx, count: int) -> list[str]:
    """Bind ``count`` simulated residents to members of the demo county's 城北村."""
    from conversations.parsers import id_check_char

    with ctx.Session.begin() as db:
        demo.seed(db, ctx.cipher)
        village = db.get(Household, 1).village
        openids = []
        for n in range(count):
            household = Household(village=village, roster_no=f"BENCH-{n:05d}", head_name=f"居民{n}", address_enc=ctx.cipher.encrypt(f"城北村{n}号"))
            db.add(household)
            stem = f"34242519{40 + n % 30:02d}0101{n % 1000:03d}"
            member = new_member(db, ctx.cipher, household, name=f"居民{n}", id_number=stem + id_check_char(stem), groups=["minimum_living"], self_care="semi_dependent")
            db.flush()
            openid = f"o_bench_engine_{n:05d}"
            set_consent(db, openid, True, ctx.clock())
            bind(db, openid, member, "本人")
            openids.append(openid)
    return openids


if __name__ == "__main__":
    os.environ.setdefault("JZT_ENV", "test")
    main()
