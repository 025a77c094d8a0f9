"""Fixtures: real PostgreSQL and Redis when reachable (required in CI), else SQLite/fakeredis.

CI sets ``CI=true``; then a missing PostgreSQL or Redis is an error, never a skip.
Override the servers with ``JZT_TEST_DATABASE_URL`` and ``JZT_TEST_REDIS_URL``.
"""

from __future__ import annotations

import os

import pytest
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import create_app
from core.config import Settings
from bot.simclient import WeChatServer
from db import migrate
from db.base import Base, make_engine
from tests.support import Chat, FakeClock, install_clock

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("JZT_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jzt_test")
REDIS_URL = os.environ.get("JZT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_available(url: str) -> bool:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        return True
    except Exception:
        return False
    finally:
        admin.dispose()


def _redis_available(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if _postgres_available(PG_URL):
        return PG_URL
    if IN_CI:
        pytest.exit(f"CI needs PostgreSQL at {PG_URL}", returncode=3)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    if _redis_available(REDIS_URL):
        return REDIS_URL
    if IN_CI:
        pytest.exit(f"CI needs Redis at {REDIS_URL}", returncode=3)
    return None  # fakeredis


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate.upgrade(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def base_settings(database_url, redis_url) -> Settings:
    env = {"JZT_ENV": "test", "DATABASE_URL": database_url, "REDIS_URL": redis_url or ""}
    return Settings.from_env(env)


@pytest.fixture
def settings(request, base_settings) -> Settings:
    """The test settings; ``@pytest.mark.message_mode("plain")`` runs the account in another mode
    (plain mode takes encrypted deliveries too, so a test may send both kinds)."""
    marker = request.node.get_closest_marker("message_mode")
    return base_settings.replace(wechat_message_mode=marker.args[0]) if marker else base_settings


@pytest.fixture
def app(settings, engine):
    app = create_app(settings, start_worker=False)
    ctx = app.extensions["jzt.context"]
    ctx.redis.flushdb()
    yield app
    _truncate(engine)
    ctx.redis.flushdb()
    ctx.engine.dispose()  # its pooled connections, now rather than when collected (the server is shared)


@pytest.fixture
def clock(app) -> FakeClock:
    clock = FakeClock()
    install_clock(app, clock)
    return clock


@pytest.fixture
def ctx(app, clock):
    return app.extensions["jzt.context"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def wechat(settings) -> WeChatServer:
    return WeChatServer(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key, safe_mode=True)


@pytest.fixture
def plain_wechat(settings) -> WeChatServer:
    return WeChatServer(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key, safe_mode=False)


@pytest.fixture
def chat(client, wechat, app, clock) -> Chat:
    return Chat(client, wechat, app, clock)


def _truncate(engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))  # a test that leaks a session fails, not hangs
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def report(capsys):
    """Print a line to the terminal even under ``-q`` (verdicts of the fault and fuzz tests)."""

    def say(line: str) -> None:
        with capsys.disabled():
            print(f"\n  {line}", end="")

    return say


@pytest.fixture
def official_calendar(ctx):
    """2025 and 2026 from chinese_calendar (National Day 2025: 1–8 Oct, make-up 28 Sep and 11 Oct)."""
    from models import calendar as official
    from workers import rules

    rules.forget()
    with ctx.Session.begin() as db:
        official.seed(db, [2025, 2026])
    yield
    rules.forget()
