"""What every benchmark needs around the load: databases to reset, gunicorn to start and stop.

Servers run only on loopback, each in its own process group, and ``Gunicorn.stop``
(called from ``finally`` blocks and on Ctrl-C) ends the master and any worker it
left behind, so a benchmark never leaves a process running.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import requests
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent

BENCH_DATABASE_URL = os.environ.get("JZT_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jzt_bench")
BENCH_REDIS_URL = os.environ.get("JZT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


class ServerFailed(RuntimeError):
    """A server did not start, or died, or could not be reset."""


# -- settings ------------------------------------------------------------------------


def env_int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, not {raw!r}") from None
    if not low <= value <= high:
        raise SystemExit(f"{name} must be between {low} and {high}, not {value}")
    return value


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of the servers: test settings (dev secrets unless set) on the bench stores."""
    env = dict(os.environ)
    env.update(JZT_ENV="test", DATABASE_URL=database_url, REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    return env


# -- stores --------------------------------------------------------------------------


def reset_postgres(url: str) -> None:
    """Create the database if needed, empty its public schema and migrate it to head."""
    from db import migrate

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception as exc:
        raise ServerFailed(f"PostgreSQL at {target.render_as_string(hide_password=True)}: {exc}") from exc
    finally:
        admin.dispose()
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    migrate.upgrade(url)


def flush_redis(url: str) -> None:
    try:
        client = Redis.from_url(url, socket_connect_timeout=2)
        client.flushdb()
        client.close()
    except Exception as exc:
        raise ServerFailed(f"Redis at {url}: {exc}") from exc


def count_rows(url: str, table: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text(f'SELECT count(*) FROM "{table}"')))
    finally:
        engine.dispose()


# -- processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """One gunicorn master (and its workers) in its own process group, on 127.0.0.1."""

    def __init__(self, name: str, target: str, workers: int, env: dict[str, str], extra_args: tuple[str, ...] = ()):
        self.name, self.target, self.workers, self.env = name, target, workers, env
        self.extra_args = extra_args
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"jzt-bench-{name}-", suffix=".log", delete=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        self.port = free_port()
        cmd = [
            sys.executable, "-m", "gunicorn",
            "-w", str(self.workers),
            "-b", f"127.0.0.1:{self.port}",
            "--graceful-timeout", "5",
            *self.extra_args,
            self.target,
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us, and we stop the whole group ourselves
        )
        return self

    def wait_ready(self, verification: dict, timeout: float = 30.0) -> None:
        """Until GET /wechat with a valid verification query answers 200 with the echo string."""
        url = f"{self.base_url}/wechat?{urlencode(verification)}"
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise ServerFailed(f"{self.name}: gunicorn exited (code {self.proc and self.proc.returncode})\n{self.log_tail()}")
            try:
                response = requests.get(url, timeout=2)
                if response.status_code == 200 and response.text == verification["echostr"]:
                    return
                last = f"HTTP {response.status_code}: {response.text[:200]!r}"
            except requests.RequestException as exc:
                last = type(exc).__name__
            time.sleep(0.1)
        raise ServerFailed(f"{self.name}: not ready after {timeout:.0f} s ({last})\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """TERM the master (graceful), then KILL whatever is left in its process group."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the master leads its own group
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        _kill_group(pgid)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            self.log.flush()
            return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def raise_on_sigterm() -> None:
    """Turn SIGTERM, SIGHUP and SIGINT into KeyboardInterrupt, so ``finally`` blocks stop the servers.

    Only in this process: a forked helper that inherits the handler dies the default way.
    """
    main_pid = os.getpid()

    def handler(signum, _frame):
        if os.getpid() != main_pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)
    # Ctrl-C, even when started in the background by a shell that ignores SIGINT there
    signal.signal(signal.SIGINT, signal.default_int_handler)


# -- CPU accounting ------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _machine_busy() -> float:
    """CPU seconds the whole machine spent not idle (all cores) since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / _TICK


def _processes() -> dict[int, tuple[str, int, float]]:
    """pid -> (command, process group, CPU seconds) for every process we can read.

    PostgreSQL backends are named by their command line ("postgres: ... USER DB HOST state").
    """
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                raw = f.read()
            comm = raw[raw.index("(") + 1 : raw.rindex(")")]
            if comm == "postgres":
                with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                    comm = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        found[int(entry.name)] = (comm, int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICK)
    return found


class CpuMeter:
    """Where the machine's CPU went during a run: the server, its stores, the load, the rest.

    "stores" is Redis (a shared process) plus the PostgreSQL backends connected to ``database``. The rest
    ("other") is everything else on the machine (other jobs, other databases, kernel
    softirq work not charged to a process): when it is high, the run was disturbed.
    """

    def __init__(self, server_group: int, database: str | None = None):
        self.server_group = server_group
        self.database = database

    def __enter__(self) -> "CpuMeter":
        self.t0 = time.monotonic()
        self.busy0 = _machine_busy()
        self.procs0 = _processes()
        self.self0 = _own_cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.elapsed = time.monotonic() - self.t0
        busy = _machine_busy() - self.busy0
        procs = _processes()
        server = stores = 0.0
        for pid, (comm, group, cpu) in procs.items():
            before = self.procs0.get(pid)
            delta = cpu - (before[2] if before and before[0] == comm else 0.0)
            if group == self.server_group:
                server += delta
            elif self._is_store(comm):
                stores += delta
        client = _own_cpu() - self.self0  # this process and its reaped children (wrk, clients)
        self.seconds = {"server": server, "stores": stores, "client": client, "other": max(0.0, busy - server - stores - client)}

    def _is_store(self, comm: str) -> bool:
        if comm == "redis-server":
            return True
        return bool(self.database) and comm.startswith("postgres: ") and f" {self.database} " in comm

    def cores(self, part: str) -> float:
        return self.seconds[part] / self.elapsed if self.elapsed else 0.0


def _own_cpu() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def machine_busy_cores(seconds: float = 1.0) -> float:
    """How many cores the whole machine kept busy over the next ``seconds``."""
    before = _machine_busy()
    time.sleep(seconds)
    return (_machine_busy() - before) / seconds


def wait_for_quiet(max_wait: float, threshold: float = 0.3) -> float:
    """Wait (at most ``max_wait`` s) until other work keeps under ``threshold`` cores busy.

    Returns the last reading. Benchmarks call it with their own servers idle, so on a
    machine shared with other jobs the measurement starts in a quiet moment if there is one.
    """
    deadline = time.monotonic() + max_wait
    busy = machine_busy_cores(0.5)
    while busy > threshold and time.monotonic() < deadline:
        busy = machine_busy_cores(1.0)
    return busy
