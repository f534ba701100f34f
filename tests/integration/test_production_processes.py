"""Production processes never improvise: no private database for api/worker/beat/migrate, one beat per
deployment, and embedded servers that do not outlive the command that started them."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis

from infra.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from tests.faults.processes import api_server, celery_worker
from tests.helpers import PAPERFEED, REPO, cli_env, running, wait_until
from workers.beat_lock import BEAT_LOCK

pytestmark = pytest.mark.slow


def _bare_env(data_dir, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    return {**env, "PAPERFEED_DATA_DIR": str(data_dir), **extra}


@pytest.mark.parametrize(("command", "missing"), [
    ("api", "DATABASE_URL and REDIS_URL"), ("worker", "DATABASE_URL and REDIS_URL"),
    ("beat", "DATABASE_URL and REDIS_URL"), ("migrate", "DATABASE_URL"),
])
def test_a_production_process_without_its_servers_exits_at_once(command, missing, tmp_path):
    result = subprocess.run([*PAPERFEED, command], env=_bare_env(tmp_path / "data"), cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"Error: `paperfeed {command}` needs {missing}; only `paperfeed up` (`make run`) starts embedded servers"]
    assert EmbeddedPostgres(tmp_path / "data").running_port() is None
    assert not (tmp_path / "data" / "postgres").exists()


def test_a_worker_with_a_database_but_no_redis_names_what_is_missing(settings, tmp_path):
    env = _bare_env(tmp_path / "data", DATABASE_URL=settings.database_url)
    result = subprocess.run([*PAPERFEED, "worker"], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "needs REDIS_URL;" in result.stderr
    assert EmbeddedRedis(tmp_path / "data").running_port() is None


class Beat:
    def __init__(self, settings, log) -> None:
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen([*PAPERFEED, "beat"], env=cli_env(settings), cwd=REPO, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def said(self, text: str) -> bool:
        return text in self.log.read_text()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_a_second_beat_waits_and_takes_over_when_the_first_is_gone(how, settings, tmp_path):
    client = redis.Redis.from_url(settings.redis_url)
    client.delete(BEAT_LOCK)
    first_settings = settings.replace(data_dir=tmp_path / "one", beat_lock_seconds=3)
    second_settings = settings.replace(data_dir=tmp_path / "two", beat_lock_seconds=3)
    first = Beat(first_settings, tmp_path / "one.log")
    second = None
    try:
        wait_until(lambda: first.said("beat lock taken"), 60, message="the first beat holds the lock")
        holder = client.get(BEAT_LOCK).decode()
        assert holder.split(":")[1] == str(first.proc.pid)
        second = Beat(second_settings, tmp_path / "two.log")
        wait_until(lambda: second.said("another beat holds the schedule"), 60, message="the second beat waits")
        time.sleep(4)  # longer than the TTL: the first keeps renewing, the second keeps waiting
        assert not second.said("beat lock taken") and not second.said("Scheduler: Sending")
        assert client.get(BEAT_LOCK).decode() == holder

        first.stop(signal.SIGTERM if how == "stopped" else signal.SIGKILL)
        wait_until(lambda: second.said("beat lock taken"), 30, message="the second beat takes over")
        assert client.get(BEAT_LOCK).decode().split(":")[1] == str(second.proc.pid)
    finally:
        first.stop(signal.SIGKILL)
        if second is not None:
            second.stop()
        client.delete(BEAT_LOCK)


@pytest.mark.parametrize("folder", ["kept", "deleted"])
def test_embedded_servers_die_with_the_command_that_started_them(folder, tmp_path):
    # Outside pytest's tmp dirs, as tests/faults' private servers: as root PostgreSQL runs as another
    # user, who must traverse the parents, and a pytest session starting meanwhile resets them to 0700.
    root = Path(tempfile.mkdtemp(prefix="paperfeed-watchdog-"))
    root.chmod(0o755)
    data_dir = root / "pf-data"
    log = tmp_path / "run-with-services.log"
    proc = subprocess.Popen([*PAPERFEED, "run-with-services", "--", "sleep", "300"], env=_bare_env(data_dir),
                            cwd=REPO, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: EmbeddedPostgres(data_dir).running_port() and EmbeddedRedis(data_dir).running_port(),
                   120, message=f"both embedded servers running ({log})")
        servers = [int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0]),
                   int((data_dir / "redis.pid").read_text().strip())]
        time.sleep(1)  # the watchdog is spawned right after the servers answer
        os.killpg(proc.pid, signal.SIGKILL)  # the command, and the sleep it runs; not the daemons
        proc.wait(10)
        if folder == "deleted":
            shutil.rmtree(data_dir, ignore_errors=True)
        wait_until(lambda: not any(running(p) for p in servers), 60, message="the orphaned servers stopped")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for server in (EmbeddedRedis(data_dir), EmbeddedPostgres(data_dir)):
            with contextlib.suppress(Exception):
                server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_health_checks_tell_a_working_process_from_a_missing_one(settings, tmp_path):
    def health(process: str, s) -> subprocess.CompletedProcess:
        return subprocess.run([*PAPERFEED, "health", process], env=cli_env(s), cwd=REPO, capture_output=True,
                              text=True, timeout=90)

    client = redis.Redis.from_url(settings.redis_url)
    client.delete(BEAT_LOCK)
    base = settings.replace(data_dir=tmp_path / "data", api_workers=1, api_threads=1)
    idle = base.replace(port=free_port())
    for process in ("api", "beat"):
        result = health(process, idle)
        assert result.returncode != 0 and result.stderr.startswith("Error: "), (process, result.stderr)
    with api_server(base, tmp_path / "api.log") as api:
        assert health("api", base.replace(port=api.port)).returncode == 0
    beat = Beat(base.replace(beat_lock_seconds=3), tmp_path / "beat.log")
    try:
        wait_until(lambda: beat.said("beat lock taken"), 60, message="beat holds the lock")
        assert health("beat", base).returncode == 0
    finally:
        beat.stop()
    with celery_worker(base, "health-check", tmp_path / "worker.log"):
        wait_until(lambda: health("worker", base).returncode == 0, 90, message="the worker answers its ping")


def test_a_keep_alive_connection_is_closed_after_its_request_limit_and_the_client_carries_on(settings, tmp_path):
    """API_KEEPALIVE_REQUESTS: the connection's last request is answered with "Connection: close" and the
    server closes it; the ones before keep it open; 0 never closes. (A connection stays with the worker
    that accepted it: this is what lets a few long-lived connections spread over the workers again.)"""
    base = settings.replace(data_dir=tmp_path / "data", api_workers=1, api_threads=1)
    for limit, closing in ((3, [False, False, True, False, False, True]), (0, [False] * 6)):
        with api_server(base.replace(api_keepalive_requests=limit), tmp_path / f"api-{limit}.log") as api:
            client = http.client.HTTPConnection("127.0.0.1", api.port, timeout=10)
            peers, closed = [], []
            for _ in closing:
                client.request("GET", "/healthz")
                peers.append(client.sock.getsockname())  # this request's connection (the client's port)
                response = client.getresponse()
                assert response.status == 200
                response.read()
                closed.append(response.getheader("Connection") == "close")
            client.close()
        assert closed == closing, limit
        # A new connection after each close, the same one otherwise.
        assert len(set(peers)) == 1 + closing[:-1].count(True), (limit, peers)
