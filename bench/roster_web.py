"""``make bench-roster`` (second part): the back office's paths, as the county uses them.

1. A 100,000-member roster (``bench.roster.generate``, about 35,000 households) uploaded through
   ``POST /admin/roster`` (log-in, CSRF, size and workbook checks, stored in PostgreSQL), then
   imported by a real RQ worker (``core.guarded.Worker``, a ``SimpleWorker``) in a child process, as production runs it. Timed
   from the upload to the worker's end (target < 60 s); the worker's peak memory is printed.
2. The same roster entirely wrong (every ID number broken), uploaded with "only the valid
   households": every row is an error; the worker writes the corrected-file report in
   write-only mode (target: under 200 MB over an idle worker, whose own size, mostly the
   dialogue segmenter's dictionary, is printed too).
3. The households copied up to ``BENCH_REASSESS_HOUSEHOLDS`` (50,000), then the county raises
   the 低保标准 through ``POST /admin/rules``: the re-assessment of every household by the
   worker, timed, with its peak memory.

Stores: PostgreSQL ``JZT_BENCH_ROSTER_WEB_DATABASE_URL`` (default ``jzt_bench_roster_web``,
reset) and Redis ``JZT_BENCH_ROSTER_REDIS_URL`` (default db 13, flushed): give your own on a
shared machine. Exit status 0 when measured, 1 when counts are wrong, 2 when a store failed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.roster import BENCH_KEY, DEFAULT_MEMBERS, log, metric, village_names

DATABASE_URL = os.environ.get("JZT_BENCH_ROSTER_WEB_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jzt_bench_roster_web")
REDIS_URL = os.environ.get("JZT_BENCH_ROSTER_REDIS_URL", "redis://127.0.0.1:6379/13")
TARGET_SECONDS = 60.0
REPORT_TARGET_MB = 200.0
DEFAULT_HOUSEHOLDS = 50_000
PASSWORD = "bench-roster-web-2026"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _env() -> dict[str, str]:
    return {**os.environ, "JZT_ENV": "test", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "DATA_KEY": BENCH_KEY, "PYTHONUNBUFFERED": "1"}


def _generate(path: Path, members: int, wrong: bool) -> int:
    command = [sys.executable, "-m", "bench.roster_web", "--generate", str(path), str(members), "wrong" if wrong else "valid"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"generating the roster failed:\n{result.stderr}")
    return int(result.stdout.strip())


def _generate_here(path: Path, members: int, wrong: bool) -> int:
    from bench.roster import generate

    households = generate(path, members, excel_like=True)
    if wrong:  # every ID number broken: each row is an error, the report lists them all
        from openpyxl import load_workbook

        from roster import HEADERS
        from openpyxl import Workbook

        at = HEADERS.index("身份证号")
        source = load_workbook(path, read_only=True)
        target = Workbook(write_only=True)
        sheet = target.create_sheet("名单")
        for number, row in enumerate(source.worksheets[0].iter_rows(values_only=True)):
            row = list(row)
            if number:
                row[at] = f"34152519{number:010d}"[:17] + "Y"
            sheet.append(row)
        source.close()
        target.save(path)
    return households


def _run_worker() -> tuple[float, float]:
    """One real RQ SimpleWorker in a child process, in burst mode: (seconds, peak MB)."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "bench.roster_web", "--worker"], env=_env(), capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the worker failed:\n{result.stderr[-3000:]}")
    return seconds, float(result.stdout.strip().splitlines()[-1])


def _worker_main() -> None:
    import resource

    from core.context import current
    from core.guarded import Worker

    ctx = current()
    Worker([ctx.queue("low")], connection=ctx.redis).work(burst=True, logging_level="WARNING")
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


class _Web:
    def __init__(self, app):
        self.client = app.test_client()

    def token(self) -> str:
        with self.client.session_transaction() as session:
            return session["csrf"]

    def log_in(self) -> None:
        page = self.client.get("/login").get_data(as_text=True)
        response = self.client.post("/login", data={"username": "bench-county", "password": PASSWORD, "csrf_token": TOKEN.search(page).group(1)})
        if response.status_code != 302:
            raise SystemExit("could not log in to the back office")

    def upload(self, path: Path, skip_invalid: bool) -> int:
        data = {"csrf_token": self.token(), "file": (path.open("rb"), path.name)}
        if skip_invalid:
            data["skip_invalid"] = "on"
        response = self.client.post("/admin/roster", data=data, content_type="multipart/form-data")
        if response.status_code != 302:
            raise SystemExit(f"the upload was refused: {response.status_code}")
        return int(response.headers["Location"].rsplit("/", 1)[-1])


def _copy_households(engine, wanted: int) -> int:
    """Copy households (with their members) until there are ``wanted``; returns the count."""
    from sqlalchemy import func, insert, literal, select

    from models.households.households import Household, Member

    households, members = Household.__table__, Member.__table__
    with engine.begin() as conn:
        have = conn.scalar(select(func.count()).select_from(households))
        round_no = 0
        while have < wanted:
            round_no += 1
            prefix = f"C{round_no}-"
            take = select(households.c.id).order_by(households.c.id).limit(wanted - have).subquery()
            columns = [c for c in households.c if c.name != "id"]
            values = [(literal(prefix) + c) if c.name == "roster_no" else c for c in columns]
            conn.execute(insert(households).from_select([c.name for c in columns], select(*values).where(households.c.id.in_(select(take.c.id)))))
            copy = households.alias("copy")
            source = households.alias("source")
            member_columns = [c for c in members.c if c.name != "id"]
            member_values = []
            for c in member_columns:
                if c.name == "household_id":
                    member_values.append(copy.c.id)
                elif c.name == "id_number_hash":
                    member_values.append(literal(prefix) + func.substr(c, len(prefix) + 1))
                else:
                    member_values.append(c)
            query = (select(*member_values).select_from(members.join(source, source.c.id == members.c.household_id)
                                                       .join(copy, copy.c.roster_no == literal(prefix) + source.c.roster_no)))
            conn.execute(insert(members).from_select([c.name for c in member_columns], query))
            now_have = conn.scalar(select(func.count()).select_from(households))
            if now_have == have:
                raise SystemExit("copying households added none (is the roster imported?)")
            have = now_have
    return have


def main() -> int:
    from redis import Redis
    from sqlalchemy import select

    from bot.app import create_app
    from core.config import Settings
    from db.base import make_engine, make_sessionmaker
    from models.areas import get_or_create_town, get_or_create_village
    from models.catalogue.catalogue import seed_catalogue
    from models.roster_uploads import RosterUpload
    from models.rules import RuleChange
    from models.staff.staff import Role, Staff
    from models.staff.web_accounts import create_account
    from stack.harness import ServerFailed, env_int, reset_postgres

    members = env_int("BENCH_ROSTER_MEMBERS", DEFAULT_MEMBERS, 10, 2_000_000)
    wanted = env_int("BENCH_REASSESS_HOUSEHOLDS", DEFAULT_HOUSEHOLDS, 10, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="jzt-bench-roster-web-") as tmp:
        good, bad = Path(tmp) / "名单.xlsx", Path(tmp) / "名单-全错.xlsx"
        log(f"generating {members} members, valid and entirely wrong ...")
        households = _generate(good, members, wrong=False)
        _generate(bad, members, wrong=True)
        try:
            reset_postgres(DATABASE_URL)
            Redis.from_url(REDIS_URL).flushdb()
        except (ServerFailed, Exception) as exc:  # noqa: BLE001  (any store failure ends the bench)
            log(f"stores: {exc}")
            return 2
        engine = make_engine(DATABASE_URL)
        Session = make_sessionmaker(engine)
        now = dt.datetime.now(dt.timezone.utc)
        with Session.begin() as db:
            for town, village in village_names():
                get_or_create_village(db, get_or_create_town(db, town), village)
            seed_catalogue(db)
            person = Staff(name="县民政局", role=Role.COUNTY.value, town_id=None)
            db.add(person)
            db.flush()
            create_account(db, person, "bench-county", PASSWORD, "bench", now)
        _, idle_mb = _run_worker()  # an idle worker: what the process costs before any job
        app = create_app(Settings.from_env(_env()), start_worker=False)
        web = _Web(app)
        web.log_in()

        log(f"uploading {good.stat().st_size / 1e6:.1f} MB through POST /admin/roster, importing in an RQ worker ...")
        started = time.perf_counter()
        upload_id = web.upload(good, skip_invalid=False)
        upload_seconds = time.perf_counter() - started
        worker_seconds, worker_mb = _run_worker()
        total = time.perf_counter() - started
        with Session() as db:
            upload = db.get(RosterUpload, upload_id)
            imported = upload.status == "done" and upload.summary.get("members_created") == members and upload.summary.get("households_created") == households
        if not imported:
            log(f"the upload was not imported: {upload.status} {upload.summary}")
            return 1

        log("uploading the same roster entirely wrong, with 'only the valid households' ...")
        started = time.perf_counter()
        wrong_id = web.upload(bad, skip_invalid=True)
        wrong_seconds, wrong_mb = _run_worker()
        wrong_total = time.perf_counter() - started
        with Session() as db:
            wrong = db.get(RosterUpload, wrong_id)
            report_bytes = len(db.scalar(select(RosterUpload.report).where(RosterUpload.id == wrong_id)) or b"")
            reported = wrong.error_count >= members and report_bytes > 0

        log(f"copying households up to {wanted} ...")
        count = _copy_households(engine, wanted)
        page = web.client.get("/admin/rules").get_data(as_text=True)
        shown = re.search(r'name="was_minimum_living_standard" value="([^"]+)"', page).group(1)
        log(f"raising the 低保标准 from {shown} and re-assessing {count} households in an RQ worker ...")
        started = time.perf_counter()
        response = web.client.post("/admin/rules", data={"csrf_token": web.token(), "minimum_living_standard": str(int(float(shown)) + 120), "was_minimum_living_standard": shown,
                                                         "effective_from": now.astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat(), "reason": "bench: 低保标准调整"})
        if response.status_code != 302:
            log(f"the rule change was refused: {response.status_code}")
            return 1
        reassess_seconds, reassess_mb = _run_worker()
        reassess_total = time.perf_counter() - started
        with Session() as db:
            change = db.scalars(select(RuleChange).order_by(RuleChange.id.desc())).first()
            reassessed = change.status == "done" and change.households == count
            created = change.assessments_created
        engine.dispose()

    metric("roster_web_members", members, "rows")
    metric("roster_web_upload_request_seconds", f"{upload_seconds:.1f}", "s")
    metric("roster_web_import_worker_seconds", f"{worker_seconds:.1f}", "s")
    metric("roster_web_upload_to_imported_seconds", f"{total:.1f}", "s")
    metric("roster_web_worker_peak_memory_mb", f"{worker_mb:.0f}", "MB")
    metric("roster_web_target_met", "yes" if total < TARGET_SECONDS else "no", "")
    metric("roster_web_all_wrong_errors", wrong.error_count, "errors")
    metric("roster_web_all_wrong_seconds", f"{wrong_total:.1f}", "s")
    metric("roster_web_all_wrong_report_mb", f"{report_bytes / 1e6:.1f}", "MB")
    metric("roster_web_all_wrong_worker_peak_memory_mb", f"{wrong_mb:.0f}", "MB")
    metric("roster_web_idle_worker_memory_mb", f"{idle_mb:.0f}", "MB")
    metric("roster_web_all_wrong_worker_growth_mb", f"{wrong_mb - idle_mb:.0f}", "MB")
    metric("roster_web_all_wrong_target_met", "yes" if wrong_mb - idle_mb < REPORT_TARGET_MB else "no", "")
    metric("reassess_households", count, "households")
    metric("reassess_assessments_created", created, "assessments")
    metric("reassess_worker_seconds", f"{reassess_seconds:.1f}", "s")
    metric("reassess_change_to_done_seconds", f"{reassess_total:.1f}", "s")
    metric("reassess_worker_peak_memory_mb", f"{reassess_mb:.0f}", "MB")
    if not (imported and reported and reassessed):
        log(f"unexpected outcome: imported {imported}, reported {reported}, reassessed {reassessed}")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--generate":
        print(_generate_here(Path(sys.argv[2]), int(sys.argv[3]), wrong=sys.argv[4] == "wrong"))
        raise SystemExit(0)
    if len(sys.argv) == 2 and sys.argv[1] == "--worker":
        _worker_main()
        raise SystemExit(0)
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        raise SystemExit(130)
