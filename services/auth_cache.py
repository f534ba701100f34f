"""Verified credentials kept in the process, so a request does not re-verify its key or token.

An entry is trusted only under the authentication epoch it was verified in (``api_keys.auth_epoch``,
a stamp every revoking write changes by trigger: key revoked, user deleted, user tokens revoked, from
the API, the dashboard, the CLI or plain SQL). A request reads the current epoch first, in the same
round trip as its transaction's BEGIN; an entry of another epoch is a miss, and a changed epoch drops
the whole cache. So a revocation committed before a request started is seen by that request, in every
process. The epoch is read before the database check whose result is stored, so an entry can never
outlive a revocation that committed after its check.

Bounded: at most ``max_entries`` (least recently used dropped first), each for at most ``ttl_seconds``
and never past the token's own expiry. Keys are SHA-256 digests of the bearer: no secret is kept.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_ENTRIES = 10_000
TTL_SECONDS = 300.0


@dataclass(frozen=True)
class _Entry(Generic[T]):
    epoch: str
    value: T
    expires: float  # time.monotonic()


class AuthCache(Generic[T]):
    def __init__(self, *, max_entries: int = MAX_ENTRIES, ttl_seconds: float = TTL_SECONDS) -> None:
        self._entries: OrderedDict[bytes, _Entry[T]] = OrderedDict()
        self._epoch: str | None = None
        self._lock = threading.Lock()  # gunicorn's gthread workers share one cache between threads
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self.hits = self.misses = 0

    @staticmethod
    def _key(bearer: str) -> bytes:
        return hashlib.sha256(bearer.encode()).digest()

    def get(self, bearer: str, epoch: str | None) -> T | None:
        """The value verified for ``bearer`` under ``epoch``, if still fresh; a new epoch empties the cache."""
        if epoch is None:
            return None
        key, now = self._key(bearer), time.monotonic()
        with self._lock:
            if epoch != self._epoch:
                self._entries.clear()
                self._epoch = epoch
            entry = self._entries.get(key)
            if entry is None or entry.epoch != epoch or entry.expires <= now:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry.value

    def put(self, bearer: str, epoch: str | None, value: T, *, not_after: float | None = None) -> None:
        """Remember ``value`` for ``bearer`` as verified under ``epoch`` (read before the check that
        produced it). ``not_after`` (a Unix time, e.g. the token's expiry) caps the entry's life."""
        if epoch is None:
            return
        life = self.ttl_seconds if not_after is None else min(self.ttl_seconds, not_after - time.time())
        if life <= 0:
            return
        with self._lock:
            if epoch != self._epoch:  # verified under an epoch this process has already left behind
                return
            self._entries[self._key(bearer)] = _Entry(epoch, value, time.monotonic() + life)
            self._entries.move_to_end(self._key(bearer))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
