"""Private servers for the load benchmark and the fault tests: Redis, PostgreSQL, RQ workers.

Each runs on loopback, on a free port, in its own process group, and is stopped by
``stop()`` (called from ``finally`` blocks); nothing here touches the machine's shared
PostgreSQL cluster or Redis. The fault tests kill and restart these servers at will.

- ``PrivateRedis``: ``redis-server --port N --save '' --appendonly no`` (or with AOF),
  restartable on the same port.
- ``PrivatePostgres``: a throw-away cluster made with ``initdb`` in a temporary directory
  (run as the ``postgres`` user through ``runuser`` when we are root), restartable.
- ``RQWorkers``: ``rq worker --worker-class core.guarded.Worker --with-scheduler urgent default low``
  processes with the app's environment, as in production; any one can be SIGKILLed.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stack.harness import ROOT, ServerFailed, free_port

QUEUES = ("urgent", "default", "low")


def wait_for(condition, what: str, timeout: float = 30.0, every: float = 0.05):
    """Poll ``condition`` until it returns something true; that value, or ``ServerFailed``."""
    stop = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > stop:
            raise ServerFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _signal_group(proc: subprocess.Popen | None, sig: int) -> None:
    if proc is None:
        return
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# -- Redis -----------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own on 127.0.0.1; ``restart`` keeps the port (and, with
    ``appendonly``, the data: Redis with AOF, as the README recommends for production)."""

    def __init__(self, appendonly: bool = False):
        self.binary = shutil.which("redis-server")
        self.appendonly = appendonly
        self.port = 0
        self.dir = tempfile.mkdtemp(prefix="jzt-redis-")
        self.proc: subprocess.Popen | None = None

    @classmethod
    def available(cls) -> bool:
        return shutil.which("redis-server") is not None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "PrivateRedis":
        if not self.binary:
            raise ServerFailed("redis-server is not installed")
        self.port = self.port or free_port()
        cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", self.dir,
               "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always", "--logfile", ""]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(self.ping, f"redis-server on port {self.port}", timeout=10)
        return self

    def ping(self) -> bool:
        from redis import Redis

        try:
            client = Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.2, socket_timeout=0.5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:
            return False

    def kill(self) -> None:
        """SIGKILL: what a crash or an OOM kill does (no shutdown save)."""
        proc, self.proc = self.proc, None
        _signal_group(proc, signal.SIGKILL)
        if proc is not None:
            proc.wait(timeout=10)

    def restart(self, down_seconds: float = 0.0, wipe: bool = False) -> float:
        """Kill, stay down ``down_seconds``, start again on the same port; seconds it was down.

        ``wipe``: start empty, as a Redis without persistence (or with a lost disk) does."""
        started = time.monotonic()
        self.kill()
        if wipe:
            for entry in os.listdir(self.dir):
                path = os.path.join(self.dir, entry)
                shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
        time.sleep(down_seconds)
        self.start()
        return time.monotonic() - started

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


# -- PostgreSQL ------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: [int(x) for x in Path(p).parts[4].split(".") if x.isdigit()])
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (``initdb``) on its own port: ours to restart or kill.

    As root, ``initdb`` and ``pg_ctl`` refuse to run: they run as the ``postgres`` user
    through ``runuser``. fsync is off (a test cluster; a restart still replays the WAL).
    """

    def __init__(self):
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        self.port = 0
        self.dir = ""

    @classmethod
    def available(cls) -> bool:
        if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
            return False
        if os.geteuid() == 0:
            return shutil.which("runuser") is not None and _user_exists("postgres")
        return True

    @property
    def data(self) -> str:
        return os.path.join(self.dir, "data")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess:
        full = list(cmd)
        if os.geteuid() == 0:
            full = ["runuser", "-u", "postgres", "--", *full]
        result = subprocess.run(full, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise ServerFailed(f"{' '.join(cmd[:2])} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    def start(self) -> "PrivatePostgres":
        if not self.dir:
            self.dir = tempfile.mkdtemp(prefix="jzt-pg-")
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres")
            self._as_owner(self.initdb, "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N")
            self.port = free_port()
        self._pg_ctl("start")
        wait_for(self.ready, f"PostgreSQL on port {self.port}", timeout=30)
        return self

    def _pg_ctl(self, action: str, mode: str | None = None) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        args = [self.pg_ctl, "-D", self.data, "-w", "-t", "60", "-l", os.path.join(self.dir, "log")]
        if mode:
            args += ["-m", mode]
        if action != "stop":
            args += ["-o", options]
        self._as_owner(*args, action, timeout=90)

    def ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", connect_timeout=1):
                return True
        except Exception:
            return False

    def restart(self, mode: str = "immediate", down_seconds: float = 0.0) -> float:
        """Stop (``immediate``: like a crash, recovery on start), wait, start; seconds it was down."""
        started = time.monotonic()
        self._pg_ctl("stop", mode)
        time.sleep(down_seconds)
        self._pg_ctl("start")
        wait_for(self.ready, "PostgreSQL to come back", timeout=60)
        return time.monotonic() - started

    def stop(self) -> None:
        if not self.dir:
            return
        try:
            self._pg_ctl("stop", "immediate")
        except (ServerFailed, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = ""


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


# -- RQ workers ------------------------------------------------------------------------


class RQWorkers:
    """``rq worker`` processes (SimpleWorker, with the scheduler), as production runs them."""

    def __init__(self, env: dict[str, str], redis_url: str, count: int = 2, log_dir: str | None = None, maintenance_interval: int | None = None):
        self.env, self.redis_url, self.count = env, redis_url, count
        #: seconds between a worker's maintenance passes (RQ's default: 600): cleaning the
        #: registries of abandoned jobs, and taking over the scheduler from a dead worker
        self.maintenance_interval = maintenance_interval
        self.procs: list[subprocess.Popen] = []
        self.log_dir = log_dir or tempfile.mkdtemp(prefix="jzt-rq-")
        self._started = 0

    def command(self) -> list[str]:
        rq = str(Path(sys.executable).with_name("rq"))
        extra = ["--maintenance-interval", str(self.maintenance_interval)] if self.maintenance_interval else []
        return [rq, "worker", "--worker-class", "core.guarded.Worker", "--with-scheduler", "--url", self.redis_url,
                "--path", str(ROOT), "--logging_level", "WARNING", *extra, *QUEUES]

    def start(self) -> "RQWorkers":
        for _ in range(self.count - len(self.alive())):
            self.add()
        return self

    def add(self) -> subprocess.Popen:
        self._started += 1
        log = open(os.path.join(self.log_dir, f"worker-{self._started}.log"), "wb")
        proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def alive(self) -> list[subprocess.Popen]:
        return [p for p in self.procs if p.poll() is None]

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL one worker (and anything in its group): no cleanup, no goodbye to Redis."""
        _signal_group(proc, signal.SIGKILL)
        proc.wait(timeout=10)

    def wait_registered(self, redis, count: int | None = None, timeout: float = 60) -> None:
        """Until ``count`` workers (default: all alive) are registered in Redis."""
        from rq import Worker

        want = count if count is not None else len(self.alive())
        wait_for(lambda: len([w for w in Worker.all(connection=redis) if w.pid in {p.pid for p in self.alive()}]) >= want,
                 f"{want} RQ workers to register", timeout=timeout, every=0.1)

    def stop(self, timeout: float = 10.0) -> None:
        procs, self.procs = self.procs, []
        for proc in procs:
            _signal_group(proc, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def log_tail(self, lines: int = 20) -> str:
        out = []
        for path in sorted(glob.glob(os.path.join(self.log_dir, "*.log"))):
            text = Path(path).read_text(errors="replace").splitlines()[-lines:]
            if text:
                out.append(f"--- {os.path.basename(path)}\n" + "\n".join(text))
        return "\n".join(out)

    def cleanup(self) -> None:
        shutil.rmtree(self.log_dir, ignore_errors=True)


class RQCron:
    """The one ``rq cron workers/cron.py`` process: the periodic jobs (message-log flush every
    5 s, sweeper every minute ...) enqueued as production does."""

    def __init__(self, env: dict[str, str], redis_url: str):
        self.env, self.redis_url = env, redis_url
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="jzt-rq-cron-", suffix=".log", delete=False)

    def start(self) -> "RQCron":
        rq = str(Path(sys.executable).with_name("rq"))
        cmd = [rq, "cron", "--url", self.redis_url, "--path", str(ROOT), "--logging-level", "warning", "workers/cron.py"]
        env = dict(self.env, TZ="Asia/Shanghai")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        _signal_group(proc, signal.SIGKILL)
        proc.wait(timeout=5)

    def log_tail(self, lines: int = 20) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def cleanup(self) -> None:
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


class Supervisor:
    """What systemd's ``Restart=always`` does for the RQ processes: start again whatever died.

    RQ 3.0's worker quits on a Redis connection error outside its dequeue loop (while it marks
    itself idle, or finishes a job), and ``rq cron`` quits too: without a supervisor a Redis
    restart can leave no worker running. ``restarts`` counts what it brought back.
    """

    def __init__(self, workers: RQWorkers, cron: RQCron | None = None, every: float = 0.5):
        import threading

        self.workers, self.cron, self.every = workers, cron, every
        self.restarts = {"worker": 0, "cron": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rq-supervisor", daemon=True)

    def start(self) -> "Supervisor":
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            for proc in list(self.workers.procs):
                if proc.poll() is not None:
                    self.workers.procs.remove(proc)
                    self.workers.add()
                    self.restarts["worker"] += 1
            if self.cron is not None and self.cron.proc is not None and not self.cron.alive():
                self.cron.start()
                self.restarts["cron"] += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
