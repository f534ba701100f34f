"""One beat per deployment: a lock in Redis, held and renewed while the schedule runs.

Celery beat has no notion of a second copy: two beats send every scheduled task twice. So
`paperfeed beat` first takes ``BEAT_LOCK`` (a Redis key with a TTL of BEAT_LOCK_SECONDS, set only if
absent, holding a token of its own); a second beat logs that it is waiting and polls until the key is
free — the first stopped (it deletes the key) or died (the TTL runs out). A renewal thread extends the
TTL every third of it; if renewal finds the key gone or held by another token (Redis lost it, or this
process stalled longer than the TTL), the process exits at once rather than run a schedule that another
beat may now run too; its supervisor restarts it, and it waits its turn.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import redis

log = logging.getLogger(__name__)

BEAT_LOCK = "paperfeed:beat-lock"
# Extend the TTL only if the key still holds our token (atomic compare-and-expire).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end
"""
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def _lost(message: str) -> None:
    log.critical("%s; exiting so that only one beat runs the schedule", message)
    logging.shutdown()
    os._exit(3)


@contextlib.contextmanager
def hold(redis_url: str, ttl_seconds: int, *, on_lost: Callable[[str], None] = _lost,
         poll_seconds: float | None = None) -> Iterator[str]:
    """Block until this process holds the beat lock, keep it renewed for the block, release it after.
    Yields the holder's token."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    token = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    ttl_ms = ttl_seconds * 1000
    poll = poll_seconds if poll_seconds is not None else max(1.0, ttl_seconds / 3)
    waiting_logged = False
    while not client.set(BEAT_LOCK, token, nx=True, px=ttl_ms):
        if not waiting_logged:
            holder = client.get(BEAT_LOCK)
            log.warning("another beat holds the schedule (%s); waiting for it", holder.decode() if holder else "?")
            waiting_logged = True
        time.sleep(poll)
    log.info("beat lock taken (%s)", token)
    renew = client.register_script(_RENEW)
    stop = threading.Event()

    def keep_renewed() -> None:
        while not stop.wait(ttl_seconds / 3):
            try:
                held = renew(keys=[BEAT_LOCK], args=[token, ttl_ms])
            except redis.RedisError as exc:
                log.warning("could not renew the beat lock: %s", exc)
                continue  # Redis down for a moment: the TTL still covers us until it runs out
            if not held:
                on_lost("the beat lock was lost")
                return

    thread = threading.Thread(target=keep_renewed, name="beat-lock", daemon=True)
    thread.start()
    try:
        yield token
    finally:
        stop.set()
        with contextlib.suppress(redis.RedisError):
            client.register_script(_RELEASE)(keys=[BEAT_LOCK], args=[token])
        client.close()
