"""A private production-like stack for the fault tests, ours to break.

gunicorn (4 sync workers) serving ``/wechat``, two ``rq worker`` processes (SimpleWorker, with
the scheduler) and one ``rq cron`` process, restarted when they die as systemd would
(``stack.servers.Supervisor``), a private ``redis-server`` (AOF) on a free port and a
private PostgreSQL cluster (``initdb``) on another: the machine's shared PostgreSQL and Redis
are never restarted. Without ``initdb`` the database lives on the test server
(``JZT_TEST_DATABASE_URL``'s server, database ``<name>_stack``) and a PostgreSQL restart is
simulated by refusing and terminating that database's connections.

Missing ``redis-server`` or PostgreSQL skips these tests on a laptop; in CI it fails them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from stack import harness
from stack.harness import Gunicorn, ServerFailed
from stack.servers import PrivatePostgres, PrivateRedis, RQCron, RQWorkers, Supervisor
from core.config import Settings
from bot.simclient import WeChatServer
from tests.conftest import IN_CI, PG_URL, _postgres_available
from core import context as worker_context


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI needs it for the fault tests: {reason}")
    pytest.skip(reason)


@dataclass
class Stack:
    redis: PrivateRedis
    pg: PrivatePostgres | None
    database_url: str
    web: Gunicorn | None = None
    workers: RQWorkers | None = None
    cron: RQCron | None = None
    supervisor: Supervisor | None = None
    ctx: object = None
    wechat: WeChatServer | None = None
    env: dict = field(default_factory=dict)

    @property
    def simulated_postgres(self) -> bool:
        return self.pg is None

    def start(self) -> "Stack":
        harness.reset_postgres(self.database_url)
        self.env = harness.server_env(self.database_url, self.redis.url(0))
        settings = Settings.from_env(self.env)
        self.wechat = WeChatServer(settings.wechat_token, settings.wechat_app_id, settings.wechat_encoding_aes_key, safe_mode=True)
        self.ctx = worker_context.build(settings)
        self.web = Gunicorn("faults", "bot.app:create_app()", 4, self.env, extra_args=("--timeout", "60")).start()
        # maintenance every 5 s instead of 600: a surviving worker takes over the scheduler of a dead
        # one within seconds of its lock running out (see expire_abandoned in the tests)
        self.workers = RQWorkers(self.env, self.redis.url(0), count=2, maintenance_interval=5).start()
        self.cron = RQCron(self.env, self.redis.url(0)).start()
        self.web.wait_ready(self.wechat.verification(), timeout=90)
        self.workers.wait_registered(self.ctx.redis)
        self.supervisor = Supervisor(self.workers, self.cron).start()
        return self

    def stop(self) -> None:
        for part in (self.supervisor, self.cron, self.workers, self.web):
            if part is not None:
                part.stop()
        if self.ctx is not None:
            self.ctx.engine.dispose()
        for part in (self.cron, self.workers, self.web):
            if part is not None:
                part.cleanup()
        self.redis.stop()
        if self.pg is not None:
            self.pg.stop()

    def logs(self) -> str:
        return "\n".join([self.web.log_tail(40), self.workers.log_tail(), self.cron.log_tail()])

    # -- PostgreSQL outage -------------------------------------------------------------

    def restart_postgres(self, down_seconds: float) -> float:
        """Restart the private cluster (immediate: like a crash); or simulate it on a shared one."""
        if self.pg is not None:
            return self.pg.restart("immediate", down_seconds)
        return self._simulated_outage(down_seconds)

    def _simulated_outage(self, down_seconds: float) -> float:
        target = make_url(self.database_url)
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        started = time.monotonic()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{target.database}" ALLOW_CONNECTIONS false'))
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": target.database})
                time.sleep(down_seconds)
                conn.execute(text(f'ALTER DATABASE "{target.database}" ALLOW_CONNECTIONS true'))
        finally:
            admin.dispose()
        return time.monotonic() - started


@pytest.fixture(scope="module")
def stack():
    if not PrivateRedis.available():
        _unavailable("redis-server is not installed")
    if PrivatePostgres.available():
        pg = PrivatePostgres()
        try:
            pg.start()
        except ServerFailed as exc:
            pg.stop()
            _unavailable(f"could not start a private PostgreSQL cluster: {exc}")
        database_url = pg.url("jzt_faults")
    else:
        if not _postgres_available(PG_URL):
            _unavailable(f"no initdb and no PostgreSQL at {PG_URL}")
        pg, database_url = None, make_url(PG_URL).set(database=make_url(PG_URL).database + "_stack").render_as_string(hide_password=False)
    redis = PrivateRedis(appendonly=True)
    built = Stack(redis, pg, database_url)
    try:
        redis.start()
        built.start()
    except BaseException:
        logs = built.logs() if built.web and built.workers and built.cron else ""
        built.stop()
        raise ServerFailed(f"the fault stack did not start\n{logs}")
    try:
        yield built
    finally:
        built.stop()


def pytest_configure(config):
    config.addinivalue_line("markers", "faults: breaks private servers under load (deselect with -m 'not faults')")


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.faults)
