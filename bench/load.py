"""Load for webhook benchmarks: pre-generated deliveries, and two ways to send them.

Deliveries are built with ``bot.simclient.WeChatServer`` (wechatpy's own crypto), one
unique MsgId each, spread over many openids, right before they are sent (WeChat's and
our signature window is 300 s). Every delivery is sent at most once, so the server
does the full work for each (no duplicate-cache hits), except when wrk runs out:
that is counted as ``reused``.

- ``run_wrk``: wrk with ``wrk_replay.lua`` (cheap on the CPU it shares with the server);
- ``run_python``: one process per concurrent client, raw HTTP/1.1 on a new connection
  per request (gunicorn's sync workers close it anyway); the fallback without wrk. It
  costs more CPU per request than wrk, so on a small machine it lowers both rates.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from bot.simclient import WeChatServer

WRK_SCRIPT = Path(__file__).with_name("wrk_replay.lua")
#: WeChat gives up on a passive reply after 5 s; so does the load generator
REQUEST_TIMEOUT_S = 5


# -- deliveries ----------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """Deliveries as (path with signed query, body), and who sent them."""

    items: list[tuple[str, bytes]]
    openid_prefix: str
    generated_at: float  # the oldest timestamp in it

    def age(self) -> float:
        return time.time() - self.generated_at


def openids(prefix: str, users: int) -> list[str]:
    return [f"{prefix}{k:05d}" for k in range(users)]


def _make_chunk(args) -> list[tuple[str, bytes]]:
    server, ids, base, start, count, content = args
    out = []
    for i in range(start, start + count):
        delivery = server.text(ids[i % len(ids)], content, msg_id=base + i)
        out.append((delivery.url, delivery.body))
    return out


def generate(server: WeChatServer, count: int, users: int, prefix: str, content: str = "你好", processes: int | None = None) -> Batch:
    """``count`` signed, encrypted text messages with unique MsgIds from ``users`` openids.

    Split over forked processes (each writes its share to a file: no pools, no queues).
    """
    ids = openids(prefix, users)
    base = time.time_ns() // 1000  # MsgIds unique across runs, too
    started = time.time()
    processes = processes or min(os.cpu_count() or 1, 4)
    if count < 2000 or processes == 1:
        items = _make_chunk((server, ids, base, 0, count, content))
    else:
        items = _generate_forked(server, ids, base, count, content, processes)
    for path, body in items[:1]:
        assert b"\n" not in body and b"\t" not in body and "\t" not in path
    return Batch(items, prefix, started)


def _generate_forked(server, ids, base, count, content, processes) -> list[tuple[str, bytes]]:
    ctx = mp.get_context("fork")
    step = -(-count // processes)
    with tempfile.TemporaryDirectory(prefix="jzt-bench-gen-") as tmp:
        jobs = []
        for n, start in enumerate(range(0, count, step)):
            out = Path(tmp) / f"{n}.pickle"
            args = (server, ids, base, start, min(step, count - start), content)
            proc = ctx.Process(target=_write_chunk, args=(args, out), daemon=True)
            proc.start()
            jobs.append((proc, out))
        items: list[tuple[str, bytes]] = []
        try:
            for proc, out in jobs:
                proc.join(timeout=300)
                if proc.exitcode != 0:
                    raise RuntimeError(f"generating deliveries failed (exit {proc.exitcode})")
                items.extend(pickle.loads(out.read_bytes()))
        finally:
            for proc, _ in jobs:
                if proc.is_alive():
                    proc.kill()
                    proc.join()
    return items


def _write_chunk(args, out: Path) -> None:
    out.write_bytes(pickle.dumps(_make_chunk(args), protocol=pickle.HIGHEST_PROTOCOL))


# -- results -------------------------------------------------------------------------


#: the percentiles a latency distribution is kept at (0.05, 0.15 ... 99.95): 1000 quantiles,
#: enough to merge runs and read p50/p99 from the merge
GRID = tuple((i + 0.5) / 10 for i in range(1000))


@dataclass
class LoadResult:
    client: str
    responses: int = 0  # answered, any status
    duration_s: float = 0.0
    non200: int = 0
    socket_errors: int = 0  # connect/read/write errors and timeouts
    unsealed: int = 0  # 200 but not an encrypted reply
    reused: int = 0  # deliveries sent a second time (generator ran out)
    grid_ms: list[float] = field(default_factory=list)  # latency at each GRID percentile
    max_ms: float = 0.0
    samples: list[bytes] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.responses / self.duration_s if self.duration_s else 0.0

    @property
    def attempts(self) -> int:
        return self.responses + self.socket_errors

    @property
    def errors(self) -> int:
        return self.non200 + self.socket_errors + self.unsealed

    def percentile(self, p: float) -> float:
        """Latency (ms) at percentile ``p``, read from the grid."""
        if not self.grid_ms:
            return 0.0
        at = min(max(p * 10 - 0.5, 0.0), len(self.grid_ms) - 1.0)
        low = int(at)
        high = min(low + 1, len(self.grid_ms) - 1)
        return self.grid_ms[low] + (self.grid_ms[high] - self.grid_ms[low]) * (at - low)

    @property
    def p50_ms(self) -> float:
        return self.percentile(50)

    @property
    def p99_ms(self) -> float:
        return self.percentile(99)


def grid_of(ordered_ms: list[float]) -> list[float]:
    """The GRID quantiles of sorted latencies."""
    n = len(ordered_ms)
    return [ordered_ms[min(n - 1, int(p / 100 * n))] for p in GRID] if n else []


def merge(results: list[LoadResult]) -> LoadResult:
    """Several runs against one server as one: counts and durations add up, latencies mix."""
    merged = LoadResult(client=results[0].client if results else "")
    weighted: list[tuple[float, float]] = []
    for r in results:
        merged.responses += r.responses
        merged.duration_s += r.duration_s
        merged.non200 += r.non200
        merged.socket_errors += r.socket_errors
        merged.unsealed += r.unsealed
        merged.reused += r.reused
        merged.max_ms = max(merged.max_ms, r.max_ms)
        merged.samples.extend(r.samples)
        if r.grid_ms and r.responses:
            weighted.extend((value, r.responses / len(r.grid_ms)) for value in r.grid_ms)
    if weighted:
        weighted.sort()
        total = sum(w for _, w in weighted)
        grid, cumulative, i = [], 0.0, 0
        for p in GRID:
            target = p / 100 * total
            while i < len(weighted) - 1 and cumulative + weighted[i][1] < target:
                cumulative += weighted[i][1]
                i += 1
            grid.append(weighted[i][0])
        merged.grid_ms = grid
    return merged


# -- wrk -----------------------------------------------------------------------------


def find_wrk(install: bool = True) -> str | None:
    """wrk's path; installs the Debian package when missing and allowed (root with apt-get)."""
    path = shutil.which("wrk")
    if path or not install:
        return path
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    print("bench: wrk is missing; installing it with apt-get (BENCH_CLIENT=python skips this)", file=sys.stderr, flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=300)
    try:
        if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shutil.which("wrk")


def run_wrk(wrk: str, base_url: str, batch: Batch, seconds: float, connections: int, threads: int = 2) -> LoadResult:
    threads = max(1, min(threads, connections))
    with tempfile.TemporaryDirectory(prefix="jzt-bench-wrk-") as tmp:
        requests_file, result_file = Path(tmp) / "requests.txt", Path(tmp) / "result.txt"
        with open(requests_file, "wb") as f:
            for path, body in batch.items:
                f.write(path.encode() + b"\t" + body + b"\n")
        env = dict(
            os.environ,
            BENCH_WRK_REQUESTS=str(requests_file),
            BENCH_WRK_RESULT=str(result_file),
            BENCH_WRK_THREADS=str(threads),
            BENCH_WRK_SAMPLE_EVERY=str(max(50, len(batch.items) // 400)),
        )
        cmd = [
            wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
            "--timeout", f"{REQUEST_TIMEOUT_S}s", "-s", str(WRK_SCRIPT), base_url + "/",
        ]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            output, _ = proc.communicate(timeout=seconds + 60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"wrk failed (exit {proc.returncode}):\n{output.decode(errors='replace')}")
        return _read_wrk_result(result_file.read_bytes())


def _read_wrk_result(raw: bytes) -> LoadResult:
    head, _, blob = raw.partition(b"samples\n")
    values: dict[str, float] = {}
    grid: list[float] = []
    for line in head.decode().splitlines():
        key, *rest = line.split()
        if key == "grid_us":
            grid = [float(v) / 1000 for v in rest]
        else:
            values[key] = float(rest[0])
    samples = []
    while blob:
        size, _, rest = blob.partition(b"\n")
        n = int(size)
        samples.append(rest[:n])
        blob = rest[n:]
    return LoadResult(
        client="wrk",
        responses=int(values["requests"]),
        duration_s=values["duration_us"] / 1e6,
        non200=int(values["non200"]),
        socket_errors=int(values["err_connect"] + values["err_read"] + values["err_write"] + values["err_timeout"]),
        unsealed=int(values["unsealed"]),
        reused=int(values["reused"]),
        grid_ms=grid if values["requests"] else [],
        max_ms=values["lat_max_us"] / 1000,
        samples=samples,
    )


# -- Python processes ----------------------------------------------------------------


def _python_client(port: int, items, start_at: float, stop_at: float, sample_every: int, results) -> None:
    """One client: raw HTTP/1.1 with ``Connection: close`` over a new socket per request.

    Cheaper on the CPU than http.client (the server shares the machine); the response
    ends when the server closes the connection, as gunicorn's sync workers do.
    """
    latencies = array("d")
    non200 = socket_errors = unsealed = 0
    samples: list[bytes] = []
    head = "POST {} HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n" % port
    time.sleep(max(0.0, start_at - time.time()))
    try:
        for n, (path, body) in enumerate(items):
            if time.time() >= stop_at:
                break
            raw = head.format(path, len(body)).encode() + body
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT_S) as sock:
                    t0 = time.perf_counter()  # like wrk: from the request's first byte, not the connect
                    sock.sendall(raw)
                    chunks = []
                    while chunk := sock.recv(65536):
                        chunks.append(chunk)
            except OSError:
                socket_errors += 1
                continue
            latencies.append(time.perf_counter() - t0)
            data = b"".join(chunks)
            status_line, _, rest = data.partition(b"\r\n")
            parts = status_line.split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
                socket_errors += 1  # not HTTP at all, or cut short
                continue
            _, _, payload = rest.partition(b"\r\n\r\n")
            if parts[1] != b"200":
                non200 += 1
            elif b"<Encrypt>" not in payload:
                unsealed += 1
            if parts[1] == b"200" and len(samples) < 50 and (n < 5 or n % sample_every == 0):
                samples.append(payload)
    except KeyboardInterrupt:
        pass
    results.put((latencies.tobytes(), non200, socket_errors, unsealed, samples, time.time()))


def run_python(port: int, batch: Batch, seconds: float, concurrency: int) -> LoadResult:
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    slices = [batch.items[i::concurrency] for i in range(concurrency)]
    start_at = time.time() + 0.5
    stop_at = start_at + seconds
    sample_every = max(20, len(batch.items) // concurrency // 20)
    procs = [ctx.Process(target=_python_client, args=(port, s, start_at, stop_at, sample_every, results), daemon=True) for s in slices]
    for p in procs:
        p.start()
    try:
        collected = [results.get(timeout=seconds + 60) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
    latencies = array("d")
    result = LoadResult(client="python")
    end = start_at
    for raw, non200, socket_errors, unsealed, samples, finished in collected:
        chunk = array("d")
        chunk.frombytes(raw)
        latencies.extend(chunk)
        result.non200 += non200
        result.socket_errors += socket_errors
        result.unsealed += unsealed
        result.samples.extend(samples)
        end = max(end, finished)
    result.responses = len(latencies)
    result.duration_s = max(1e-9, min(end, stop_at + REQUEST_TIMEOUT_S) - start_at)
    if latencies:
        ordered = sorted(v * 1000 for v in latencies)
        result.grid_ms = grid_of(ordered)
        result.max_ms = ordered[-1]
    return result
