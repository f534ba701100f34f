"""`paperfeed up` on the embedded defaults, as a real process tree: start, refuse a second start,
survive an unclean stop, stop cleanly."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest

from infra.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from tests.helpers import PAPERFEED, REPO, running, wait_until

pytestmark = pytest.mark.slow


def _env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env.update({"PAPERFEED_DATA_DIR": str(data_dir), "PORT": str(port), "API_WORKERS": "1",
                "WORKER_CONCURRENCY": "1", "PAPERFEED_DEMO_DATA": "false", **extra})
    return env


class Up:
    """One `paperfeed up` process with its output in a file."""

    def __init__(self, data_dir: Path, port: int, **extra: str) -> None:
        self.port = port
        self.log = data_dir.parent / f"up-{port}-{os.urandom(2).hex()}.log"
        self.out = self.log.open("w")
        self.proc = subprocess.Popen([*PAPERFEED, "up"], env=_env(data_dir, port, **extra), cwd=REPO,
                                     stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text()

    def wait_up(self, timeout: float = 180) -> str:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"paperfeed up exited {self.proc.returncode}:\n{self.output()[-3000:]}")
            return "Paperfeed is up." in self.output()

        wait_until(ready, timeout, message="paperfeed up printed its URLs")
        return self.output()

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())
        except OSError:  # refused or timed out: no answer yet
            return 0, {}

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 90) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self.out.close()
        return code


def _descendants_alive(pids: list[int]) -> list[int]:
    return [p for p in pids if running(p)]


def _cleanup(data_dir: Path) -> None:
    """Leave nothing running whatever the test did."""
    children = data_dir / "children.json"
    for pid in json.loads(children.read_text()) if children.exists() else []:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    for server in (EmbeddedRedis(data_dir), EmbeddedPostgres(data_dir)):
        with contextlib.suppress(Exception):  # best effort in teardown
            server.stop()


@pytest.fixture
def data_dir():
    # Outside pytest's tmp dirs: PostgreSQL runs as its own user when we are root and must pass through
    # every parent, and any pytest starting on the machine resets /tmp/pytest-of-<user> to 0700.
    scratch = REPO / ".paperfeed" / f"up-{secrets.token_hex(4)}"
    scratch.mkdir(parents=True)
    path = scratch / "pf-data"  # the `up` logs go beside it (Up.log)
    yield path
    _cleanup(path)
    shutil.rmtree(scratch, ignore_errors=True)


def test_up_serves_refuses_a_second_start_and_stops_everything(data_dir):
    first = Up(data_dir, free_port(), PAPERFEED_DEMO_DATA="true")
    output = first.wait_up()
    assert f"http://127.0.0.1:{first.port}/docs/" in output
    assert "demo key   pf_" in output
    # The worker embeds the demo catalogue and publishes an index shortly after start-up.
    ready = wait_until(lambda: (r := first.get("/readyz"))[0] == 200 and r, 120, message="readyz turns 200")
    assert ready[1]["checks"] == {"database": "ok", "index": "ok"}

    pg_port = EmbeddedPostgres(data_dir).running_port()
    with pytest.raises(psycopg.OperationalError):  # another local account has no password
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{pg_port}/paperfeed")
    with psycopg.connect(EmbeddedPostgres(data_dir).url(pg_port)) as conn:
        assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 3000

    second = subprocess.run([*PAPERFEED, "up"], env=_env(data_dir, free_port()), cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert "already running" in second.stderr and str(data_dir) in second.stderr
    assert first.get("/healthz")[0] == 200  # the first one is untouched

    children = json.loads((data_dir / "children.json").read_text())
    assert first.stop() == 0, first.output()[-4000:]
    assert _descendants_alive(children) == []
    assert EmbeddedPostgres(data_dir).running_port() is None
    assert EmbeddedRedis(data_dir).running_port() is None


def test_up_recovers_after_an_unclean_stop(data_dir):
    port = free_port()
    first = Up(data_dir, port)
    first.wait_up()
    children = json.loads((data_dir / "children.json").read_text())
    postmaster = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])

    # Power-cut style: the launcher and PostgreSQL die at once; the API keeps running, orphaned.
    os.kill(first.proc.pid, signal.SIGKILL)
    first.proc.wait(10)
    os.kill(postmaster, signal.SIGKILL)
    wait_until(lambda: not psutil.pid_exists(postmaster), 10)
    assert (data_dir / "postgres" / "postmaster.pid").exists()  # stale
    status, body = wait_until(lambda: (r := first.get("/readyz"))[0] == 503 and r, 30,
                              message="readyz reports the dead database")
    assert body["checks"]["database"].startswith("unreachable")

    second = Up(data_dir, port)
    second.wait_up()
    assert _descendants_alive(children) == []  # the orphans were reaped
    assert second.get("/readyz")[0] == 200
    assert second.stop() == 0, second.output()[-4000:]
    assert EmbeddedPostgres(data_dir).running_port() is None


def test_port_in_use_is_a_clear_error_and_starts_nothing(data_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([*PAPERFEED, "up"], env=_env(data_dir, port), cwd=REPO,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"Error: port {port} on 127.0.0.1 is in use (set PORT to another)"]
    assert EmbeddedPostgres(data_dir).running_port() is None


def test_bad_environment_value_is_one_line(data_dir):
    result = subprocess.run([*PAPERFEED, "up"], env=_env(data_dir, free_port(), WORKER_CONCURRENCY="lots"),
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Error: WORKER_CONCURRENCY='lots': expected an integer from 1 to 64"
    ]
