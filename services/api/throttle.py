"""Budgets for the few public forms that cost something per try: dashboard sign-in (an argon2 hash of
64 MiB each) and the unsubscribe link.

Counted in the API's rate-limit store (Redis, shared by every process, one round trip per bucket), or
in this process's memory while that store is unreachable, so a Redis outage never lifts them. Each
check counts one try against each named bucket; a try refused by one bucket is not counted by the
later ones.
"""

from __future__ import annotations

from limits import parse_many

from services.api.ratelimit import RateLimiter

NAMESPACE = "paperfeed-throttle"


class Throttle:
    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter

    def allow(self, *buckets: tuple[str, str]) -> bool:
        """True if one more try fits every (limit, identity) bucket; the try is counted in each."""
        for limit, identity in buckets:
            if not self._limiter.hit(parse_many(limit), f"{NAMESPACE}:{identity}").allowed:
                return False
        return True
