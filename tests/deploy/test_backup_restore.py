"""The backup procedure, restored for real: ``deploy/backup.sh`` dumps a seeded database (and a
private Redis's append-only file), ``deploy/restore.sh`` loads the dump into an empty database
and the AOF into a fresh Redis directory, and the app, started on the restored database, serves
the county's pages: the overview, a household's file, its unmasking (the data key still reads
the restored ciphertexts) and a new audit entry (the sequences came back too).

Uses two databases next to the test database (``<name>_backup_src``, ``<name>_backup_restored``),
dropped afterwards, and a private ``redis-server`` (stack.servers). Needs ``pg_dump``,
``pg_restore``, ``psql`` and ``redis-server``: skipped on a laptop without them, failed in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.app import create_app
from core.config import Settings
from db import migrate
from models.requests.requests import RequestStatus
from stack.servers import PrivateRedis
from tests.admin import builders as b
from tests.admin.conftest import Web
from tests.conftest import IN_CI, PG_URL, _postgres_available
from tests.support import FakeClock, install_clock

ROOT = Path(__file__).resolve().parents[2]
BACKUP, RESTORE = ROOT / "deploy" / "backup.sh", ROOT / "deploy" / "restore.sh"


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        if IN_CI:
            pytest.fail(f"CI needs {', '.join(missing)} for the restore test")
        pytest.skip(f"not installed: {', '.join(missing)}")


def _admin(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _recreate(url: str) -> None:
    name = make_url(url).database
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def _drop(url: str) -> None:
    name = make_url(url).database
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        engine.dispose()


@pytest.fixture
def databases(redis_url):
    _need("pg_dump", "pg_restore", "psql")
    if not _postgres_available(PG_URL):
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL at {PG_URL}")
        pytest.skip("no PostgreSQL")
    base = make_url(PG_URL)
    source = base.set(database=f"{base.database}_backup_src").render_as_string(hide_password=False)
    restored = base.set(database=f"{base.database}_backup_restored").render_as_string(hide_password=False)
    for url in (source, restored):
        _recreate(url)
    yield source, restored
    for url in (source, restored):
        _drop(url)


def _app(database_url: str, redis_url: str | None):
    settings = Settings.from_env({"JZT_ENV": "test", "DATABASE_URL": database_url, "REDIS_URL": redis_url or ""})
    app = create_app(settings, start_worker=False)
    install_clock(app, FakeClock(b.NOW))
    return app


def _seed(app) -> dict:
    ctx = app.extensions["jzt.context"]
    with ctx.Session.begin() as db:
        villages = b.areas(db)
        b.accounts(db, villages)
        county = {"villages": {name: v.id for name, v in villages.items()}}
        provider, wang, liu, zhang = b.three_homes(db, ctx.cipher, county)
        b.assessment(db, wang, "high")
        b.request(db, ctx.cipher, wang, RequestStatus.COMPLETED, created=b.NOW, completed=b.NOW, rating="satisfied", provider=provider)
        return {"wang": wang.id}


def _script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "JZT_ENV_FILE": "/nonexistent", **env}
    return subprocess.run(["bash", *args], capture_output=True, text=True, timeout=300, env=full_env)


def test_a_dump_of_a_seeded_database_restored_into_an_empty_one_is_served_by_the_app(databases, redis_url, tmp_path):
    source, restored = databases
    migrate.upgrade(source)
    app = _app(source, redis_url)
    wang = _seed(app)["wang"]
    app.extensions["jzt.context"].engine.dispose()

    made = _script(str(BACKUP), str(tmp_path / "backups"), env={"DATABASE_URL": source})
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert (backup / "postgres.dump").stat().st_size > 10_000
    manifest = (backup / "MANIFEST").read_text()
    assert re.search(r"database revision \(alembic\): \d{4}", manifest), manifest
    assert "skipped (REDIS_URL not set)" in manifest

    loaded = _script(str(RESTORE), "postgres", str(backup), env={"DATABASE_URL": restored})
    assert loaded.returncode == 0, loaded.stderr

    served = _app(restored, redis_url)
    try:
        web = Web(served.test_client())
        assert web.login("county").status_code == 302  # the password hashes came back
        overview = web.get("/admin/").get_data(as_text=True)
        assert "衡山镇" in overview and "佛子岭镇" in overview
        page = web.get(f"/admin/households/{wang}").get_data(as_text=True)
        assert "王**" in page and "王桂英" not in page
        unmasked = web.post(f"/admin/households/{wang}/unmask", {"reason": "恢复演练核对"}).get_data(as_text=True)
        assert "王桂英" in unmasked and "13805640001" in unmasked  # decrypted with the same DATA_KEY
        audit = web.get(f"/admin/audit?subject=household&subject_id={wang}").get_data(as_text=True)
        assert "恢复演练核对" in audit  # a new row after the restored ones: the sequences were restored
    finally:
        served.extensions["jzt.context"].engine.dispose()

    again = _script(str(RESTORE), "postgres", str(backup), env={"DATABASE_URL": restored})
    assert again.returncode != 0 and "already has" in again.stderr  # never over a database in use


def test_a_damaged_backup_is_refused(databases, tmp_path):
    source, restored = databases
    migrate.upgrade(source)
    made = _script(str(BACKUP), str(tmp_path), env={"DATABASE_URL": source})
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    with open(backup / "postgres.dump", "r+b") as dump:
        dump.seek(200)
        dump.write(b"\0" * 16)
    refused = _script(str(RESTORE), "postgres", str(backup), env={"DATABASE_URL": restored})
    assert refused.returncode != 0 and "damaged" in refused.stderr


def test_redis_aof_backed_up_live_and_restored_into_a_new_redis(databases, tmp_path):
    _need("redis-server", "redis-cli")
    source, _ = databases
    migrate.upgrade(source)
    first = PrivateRedis(appendonly=True).start()
    second = PrivateRedis(appendonly=True)
    try:
        client = Redis.from_url(first.url())
        queue = Queue("default", connection=client)
        job = queue.enqueue("workers.jobs.sweep", 0, job_id="send-restore-check")
        client.set("jzt:conv:o_restore", "live dialogue state")
        made = _script(str(BACKUP), str(tmp_path), env={"DATABASE_URL": source, "REDIS_URL": first.url()})
        assert made.returncode == 0, made.stderr
        backup = Path(made.stdout.strip().splitlines()[-1])
        assert "copied from" in (backup / "MANIFEST").read_text()
        client.close()

        busy = _script(str(RESTORE), "redis", str(backup), first.dir, env={})
        assert busy.returncode != 0 and "is running" in busy.stderr  # never under a running Redis
        first.kill()

        loaded = _script(str(RESTORE), "redis", str(backup), second.dir, env={})
        assert loaded.returncode == 0, loaded.stderr
        second.start()
        restored = Redis.from_url(second.url())
        try:
            assert restored.get("jzt:conv:o_restore") == b"live dialogue state"
            assert Queue("default", connection=restored).job_ids == [job.id]
        finally:
            restored.close()
    finally:
        first.stop()
        second.stop()
