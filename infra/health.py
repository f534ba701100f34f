"""`paperfeed health api|worker|beat`: the container health checks of docker-compose.yml.

Each check looks at the process of its own container (same hostname, same environment) and exits 0
when it is doing its job:
- api: /healthz answers 200 on HOST:PORT;
- worker: this host's Celery worker (``celery@<hostname>``) answers a broadcast ping;
- beat: Redis answers and some beat holds the schedule (a beat waiting for the lock is healthy too).
"""

from __future__ import annotations

import socket
import urllib.request

import redis

from services.config import Settings
from workers.beat_lock import BEAT_LOCK

TIMEOUT_SECONDS = 5.0


class Unhealthy(RuntimeError):
    """What is wrong, in one line."""


def check_api(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host
    url = f"http://{host}:{settings.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - our own URL
            if response.status == 200:
                return f"api answers at {url}"
    except OSError as exc:
        raise Unhealthy(f"api does not answer at {url}: {exc}") from None
    raise Unhealthy(f"api answered {response.status} at {url}")


def check_worker(settings: Settings) -> str:
    from workers.app import create_celery  # Celery only for this check, not for the api/beat ones

    name = f"celery@{socket.gethostname()}"
    replies = create_celery(settings).control.ping(destination=[name], timeout=TIMEOUT_SECONDS)
    if not any(name in reply for reply in replies):
        raise Unhealthy(f"worker {name} did not answer a ping within {TIMEOUT_SECONDS:g}s")
    return f"worker {name} answers"


def check_beat(settings: Settings) -> str:
    client = redis.Redis.from_url(settings.require("redis_url"), socket_timeout=TIMEOUT_SECONDS,
                                  socket_connect_timeout=TIMEOUT_SECONDS)
    try:
        holder = client.get(BEAT_LOCK)
    except redis.RedisError as exc:
        raise Unhealthy(f"beat cannot reach Redis: {exc}") from None
    finally:
        client.close()
    if holder is None:
        raise Unhealthy("no beat holds the schedule")
    return f"the schedule is held by {holder.decode()}"


CHECKS = {"api": check_api, "worker": check_worker, "beat": check_beat}
