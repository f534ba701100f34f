"""Fixed-window rate limits counted in Redis in one round trip per check, with an in-process fallback.

One check is one EVALSHA: for each limit of the bucket (e.g. "10/minute;50/hour") the script
increments the counter of the current window (``<prefix>:<identity>:<amount>/<seconds>:<window>``),
sets its expiry when it is new, and stops at the first limit exceeded (a try refused by one limit is
not counted by the later ones). The counts it returns give the RateLimit-* headers without another call.

When Redis is unreachable (refused, or hung past ``socket_timeout``) the check falls back to counters
in this process's memory with the fallback limits (the API divides each limit by API_WORKERS, so all
processes together stay near the shared limit), and Redis is only probed again after a back-off of 1,
2, 4 ... 32 s: requests neither go unlimited nor each wait out the Redis timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis
from limits import RateLimitItem
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)

PREFIX = "paperfeed-rl"
MAX_BACKOFF_SECONDS = 32.0
SOCKET_TIMEOUT_SECONDS = 0.5

# KEYS[i]: the counter of limit i's current window; ARGV[2i-1]: its window in seconds, ARGV[2i]: its amount.
_SCRIPT = """
local counts = {}
for i = 1, #KEYS do
    local n = redis.call('INCR', KEYS[i])
    if n == 1 then redis.call('EXPIRE', KEYS[i], ARGV[2 * i - 1]) end
    counts[i] = n
    if n > tonumber(ARGV[2 * i]) then break end
end
return counts
"""


@dataclass(frozen=True)
class Outcome:
    """The verdict of one check: whether it fits, and the limit the caller is nearest to (the one
    exceeded, when refused) with what remains of it and the seconds until its window resets."""

    allowed: bool
    limit: RateLimitItem
    remaining: int
    reset_seconds: int
    shared: bool  # counted in Redis (False: in this process's memory, Redis being unreachable)


class RateLimiter:
    def __init__(self, redis_url: str, *, prefix: str = PREFIX) -> None:
        self.client = redis.Redis.from_url(redis_url, socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                           socket_connect_timeout=SOCKET_TIMEOUT_SECONDS)
        self._script = self.client.register_script(_SCRIPT)
        self._prefix = prefix
        self._memory_storage = MemoryStorage()
        self._memory = FixedWindowRateLimiter(self._memory_storage)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._backoff = 1.0

    def hit(self, limits: Sequence[RateLimitItem], identity: str, *,
            fallback: Sequence[RateLimitItem] | None = None) -> Outcome:
        """Count one try of ``identity`` against every limit (up to the first exceeded)."""
        now = time.time()
        if now >= self._down_until:
            windows = [int(now // item.get_expiry()) for item in limits]
            keys = [f"{self._prefix}:{identity}:{item.amount}/{item.get_expiry()}:{window}"
                    for item, window in zip(limits, windows, strict=True)]
            args = [a for item in limits for a in (item.get_expiry(), item.amount)]
            try:
                counts = self._script(keys=keys, args=args)
            except (redis.RedisError, OSError) as exc:
                self._note_down(exc)
            else:
                self._note_up()
                return self._verdict(limits, windows, [int(c) for c in counts], now)
        return self._hit_memory(fallback if fallback is not None else limits, identity)

    def _verdict(self, limits: Sequence[RateLimitItem], windows: list[int], counts: list[int],
                 now: float) -> Outcome:
        best = None
        for item, window, count in zip(limits, windows, counts, strict=False):
            reset = max(1, int((window + 1) * item.get_expiry() - now))
            outcome = Outcome(count <= item.amount, item, max(0, item.amount - count), reset, True)
            if not outcome.allowed:
                return outcome
            if best is None or outcome.remaining < best.remaining:
                best = outcome
        return _chosen(best)

    def _hit_memory(self, limits: Sequence[RateLimitItem], identity: str) -> Outcome:
        best = None
        for item in limits:
            allowed = self._memory.hit(item, self._prefix, identity)
            stats = self._memory.get_window_stats(item, self._prefix, identity)
            outcome = Outcome(allowed, item, max(0, stats.remaining), max(1, int(stats.reset_time - time.time())),
                              False)
            if not allowed:
                return outcome
            if best is None or outcome.remaining < best.remaining:
                best = outcome
        return _chosen(best)

    def _note_down(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = time.time() + self._backoff
            log.warning("rate limits: Redis unreachable (%r); counting in this process for %.0f s", exc,
                        self._backoff)
            self._backoff = min(MAX_BACKOFF_SECONDS, self._backoff * 2)

    def _note_up(self) -> None:
        if self._backoff != 1.0:
            with self._lock:
                self._backoff = 1.0

    def reset(self) -> None:
        """Forget every counter (tests: key ids repeat between them)."""
        self._memory_storage.reset()
        try:
            for key in self.client.scan_iter(match=f"{self._prefix}:*", count=1000):
                self.client.delete(key)
        except (redis.RedisError, OSError) as exc:
            log.warning("rate limits: could not reset the shared counters: %r", exc)


def _chosen(best: Outcome | None) -> Outcome:
    if best is None:
        raise ValueError("a rate-limit check needs at least one limit")
    return best
