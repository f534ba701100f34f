"""Helpers for tests that run `paperfeed` as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

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


def wait_until(predicate, timeout: float, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not met within {timeout}s")
