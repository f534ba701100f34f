"""Shared benchmark plumbing: a fresh database, a gunicorn API, closed- and open-loop HTTP clients."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from infra import migrate  # noqa: E402
from infra.embedded import free_port  # noqa: E402
from infra.runtime import resolve  # noqa: E402
from services.config import Settings  # noqa: E402
from services.db import Database  # noqa: E402
from services.recommender import feed, feed_cache  # noqa: E402
from services.recommender.artifacts import ArtifactStore  # noqa: E402
from services.recommender.serving import LiveModels  # noqa: E402
from workers.tasks import PRECOMPUTE_CHUNK_USERS  # noqa: E402


def precompute_feeds(db: Database, store, settings: Settings, *, seconds: float | None = None,
                     processes: int = 1) -> dict:
    """What the worker's feeds.precompute does for active users (here: every user with events), timed:
    the live models loaded first, then each user's feed ranked and stored. ``seconds`` bounds it (one
    process only).

    ``processes`` > 1: as the worker fans out (``feeds.precompute_chunk`` tasks of PRECOMPUTE_CHUNK_USERS
    users, taken by whichever worker process is free), that many processes take chunks from one queue;
    each loads the live models first, and the clock starts when all have (a worker process serves many
    runs with the models it loaded once). ``seconds`` is then the wall time from that start to the last
    chunk stored, with each process's report under ``per_process``."""
    live = _live_models(db, store, settings)
    if processes <= 1:
        return feed_cache.precompute(db, settings, _ranker(live, settings), feed.model_version(live),
                                     time_budget_seconds=seconds)
    users = feed_cache.precompute_candidates(db, settings, feed.model_version(live), limit=10**9)
    spawn = mp.get_context("spawn")  # a fresh interpreter: no inherited pool threads or connections
    chunks, ready, go, out = spawn.Queue(), spawn.Queue(), spawn.Event(), spawn.Queue()
    for start in range(0, len(users), PRECOMPUTE_CHUNK_USERS):
        chunks.put(users[start: start + PRECOMPUTE_CHUNK_USERS])
    for _ in range(processes):
        chunks.put(None)
    procs = [spawn.Process(target=_precompute_process, args=(settings, chunks, ready, go, out))
             for _ in range(processes)]
    for proc in procs:
        proc.start()
    _one_from_each(ready, procs)
    started = time.perf_counter()
    go.set()
    reports = _one_from_each(out, procs)
    wall = time.perf_counter() - started
    for proc in procs:
        proc.join()
    ranked = sum(r["ranked"] for r in reports)
    return {"candidates": len(users), "ranked": ranked, "seconds": round(wall, 2), "processes": processes,
            "feeds_per_second": round(ranked / wall, 1) if wall and ranked else None, "per_process": reports}


def _ranker(live: LiveModels, settings: Settings) -> Callable:
    """``feed_cache.precompute``'s ``rank_and_store(conn, user_id)``: the feed's own ranking path."""
    return lambda conn, user_id: feed.rank_and_store(conn, live, settings, user_id)


def _live_models(db: Database, store, settings: Settings) -> LiveModels:
    live = LiveModels(store, refresh_seconds=0.0, ef_search=settings.hnsw_ef_search)
    with db.connection() as conn:
        live.index(conn)
        live.cf(conn)
    return live


def _one_from_each(results, procs: list) -> list:
    """One item per process of ``procs`` from the queue ``results``; raises (instead of waiting forever)
    when one of them has died first."""
    items: list = []
    while len(items) < len(procs):
        try:
            items.append(results.get(timeout=5))
        except queue.Empty:
            failed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if failed:
                raise RuntimeError(f"a precompute process died (exit codes {failed}); its traceback is above") from None
    return items


def _precompute_process(settings: Settings, chunks, ready, go, out) -> None:
    """One precompute process of ``precompute_feeds``: load the models, say so on ``ready``, wait for
    ``go``, rank the chunks taken from ``chunks`` until a None, and put a report on ``out``. Native thread
    pools: as the parent's environment says (the benchmarks cap them at one before numpy loads)."""
    db = Database(settings.database_url, min_size=0, max_size=2)
    live = _live_models(db, ArtifactStore(settings.artifacts), settings)
    version = feed.model_version(live)
    ready.put(os.getpid())
    go.wait()
    started, ranked, cpu = time.perf_counter(), 0, time.process_time()
    rank = _ranker(live, settings)
    while (chunk := chunks.get()) is not None:
        ranked += feed_cache.precompute(db, settings, rank, version, users=chunk)["ranked"]
    db.close()
    out.put({"ranked": ranked, "seconds": round(time.perf_counter() - started, 2),
             "cpu_seconds": round(time.process_time() - cpu, 2)})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(latencies: list[float], wall: float, errors: int) -> dict:
    return {"requests": len(latencies), "rps": round(len(latencies) / wall, 1) if wall else None,
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 2) if latencies else None,
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2) if latencies else None,
            "errors": errors}


@contextlib.contextmanager
def fresh_database(data_dir: str) -> Iterator[tuple[Settings, str]]:
    """Settings for the real servers (embedded unless DATABASE_URL/REDIS_URL are set) and the URL of a
    new, migrated database that is dropped afterwards."""
    os.environ.setdefault("PAPERFEED_DATA_DIR", str(REPO / ".paperfeed" / data_dir))
    runtime = resolve(Settings.from_env(), generate_secret=True)
    server = runtime.settings.database_url.rsplit("/", 1)[0]
    name = f"paperfeed_bench_{secrets.token_hex(3)}"
    admin = Database(f"{server}/postgres", min_size=0, max_size=1)
    with admin.connection() as conn:
        conn.autocommit = True
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate.upgrade(f"{server}/{name}")
        yield runtime.settings, f"{server}/{name}"
    finally:
        with admin.connection() as conn:
            conn.autocommit = True
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        runtime.stop_started()


@contextlib.contextmanager
def api_server(settings: Settings, *, argv: list[str] | None = None, cwd: Path = REPO) -> Iterator[int]:
    """gunicorn on a free port (the Paperfeed app unless ``argv`` names another); yields the port.
    ``cwd``: the checkout whose code it runs (another one measures another commit on the same data)."""
    port = free_port()
    env = {**os.environ, **settings.replace(port=port).as_environ()}
    command = argv or [sys.executable, "-m", "infra.cli", "api"]
    command = [part.replace("{port}", str(port)) for part in command]
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(30)


class LeanHttpClient:
    """A keep-alive HTTP/1.1 client over one socket that does only what a load generator needs: send a
    request, read the status and a Content-Length body. ``http.client`` parses every header through the
    email package and cost ~1.7 ms of CPU per request here, a quarter of a 2-core machine at 270 req/s,
    taken from the server being measured."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port, self.timeout = port, timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> int:
        """Send one request and read its whole response; returns the status. Raises OSError on failure
        (the connection is then dropped and the next request opens a new one)."""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            head.append(f"Content-Length: {len(body)}")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")
        try:
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buffer = b""
            self.sock.sendall(payload)
            return self._read_response()
        except OSError:
            self.close()
            raise

    def _read_response(self) -> int:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length, closing = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                closing = True
        while len(rest) < length:
            self.buffer = rest
            self._fill()
            rest = self.buffer
        self.buffer = rest[length:]
        if closing:
            self.close()
        return status

    def _fill(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionResetError("server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
        self.sock, self.buffer = None, b""


def _worker(port: int, paths: Callable[[int], str], headers: dict, seconds: float, rate: float | None,
            seed: int, out: mp.Queue) -> None:
    client = LeanHttpClient(port)
    latencies, errors, n = [], 0, 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        if rate:  # open loop: the n-th request is due at n / rate, whatever the previous one cost
            due = start + n / rate
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
        if time.perf_counter() >= deadline:
            break
        path = paths(seed * 1_000_003 + n)
        n += 1
        began = time.perf_counter()
        try:
            ok = client.request("GET", path, headers) == 200
        except (OSError, ValueError):
            ok = False
        latencies.append(time.perf_counter() - began)
        errors += not ok
    out.put((latencies, errors))


def run_processes(target: Callable, arg_tuples: list[tuple]) -> tuple[list, float]:
    """Start one process per argument tuple (each gets a result queue as its last argument), collect
    one result from each, and return (results, wall seconds)."""
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=target, args=(*args, out)) for args in arg_tuples]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return results, time.perf_counter() - started


def load(port: int, paths: Callable[[int], str], *, clients: int, seconds: float, headers: dict | None = None,
         total_rate: float | None = None) -> dict:
    """Run ``clients`` processes for ``seconds``: closed loop, or open loop at ``total_rate`` requests/s."""
    rate = total_rate / clients if total_rate else None
    results, wall = run_processes(_worker, [(port, paths, headers or {}, seconds, rate, i) for i in range(clients)])
    return summary([x for lat, _ in results for x in lat], wall, sum(e for _, e in results))


def cpu_seconds_by_program() -> dict[str, float]:
    """CPU seconds (user + system) used so far by every running process, summed per program name
    (``/proc/<pid>/stat``'s comm: postgres, redis-server, gunicorn, wrk ...). Two readings around a load
    give what each program spent on it; processes that exit in between are missed."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat_file:
                stat = stat_file.read()
        except OSError:
            continue
        close = stat.rindex(")")
        comm, fields = stat[stat.index("(") + 1: close], stat[close + 2:].split()
        totals[comm] = totals.get(comm, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return totals


def cpu_ms_per_request(before: dict[str, float], after: dict[str, float], requests: int, *,
                       top: int = 6) -> dict[str, float]:
    """Each program's CPU per request between two ``cpu_seconds_by_program`` readings (the ``top``
    largest, the rest summed as "other"), in ms."""
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    ranked = sorted(((s, n) for n, s in spent.items() if s > 0), reverse=True)
    out = {name: round(s * 1000 / max(1, requests), 3) for s, name in ranked[:top]}
    out["other"] = round(sum(s for s, _ in ranked[top:]) * 1000 / max(1, requests), 3)
    return out
