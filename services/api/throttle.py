"""Budgets for the few public forms that cost something per try: dashboard sign-in (an argon2 hash of
64 MiB each) and the unsubscribe link.

Counted in the API's rate-limit store (Redis, shared by every process), or in this process's memory
while that store is unreachable, so a Redis outage never lifts them. Each check counts one try against
each named bucket; a try refused by one bucket is not counted by the later ones.
"""

from __future__ import annotations

from flask_limiter import Limiter
from limits import parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

NAMESPACE = "paperfeed-throttle"


class Throttle:
    def __init__(self, limiter: Limiter) -> None:
        self._limiter = limiter
        self._memory = FixedWindowRateLimiter(MemoryStorage())

    def allow(self, *buckets: tuple[str, str]) -> bool:
        """True if one more try fits every (limit, identity) bucket; the try is counted in each."""
        for limit, identity in buckets:
            for item in parse_many(limit):
                if not self._hit(item, identity):
                    return False
        return True

    def _hit(self, item, identity: str) -> bool:
        try:
            return self._limiter.limiter.hit(item, NAMESPACE, identity)
        except (StorageError, OSError, ConnectionError, TimeoutError):
            return self._memory.hit(item, NAMESPACE, identity)
        except Exception as exc:  # the redis client's own errors, when limits does not wrap them
            if type(exc).__module__.split(".")[0] != "redis":
                raise
            return self._memory.hit(item, NAMESPACE, identity)
