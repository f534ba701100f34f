"""Helpers for tests that run `paperfeed` as a real process."""

from __future__ import annotations

import contextlib
import http.server
import os
import subprocess
import sys
import threading
import time
from email.message import Message
from pathlib import Path

import psutil

from services.config import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
PAPERFEED = [sys.executable, "-m", "infra.cli"]


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment for a `paperfeed` subprocess using ``settings``'s servers."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env.update(settings.as_environ())
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*PAPERFEED, *args], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie. A process that exits (or is reaped) between
    the lookup and the status read counts as gone, not as an error: the callers poll for exactly that."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not met within {timeout}s")


class HttpReceiver(http.server.ThreadingHTTPServer):
    """A real HTTP server on a free loopback port, serving from a daemon thread as soon as it exists: each
    POST's headers and body go to ``on_post``, whose return value is the status answered. Subclasses set
    their own state before calling ``super().__init__()``; ``lock`` guards what they record."""

    daemon_threads = True

    def __init__(self) -> None:
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                status = receiver.on_post(self.headers, self.rfile.read(int(self.headers["Content-Length"])))
                with contextlib.suppress(OSError):  # the sender may be gone (killed mid-request)
                    self.send_response(status)
                    self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def on_post(self, headers: Message, body: bytes) -> int:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"



def confirm_email(db, user_id: str) -> None:
    """Mark the user's current address confirmed, as clicking the emailed link does (tests of other things
    skip the round trip; tests/integration/test_email_links.py covers the link itself)."""
    from services.store import users

    with db.connection() as conn:
        user = users.get(conn, user_id)
        assert user and user["email"], f"{user_id} has no address to confirm"
        assert users.confirm_email(conn, user_id, user["email"])
