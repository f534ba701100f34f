"""The process cache of verified credentials: bounded, and an entry is trusted only under its epoch."""

from __future__ import annotations

import time

from services.auth_cache import AuthCache


def test_an_entry_counts_only_under_the_epoch_it_was_verified_in():
    cache: AuthCache[str] = AuthCache()
    assert cache.get("pf_a", "e1") is None
    cache.put("pf_a", "e1", "key a")
    assert cache.get("pf_a", "e1") == "key a"
    assert cache.get("pf_a", "e2") is None and len(cache) == 0  # a new epoch drops everything
    cache.put("pf_a", "e1", "key a")  # verified before the change: refused
    assert cache.get("pf_a", "e2") is None
    assert cache.get("pf_a", None) is None  # no epoch known: nothing is trusted
    cache.put("pf_a", None, "key a")
    assert len(cache) == 0


def test_bounded_in_size_and_life():
    cache: AuthCache[int] = AuthCache(max_entries=3, ttl_seconds=60)
    cache.get("x", "e")
    for n in range(5):
        cache.put(f"pf_{n}", "e", n)
    assert len(cache) == 3 and cache.get("pf_0", "e") is None and cache.get("pf_4", "e") == 4
    cache.put("pfu_t", "e", 9, not_after=time.time() - 1)  # an expired token is not kept
    assert cache.get("pfu_t", "e") is None
    cache.put("pfu_t", "e", 9, not_after=time.time() + 0.05)
    assert cache.get("pfu_t", "e") == 9
    time.sleep(0.1)
    assert cache.get("pfu_t", "e") is None  # gone at the token's expiry
