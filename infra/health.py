"""`paperfeed health api|worker|beat`: the container health checks of docker-compose.yml.

Each check looks at the process of its own container (same hostname, same environment) and exits 0
when it is doing its job:
- api: /healthz answers 200 on HOST:PORT;
- worker: this host's Celery worker (``celery@<hostname>``) answers a broadcast ping;
- beat: Redis answers and some beat holds the schedule (a beat waiting for the lock is healthy too).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket

import redis

from services.config import Settings
from workers.beat_lock import BEAT_LOCK

TIMEOUT_SECONDS = 5.0


class Unhealthy(RuntimeError):
    """What is wrong, in one line."""


def _probe_host(host: str) -> str:
    """Where to reach an API listening on ``host``: loopback when it listens on every interface."""
    try:
        return "127.0.0.1" if ipaddress.ip_address(host).is_unspecified else host
    except ValueError:
        return host or "127.0.0.1"  # a host name


def check_api(settings: Settings) -> str:
    host = _probe_host(settings.host)
    conn = http.client.HTTPConnection(host, settings.port, timeout=TIMEOUT_SECONDS)
    try:
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        raise Unhealthy(f"api does not answer at {host}:{settings.port}: {exc}") from None
    finally:
        conn.close()
    if status != 200:
        raise Unhealthy(f"api answered {status} at {host}:{settings.port}/healthz")
    return f"api answers at {host}:{settings.port}"


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
