"""``make bench-backoffice``: the back office on a county of 50,000 households and 500,000 requests.

1. Resets PostgreSQL ``jzt_bench_backoffice`` (schema dropped, migrated to head) and fills it with
   SQLAlchemy Core bulk inserts (not timed): 16 towns × 20 villages, 50,000 households (one
   member, 1–2 assessments each), 500,000 requests over 500 days (1,000 a day; 92 % completed,
   most of them rated, a few escalated), their audit trail (about 1.9 million entries), 100,000
   visits, 5,000 referrals, 5,000 leads and 5,000 applications; then ``VACUUM ANALYZE``.
2. Times the overview page (``GET /admin/`` through the Flask app, logged in: every query, the
   charts and the template) for the county and a town (this year, the page's default), and for
   the county over all 500 days: 2 warm-up renders, then ``RUNS`` timed ones each, after waiting
   (at most 60 s) for other work on the machine to calm down. Target: median under 500 ms for
   the default page; the 500-day figure is reported against the same line.
3. Times a 100,000-row service ledger (each request with its trace from the audit trail): the
   export is asked for as the web page does, an RQ ``SimpleWorker`` (Redis db 12) builds it, and
   the time runs from the request to the finished file in the database. Target: under 60 s.

Output: one figure a line, ``metric: value unit``. Loopback only; finishes by itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
import resource
import statistics
import sys
import time

from sqlalchemy import insert, select, text

from stack.harness import flush_redis, reset_postgres, wait_for_quiet
from bot.app import create_app
from core.config import Settings
from models import tables  # noqa: F401
from models.applications import Application
from models.areas import Town, Village
from models.calendar import COUNTY_TZ
from models.catalogue.catalogue import ServiceItem, seed_catalogue
from models.households.households import Assessment, Household, Member
from models.leads import Lead
from models.ledger_exports import ExportKind, LedgerExport, request_export
from models.catalogue.providers import Provider
from models.requests.requests import Referral, ServiceRequest
from models.staff.staff import Role, Staff
from models.visits.visits import Visit
from models.staff.web_accounts import create_account
from core import context as worker_context
from workers.exports import enqueue_export
from core.guarded import Worker

DATABASE_URL = os.environ.get("JZT_BENCH_BACKOFFICE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jzt_bench_backoffice")
REDIS_URL = os.environ.get("JZT_BENCH_BACKOFFICE_REDIS_URL", "redis://127.0.0.1:6379/12")

TOWNS, VILLAGES_PER_TOWN = 16, 20
HOUSEHOLDS = 50_000
REQUESTS = 500_000
PER_DAY = 1_000
VISITS, REFERRALS, LEADS, APPLICATIONS = 100_000, 5_000, 5_000, 5_000
FIRST_DAY = dt.date(2025, 1, 1)
NOW = dt.datetime(2026, 5, 20, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in the county, after the last request
EXPORT_FIRST_DAY = 300  # 100 days of 1,000 requests: exactly 100,000 rows
EXPORT_DAYS = 100
RUNS = 15
OVERVIEW_TARGET_MS = 500.0
EXPORT_TARGET_S = 60.0
PASSWORD = "bench-pass-2026"
CHUNK = 50_000

PRICES = {"cleaning": 80, "meals": 15, "errand": 30, "daily_care": 120, "institutional_care": 1500}
ITEMS = ("visit", "errand", "meals", "cleaning", "daily_care", "volunteer_service", "neighbour_help", "monitoring", "institutional_care")
OPEN = ("received", "offered", "accepted", "on_site", "escalated", "reopened")


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def metric(name: str, value, unit: str = "") -> None:
    print(f"{name}: {value} {unit}".rstrip(), flush=True)


def local_moment(day: int, minute: int) -> dt.datetime:
    start = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time(8), tzinfo=COUNTY_TZ)
    return (start + dt.timedelta(minutes=minute)).astimezone(dt.timezone.utc)


# -- the county ---------------------------------------------------------------------------------


def _insert(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start:start + CHUNK])


def seed_areas(conn) -> tuple[list[int], list[int]]:
    conn.execute(insert(Town), [{"name": f"镇{t:02d}"} for t in range(TOWNS)])
    towns = list(conn.scalars(select(Town.id).order_by(Town.id)))
    conn.execute(insert(Village), [{"town_id": towns[t], "name": f"村{t:02d}-{v:02d}"} for t in range(TOWNS) for v in range(VILLAGES_PER_TOWN)])
    return towns, list(conn.scalars(select(Village.id).order_by(Village.id)))


def seed_households(conn, cipher, villages: list[int], rng: random.Random) -> list[tuple[int, int, int]]:
    """(household id, member id, village id) of each household."""
    address = cipher.encrypt("霍山县某镇某村3组12号")
    rows = [{"village_id": villages[n % len(villages)], "roster_no": f"B{n:07d}", "head_name": "王桂英", "address_enc": address} for n in range(HOUSEHOLDS)]
    _insert(conn, Household.__table__, rows)
    homes = conn.execute(select(Household.id, Household.village_id).order_by(Household.id)).all()
    id_token = cipher.encrypt("342425194803150027")
    members = [{"household_id": hid, "name": "王桂英", "id_number_enc": id_token, "id_number_hash": cipher.blind_index(f"3424{n:014d}"), "birth_date": dt.date(1948, 3, 15),
                "relation": "户主", "groups": ["minimum_living"], "illness": "none", "self_care": "independent", "schooling": "none", "labour": "not_labour_force",
                "registered_on": dt.date(2024, 1, 1)} for n, (hid, _) in enumerate(homes)]
    _insert(conn, Member.__table__, members)
    member_ids = list(conn.scalars(select(Member.id).order_by(Member.household_id)))
    levels = ["low"] * 55 + ["medium"] * 35 + ["high"] * 10
    assessments = []
    for hid, _ in homes:
        for k in range(rng.choice((1, 1, 2))):
            assessments.append({"household_id": hid, "assessed_at": local_moment(30 + 200 * k, 0), "assessor": "import", "result": {"indicators": {}, "services": []},
                                "distressed_count": 3, "level": rng.choice(levels), "suggested_services": []})
    _insert(conn, Assessment.__table__, assessments)
    return [(hid, mid, vid) for (hid, vid), mid in zip(homes, member_ids)]


def seed_providers(conn, villages: list[int]) -> list[int]:
    rows = [{"name": f"服务机构{n:03d}", "kind": "organisation", "daily_capacity": 50, "active": True} for n in range(200)]
    conn.execute(insert(Provider), rows)
    return list(conn.scalars(select(Provider.id).order_by(Provider.id)))


def _status(rng: random.Random, day: int) -> str:
    if day >= 495 and rng.random() < 0.5:
        return rng.choice(OPEN)
    roll = rng.random()
    return "completed" if roll < 0.92 else "cancelled" if roll < 0.95 else "escalated" if roll < 0.96 else rng.choice(OPEN)


def seed_requests(conn, cipher, people: list[tuple[int, int, int]], providers: list[int], rng: random.Random) -> None:
    description, address = cipher.encrypt("打扫卫生"), cipher.encrypt("霍山县某镇某村3组12号")
    ratings = ["satisfied"] * 70 + ["basic"] * 22 + ["unsatisfied"] * 8
    rows = []
    for n in range(REQUESTS):
        day, minute = divmod(n, PER_DAY)
        _, member, village = people[rng.randrange(len(people))]
        status = _status(rng, day)
        created = local_moment(day, minute % 540)
        held = status in ("accepted", "on_site", "completed")
        rows.append({
            "number": f"FW{n:09d}", "member_id": member, "village_id": village, "item_code": rng.choice(ITEMS), "description_enc": description, "address_enc": address,
            "status": status, "requested_by": "o_bench", "relation": "本人", "created_at": created, "provider_id": rng.choice(providers) if held else None,
            "assigned_at": created + dt.timedelta(minutes=20) if held else None, "completed_at": created + dt.timedelta(hours=6) if status == "completed" else None,
            "rating": rng.choice(ratings) if status == "completed" and rng.random() < 0.8 else None,
        })
        if len(rows) == CHUNK:
            conn.execute(insert(ServiceRequest), rows)
            rows = []
    if rows:
        conn.execute(insert(ServiceRequest), rows)


def seed_trail(conn) -> None:
    """The requests' audit trail and the escalations' clock alerts, written by the server."""
    steps = (
        ("created", "'wechat:o_bench'", "'wechat'", "created_at", "TRUE"),
        ("offered", "'system'", "'worker'", "created_at + interval '1 minute'", "status <> 'received'"),
        ("accepted", "'provider:' || provider_id", "'wechat'", "assigned_at", "provider_id IS NOT NULL"),
        ("completed", "'provider:' || provider_id", "'wechat'", "completed_at", "status = 'completed'"),
        ("rated", "'wechat:o_bench'", "'wechat'", "completed_at + interval '2 hours'", "rating IS NOT NULL"),
        ("escalated", "'system'", "'worker'", "created_at + interval '4 hours'", "status = 'escalated'"),
    )
    for action, actor, channel, at, where in steps:
        conn.execute(text(
            f"INSERT INTO audit_trail (subject, subject_id, action, actor, channel, detail, at) "
            f"SELECT 'request', id, '{action}', {actor}, {channel}, '{{}}'::json, {at} FROM service_requests WHERE {where}"
        ))
    conn.execute(text("INSERT INTO clock_alerts (subject, subject_id, stage, at) SELECT 'request', id, 'town_a', created_at + interval '4 hours' FROM service_requests WHERE status = 'escalated'"))


def seed_matters(conn, cipher, people: list[tuple[int, int, int]], rng: random.Random) -> None:
    visits, seen = [], set()
    while len(visits) < VISITS:
        _, member, village = people[rng.randrange(len(people))]
        due = FIRST_DAY + dt.timedelta(days=rng.randrange(500))
        if (member, due) in seen:
            continue
        seen.add((member, due))
        late = rng.random()
        done = None if late < 0.08 else dt.datetime.combine(due + dt.timedelta(days=2 if late < 0.15 else -1), dt.time(2), tzinfo=dt.timezone.utc)
        visits.append({"member_id": member, "village_id": village, "kind": "routine", "due_date": due, "status": "done" if done else "due", "completed_at": done,
                       "photos": [], "far": False, "reminded_before": False, "reminded_overdue": False, "escalated": done is None, "created_at": NOW})
    _insert(conn, Visit.__table__, visits)
    matter = cipher.encrypt("找工作")
    referrals = []
    for n in range(REFERRALS):
        _, member, village = people[rng.randrange(len(people))]
        deadline = local_moment(rng.randrange(500), 300)
        moved = deadline - dt.timedelta(hours=rng.choice((-5, 2, 3, 20)))
        referrals.append({"number": f"ZJ{n:07d}", "openid": "o_bench", "member_id": member, "village_id": village, "department": rng.choice(("人社", "教育", "卫健", "残联", "医保")),
                          "matter_enc": matter, "status": "transferred", "deadline": deadline, "transferred_at": moved, "created_at": deadline - dt.timedelta(days=1)})
    _insert(conn, Referral.__table__, referrals)
    leads = []
    for n in range(LEADS):
        _, _, village = people[rng.randrange(len(people))]
        deadline = local_moment(rng.randrange(500), 300)
        leads.append({"number": f"BG{n:07d}", "village_id": village, "subject_enc": matter, "address_enc": matter, "situations": [], "urgent": False, "anonymous": False,
                      "reports": 1, "status": rng.choice(("verified", "verified", "closed", "open")), "deadline": deadline, "created_at": deadline - dt.timedelta(days=2),
                      "updated_at": deadline - dt.timedelta(days=1)})
    _insert(conn, Lead.__table__, leads)
    seed_applications(conn, matter, people, rng)


def seed_applications(conn, subject: str, people: list[tuple[int, int, int]], rng: random.Random) -> None:
    """Applications the towns reviewed: 90 % decided before their deadline, some late (clock alerts)."""
    towns = dict(conn.execute(select(Village.id, Village.town_id)).all())
    rows = []
    for n in range(APPLICATIONS):
        _, _, village = people[rng.randrange(len(people))]
        deadline = local_moment(rng.randrange(500), 300)
        decided = deadline - dt.timedelta(hours=rng.choice((30, 20, 5, -3)))
        rows.append({"number": f"SQ{n:07d}", "village_id": village, "town_id": towns[village], "source": "resident", "subject_enc": subject, "status": "approved",
                     "assigned_post": "town_a", "stage_started_at": deadline - dt.timedelta(days=2), "deadline": None, "decided_at": decided, "created_at": deadline - dt.timedelta(days=4),
                     "updated_at": decided})
    _insert(conn, Application.__table__, rows)
    conn.execute(text("INSERT INTO clock_alerts (subject, subject_id, stage, at) SELECT 'application', id, 'town_review:town', stage_started_at + interval '2 days' "
                      "FROM applications WHERE decided_at > stage_started_at + interval '2 days'"))


def seed_staff(ctx, towns: list[int]) -> None:
    with ctx.Session.begin() as db:
        for code, cost in PRICES.items():
            db.get(ServiceItem, code).unit_cost = cost
        county = Staff(name="县民政局", role=Role.COUNTY.value)
        town = Staff(name="镇00A岗", role=Role.TOWN_A.value, town_id=towns[0])
        db.add_all([county, town])
        db.flush()
        create_account(db, county, "county", PASSWORD, "bench", NOW)
        create_account(db, town, "town", PASSWORD, "bench", NOW)


def build_county(ctx) -> float:
    started = time.perf_counter()
    rng = random.Random(8)
    with ctx.Session.begin() as db:
        seed_catalogue(db)
    with ctx.engine.begin() as conn:
        towns, villages = seed_areas(conn)
        say("households")
        people = seed_households(conn, ctx.cipher, villages, rng)
        providers = seed_providers(conn, villages)
        say("requests")
        seed_requests(conn, ctx.cipher, people, providers, rng)
        say("audit trail")
        seed_trail(conn)
        say("visits, referrals, leads, applications")
        seed_matters(conn, ctx.cipher, people, rng)
    seed_staff(ctx, towns)
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


# -- measurements -------------------------------------------------------------------------------


def logged_in(app, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def time_page(client, url: str) -> list[float]:
    for _ in range(2):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings


def time_export(ctx) -> tuple[float, int, int]:
    start = FIRST_DAY + dt.timedelta(days=EXPORT_FIRST_DAY)
    end = start + dt.timedelta(days=EXPORT_DAYS - 1)
    with ctx.Session() as db:
        county = db.scalar(select(Staff.id).where(Staff.role == Role.COUNTY.value))
    worker = Worker(list(ctx.queues.values()), connection=ctx.redis)
    started = time.perf_counter()
    with ctx.Session.begin() as db:
        export = request_export(db, ExportKind.SERVICE, None, "全县", start, end, "基准测试：十万行服务台账", county, NOW, NOW.date())
        export_id = export.id
    enqueue_export(ctx, export_id)
    worker.work(burst=True, logging_level="WARNING")
    elapsed = time.perf_counter() - started
    with ctx.Session() as db:
        row = db.get(LedgerExport, export_id)
        size = db.scalar(select(text("length(content)")).select_from(LedgerExport).where(LedgerExport.id == export_id)) or 0
        return elapsed, row.rows or 0, size


def report(name: str, timings: list[float]) -> float:
    median = statistics.median(timings)
    metric(f"backoffice_overview_{name}_median_ms", f"{median:.0f}", "ms")
    metric(f"backoffice_overview_{name}_max_ms", f"{max(timings):.0f}", "ms")
    return median


def main() -> None:
    say(f"resetting {DATABASE_URL}")
    reset_postgres(DATABASE_URL)
    flush_redis(REDIS_URL)
    settings = Settings.from_env({"JZT_ENV": "test", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL})
    app = create_app(settings, start_worker=False)
    ctx = dataclasses.replace(app.extensions["jzt.context"], clock=lambda: NOW)
    app.extensions["jzt.context"] = ctx
    worker_context.install(ctx)
    try:
        say("building the county (not timed)")
        built = build_county(ctx)
        metric("backoffice_households", HOUSEHOLDS, "households")
        metric("backoffice_requests", REQUESTS, "requests")
        metric("backoffice_generation_seconds", f"{built:.0f}", "s")
        say("overview (waiting up to 60 s for a quiet machine)")
        metric("backoffice_other_load_cores", f"{wait_for_quiet(60):.2f}", "cores")
        county, town = logged_in(app, "county"), logged_in(app, "town")
        medians = [report("county", time_page(county, "/admin/")), report("town", time_page(town, "/admin/"))]
        long_period = report("county_500_days", time_page(county, f"/admin/?start={FIRST_DAY.isoformat()}&end=2026-05-20"))
        say("100,000-row service ledger")
        seconds, rows, size = time_export(ctx)
        metric("backoffice_export_rows", rows, "rows")
        metric("backoffice_export_seconds", f"{seconds:.1f}", "s")
        metric("backoffice_export_rows_per_s", f"{rows / seconds:.0f}", "rows/s")
        metric("backoffice_export_bytes", size, "bytes")
        metric("backoffice_peak_rss_mb", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}", "MB")
        overview_ok = max(medians) < OVERVIEW_TARGET_MS
        export_ok = rows == EXPORT_DAYS * PER_DAY and seconds < EXPORT_TARGET_S
        metric("backoffice_overview_target_met", f"{'yes' if overview_ok else 'no'} (county and town, this year: median < {OVERVIEW_TARGET_MS:.0f} ms)")
        metric("backoffice_overview_500_days_within_target", "yes" if long_period < OVERVIEW_TARGET_MS else "no")
        metric("backoffice_export_target_met", f"{'yes' if export_ok else 'no'} (100,000 rows < {EXPORT_TARGET_S:.0f} s)")
    finally:
        flush_redis(REDIS_URL)
        ctx.engine.dispose()


if __name__ == "__main__":
    main()
