"""Real processes for the fault and log tests: the API under gunicorn and a Celery worker, each in a
session of its own (so a signal can reach the whole group) with its output in a log file, plus a
one-connection-per-request HTTP client and a small load generator."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from infra.embedded import free_port
from services.config import Settings
from tests.helpers import PAPERFEED, REPO, cli_env, running, wait_until

TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(port: int, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 15) -> Answer:
    """One request on a fresh connection (so only a request in flight can meet a dying process).
    Transport failures raise (OSError, HTTPException)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body)
        all_headers = {"Connection": "close", **({"Content-Type": "application/json"} if payload else {}),
                       **(headers or {})}
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def stop_group(proc: subprocess.Popen, *, grace: float = 20) -> None:
    """SIGTERM the process group, then SIGKILL what is left after ``grace`` seconds."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


@dataclass
class ApiServer:
    proc: subprocess.Popen
    port: int
    log: Path

    def workers(self) -> list[int]:
        """Pids of gunicorn's live worker processes (the master is ``proc``)."""
        return sorted(c.pid for c in psutil.Process(self.proc.pid).children() if running(c.pid))

    def call(self, method: str, path: str, **kwargs: Any) -> Answer:
        return call(self.port, method, path, **kwargs)


def _healthy(port: int) -> bool:
    with contextlib.suppress(*TRANSPORT_ERRORS):
        return call(port, "GET", "/healthz", timeout=2).status == 200
    return False


@contextlib.contextmanager
def api_server(settings: Settings, log: Path, **env: str) -> Iterator[ApiServer]:
    """`paperfeed api` (gunicorn, which it execs) on a free port, until it answers /healthz."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen([*PAPERFEED, "api"], env=cli_env(settings.replace(port=port), **env), cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: _healthy(port) or proc.poll() is not None, 60, message="gunicorn answering")
        assert proc.poll() is None, f"gunicorn exited: see {log}"
        server = ApiServer(proc, port, log)
        # The master imports the app before forking, so the first worker can answer before the last is
        # forked: tests that count or kill workers need all of them.
        wait_until(lambda: len(server.workers()) >= settings.api_workers, 30, message="every gunicorn worker")
        yield server
    finally:
        stop_group(proc)


@contextlib.contextmanager
def celery_worker(settings: Settings, queue: str, log: Path, *, preexec: Callable[[], None] | None = None,
                  **env: str) -> Iterator[subprocess.Popen]:
    """`paperfeed worker` consuming only ``queue`` with one pool process (WORKER_CONCURRENCY=1)."""
    environ = cli_env(settings, WORKER_CONCURRENCY="1", **env)
    with log.open("ab") as out:
        proc = subprocess.Popen([*PAPERFEED, "worker", "--queues", queue], env=environ, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec)
    try:
        yield proc
    finally:
        stop_group(proc)


def pool_processes(worker: subprocess.Popen) -> list[psutil.Process]:
    """The worker's prefork pool children (the processes that run tasks)."""
    return [c for c in psutil.Process(worker.pid).children(recursive=True) if running(c.pid)]


@dataclass
class Load:
    """Client threads, each with at most one request in flight, calling ``request(client, n)`` in a loop
    until stopped; every outcome is kept as (client, n, status or the transport error's name)."""

    request: Callable[[int, int], Answer]
    clients: int
    outcomes: list[tuple[int, int, int | str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _run(self, client: int) -> None:
        n = 0
        while not self._stop.is_set():
            try:
                outcome: int | str = self.request(client, n).status
            except TRANSPORT_ERRORS as exc:
                outcome = type(exc).__name__
            with self._lock:
                self.outcomes.append((client, n, outcome))
            n += 1

    def __enter__(self) -> Load:
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def count(self, predicate: Callable[[int | str], bool]) -> int:
        with self._lock:
            return sum(1 for _, _, outcome in self.outcomes if predicate(outcome))
