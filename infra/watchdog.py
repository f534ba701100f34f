"""Stops the embedded servers a command started if that command dies without stopping them.

`paperfeed up`, `run-with-services` and the test session start PostgreSQL and Redis as daemons (they
outlive a crashed parent by design: `pg_ctl` and `--daemonize` detach them). When such a command is
killed outright (SIGKILL, the OOM killer, a CI time-out) nothing stopped them, and once the data folder
was deleted nothing could find them again. So every command that starts one also starts this small
watchdog in a session of its own: it remembers the servers' pids (and start times, so a recycled pid is
never touched) and, when its parent is gone, stops whichever of them still run — PostgreSQL with a fast
shutdown (SIGINT), Redis with SIGTERM, SIGKILL after a grace period.

    python -m infra.watchdog PARENT_PID PID:CREATE_TIME [PID:CREATE_TIME ...]
"""

from __future__ import annotations

import contextlib
import signal
import subprocess  # nosec B404  # subprocess runs our own fixed commands only
import sys
import time
from pathlib import Path

import psutil

POLL_SECONDS = 1.0
GRACE_SECONDS = 20.0
# What each server's process is called, and the signal that makes it shut down quickly but cleanly.
STOP_SIGNALS = {"postgres": signal.SIGINT, "redis-server": signal.SIGTERM}
_spawned: list[subprocess.Popen] = []


PID_FILES = {"postgres": Path("postgres") / "postmaster.pid", "redis": Path("redis.pid")}


def server_pids(root: Path, servers: list[str]) -> list[int]:
    """The pids of the named embedded servers ("postgres", "redis") running on data directory ``root``."""
    pids = []
    for server in servers:
        path = root / PID_FILES[server]
        with contextlib.suppress(OSError, ValueError, IndexError):
            pids.append(int(path.read_text().split()[0]))
    return pids


def spawn(parent_pid: int, pids: list[int]) -> subprocess.Popen | None:
    """Start a watchdog for ``pids`` on behalf of ``parent_pid``; None when there is nothing to watch."""
    marks = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            marks.append(f"{pid}:{psutil.Process(pid).create_time()!r}")
    if not marks:
        return None
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.watchdog", str(parent_pid), *marks],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # nosec B603  # fixed argument list, no shell, no user input
    _spawned.append(proc)  # kept referenced: it is meant to outlive this object, not to be waited for
    return proc


def _same_process(pid: int, create_time: float) -> psutil.Process | None:
    with contextlib.suppress(psutil.Error):
        proc = psutil.Process(pid)
        if abs(proc.create_time() - create_time) < 0.01 and proc.status() != psutil.STATUS_ZOMBIE:
            return proc
    return None


def _parent_alive(pid: int) -> bool:
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    return False


def watch(parent_pid: int, marks: list[tuple[int, float]]) -> list[int]:
    """Block until the parent exits, then stop the watched servers still running; return their pids."""
    while _parent_alive(parent_pid):
        if not any(_same_process(pid, created) for pid, created in marks):
            return []  # the parent stopped them itself: nothing left to guard
        time.sleep(POLL_SECONDS)
    procs = [p for pid, created in marks if (p := _same_process(pid, created)) is not None]
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(STOP_SIGNALS.get(proc.name(), signal.SIGTERM))
    _gone, alive = psutil.wait_procs(procs, timeout=GRACE_SECONDS)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    return [p.pid for p in procs]


def main(argv: list[str]) -> int:
    parent = int(argv[0])
    marks = [(int(pid), float(created)) for pid, created in (mark.split(":", 1) for mark in argv[1:])]
    watch(parent, marks)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
