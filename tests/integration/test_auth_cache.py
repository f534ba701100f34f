"""Cached authentication (issue 14): a known key or token is not looked up again, yet every revocation
is seen by the very next request in every process; one Redis round trip per request for the limits;
with Redis down, authentication and revocation still hold (they never depended on Redis)."""

from __future__ import annotations

import socket
import threading

import pytest
import redis

from services.api import security
from services.app import create_app


@pytest.fixture
def two_apps(settings, clean_db):
    """Two apps on the same PostgreSQL and Redis: two API processes as far as caching goes."""
    first, second = create_app(settings, db=clean_db), create_app(settings, db=clean_db)
    security.limiter_of(first).reset()
    return first, second


def _warm(client, headers) -> None:
    for _ in range(3):
        assert client.get("/v1/papers", headers=headers).status_code == 200


def test_a_known_key_is_answered_from_the_cache(two_apps, headers):
    first, _ = two_apps
    client, cache = first.test_client(), security.auth_cache_of(first)
    _warm(client, headers["read"])
    assert cache.misses == 1 and cache.hits == 2  # verified once, then served from the process


def test_a_key_revoked_in_one_process_fails_at_once_in_the_other(two_apps, headers, clean_db):
    first, second = two_apps
    a, b = first.test_client(), second.test_client()
    _warm(b, headers["write"])
    assert security.auth_cache_of(second).hits >= 2
    with clean_db.connection() as conn:  # what the dashboard's "revoke" does, from any process
        key_id = conn.execute("SELECT id FROM api_keys WHERE name = 'test-write'").fetchone()["id"]
        conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = %s", (key_id,))
    assert b.get("/v1/papers", headers=headers["write"]).status_code == 401
    assert a.get("/v1/papers", headers=headers["write"]).status_code == 401
    assert b.get("/v1/papers", headers=headers["read"]).status_code == 200  # other keys unaffected


def test_tokens_revoked_through_one_process_fail_at_once_in_the_other(two_apps, headers):
    first, second = two_apps
    a, b = first.test_client(), second.test_client()
    minted = a.post("/v1/users/alice/tokens", json={"ttl_seconds": 600}, headers=headers["write"])
    token = {"Authorization": f"Bearer {minted.get_json()['token']}"}
    for _ in range(3):
        assert b.get("/v1/me", headers=token).status_code == 200
    assert security.auth_cache_of(second).hits >= 2
    assert a.post("/v1/me/tokens/revoke", headers=token).status_code == 200
    assert b.get("/v1/me", headers=token).status_code == 401


def test_a_user_deleted_in_one_process_loses_their_tokens_in_the_other(two_apps, headers):
    first, second = two_apps
    a, b = first.test_client(), second.test_client()
    minted = a.post("/v1/users/bob/tokens", json={"ttl_seconds": 600}, headers=headers["write"])
    token = {"Authorization": f"Bearer {minted.get_json()['token']}"}
    for _ in range(3):
        assert b.get("/v1/me", headers=token).status_code == 200
    assert a.delete("/v1/users/bob", headers=headers["write"]).status_code == 204
    assert b.get("/v1/me", headers=token).status_code == 401


class _Monitor:
    """Every command the Redis server receives (MONITOR), between start() and stop()."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.commands: list[dict] = []
        self._marker = "paperfeed-monitor-end"
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with redis.Redis.from_url(self.url).monitor() as monitor:
            self._ready.set()
            while True:
                command = monitor.next_command()
                if self._marker in command["command"]:
                    return
                self.commands.append(command)

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(5)
        self._control = redis.Redis.from_url(self.url)
        self._control.ping()  # MONITOR is live once a later command shows up (and this client is connected)
        while not any("PING" in c["command"] for c in self.commands):
            threading.Event().wait(0.01)
        self.commands.clear()

    def stop(self) -> list[dict]:
        self._control.echo(self._marker)
        self._thread.join(5)
        return self.commands


def test_one_redis_round_trip_per_request(settings, clean_db, headers):
    app = create_app(settings, db=clean_db)
    client = app.test_client()
    _warm(client, headers["read"])  # the script is loaded, the key cached
    monitor = _Monitor(settings.redis_url)
    monitor.start()
    for _ in range(10):
        response = client.get("/v1/papers", headers=headers["read"])
        assert response.status_code == 200 and "RateLimit-Remaining" in response.headers
    client.get("/healthz")
    sent = [c["command"].split()[0].upper() for c in monitor.stop() if c["client_type"] != "lua"]
    assert sent == ["EVALSHA"] * 10  # one command per /v1 request (the script's INCR runs inside it)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_with_redis_down_authentication_and_revocation_still_hold(settings, clean_db, headers, user_token):
    token = user_token("carol")
    app = create_app(settings.replace(redis_url=f"redis://127.0.0.1:{_closed_port()}/0"), db=clean_db)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/v1/me", headers=token).status_code == 200
        assert client.get("/v1/papers", headers=headers["write"]).status_code == 200
    with clean_db.connection() as conn:
        conn.execute("UPDATE users SET tokens_valid_after = now() WHERE id = 'carol'")
        conn.execute("UPDATE api_keys SET revoked_at = now() WHERE name = 'test-write'")
    assert client.get("/v1/me", headers=token).status_code == 401
    assert client.get("/v1/papers", headers=headers["write"]).status_code == 401
    limited = client.get("/v1/papers", headers=headers["read"])
    assert limited.status_code == 200 and "RateLimit-Limit" in limited.headers  # counted in the process
