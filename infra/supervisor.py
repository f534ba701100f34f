"""Run the API, worker and beat as child processes and stop them all together (`paperfeed up`)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess  # nosec B404  # subprocess runs our own fixed commands only
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STOP_GRACE_SECONDS = 20


@dataclass
class Child:
    name: str
    process: subprocess.Popen


class Supervisor:
    """Starts named commands, waits for a signal or a child's death, then stops every child."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.children: list[Child] = []
        self._stop_requested = False

    def spawn(self, name: str, argv: Sequence[str], extra_env: Mapping[str, str] | None = None) -> None:
        """Start a child; ``extra_env`` is added to its environment only (e.g. a credential for one child)."""
        # Own process group: a Ctrl-C reaches us once, and we stop the children in order.
        process = subprocess.Popen(list(argv), env={**self.env, **(extra_env or {})},  # nosec B603  # fixed argument list, no shell, no user input
                                   start_new_session=True)
        self.children.append(Child(name, process))

    def install_signal_handlers(self) -> None:
        def request_stop(signum: int, _frame: object) -> None:
            self._stop_requested = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

    def dead_child(self) -> Child | None:
        return next((c for c in self.children if c.process.poll() is not None), None)

    def wait_http(self, url: str, timeout: float) -> bool:
        """Poll ``url`` until it answers 200, a child dies, a stop is requested, or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._stop_requested and self.dead_child() is None:
            # bandit B310 (file:// schemes): url is our own http://HOST:PORT/readyz, never caller input.
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:  # nosec B310
                if response.status == 200:
                    return True
            time.sleep(0.2)
        return False

    def wait(self) -> Child | None:
        """Block until a stop is requested (returns None) or a child exits (returns it)."""
        while not self._stop_requested:
            dead = self.dead_child()
            if dead is not None:
                return dead
            time.sleep(0.2)
        return None

    def stop(self) -> None:
        """SIGTERM every child (newest first), then SIGKILL what is still alive after the grace period."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                print(f"paperfeed: {child.name} did not stop in time; killing it", file=sys.stderr)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
