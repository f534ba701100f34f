"""Rate limits (audit findings 5 and 6): the bucket is chosen only after the credentials are verified,
and a Redis outage neither lifts the limits nor makes every request wait for Redis."""

from __future__ import annotations

import secrets
import socket
import threading

import pytest

from services.api import security
from services.app import create_app


def _app(settings, clean_db, **limits):
    app = create_app(settings.replace(**limits), db=clean_db)
    security.limiter_of(app).reset()  # counters of earlier tests (key ids repeat) start at 0
    return app


def _address() -> dict[str, str]:
    return {"REMOTE_ADDR": f"198.51.100.{secrets.randbelow(250) + 1}"}


def test_made_up_key_prefixes_get_no_fresh_buckets(settings, clean_db):
    """Each request with another random prefix used to get a bucket of its own (the key limit, not the
    anonymous one). Unverified credentials now count against the address."""
    client = _app(settings, clean_db, rate_limit_anonymous="4/minute", rate_limit_key="1000/minute").test_client()
    address = _address()
    codes = [client.get("/v1/papers", environ_base=address,
                        headers={"Authorization": f"Bearer pf_{secrets.token_hex(6)}_{secrets.token_urlsafe(8)}"}
                        ).status_code for _ in range(6)]
    assert codes == [401, 401, 401, 401, 429, 429]
    forged_tokens = [client.get("/v1/papers", environ_base=address, headers={"Authorization": f"Bearer pfu_{n}.x"}
                                ).status_code for n in range(2)]
    assert forged_tokens == [429, 429]  # made-up user tokens count against the same address


def test_a_known_key_prefix_cannot_spend_that_keys_quota(settings, clean_db, headers):
    client = _app(settings, clean_db, rate_limit_key="3/minute", rate_limit_anonymous="1000/minute").test_client()
    real = headers["read"]["Authorization"].split()[1]
    prefix = real[len("pf_"):].split("_", 1)[0]
    attacker = {"Authorization": f"Bearer pf_{prefix}_{secrets.token_urlsafe(32)}"}
    assert [client.get("/v1/papers", headers=attacker, environ_base=_address()).status_code
            for _ in range(10)] == [401] * 10
    owner = [client.get("/v1/papers", headers=headers["read"]).status_code for _ in range(4)]
    assert owner == [200, 200, 200, 429]  # the key's own budget, untouched by the failures


class _Blackhole:
    """A TCP port that accepts connections and never answers: Redis hung, not refused."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hung_redis():
    hole = _Blackhole()
    yield hole
    hole.close()


def test_limits_hold_in_process_while_redis_is_unreachable(settings, clean_db, headers, hung_redis):
    """With Redis hung, requests used to pass unlimited, each after waiting out the Redis timeout. Now
    the process enforces the limit divided by API_WORKERS on its own, and Redis is probed only now and
    then (back-off), not on every request."""
    app = create_app(settings.replace(redis_url=f"redis://127.0.0.1:{hung_redis.port}/0", api_workers=2,
                                      rate_limit_key="8/minute"), db=clean_db)
    client = app.test_client()
    codes = [client.get("/v1/papers", headers=headers["read"]).status_code for _ in range(30)]
    assert codes[:4] == [200] * 4 and set(codes[4:]) == {429}  # 8/minute shared by 2 workers: 4 here
    # One connection for the first request that found Redis dead, a few back-off probes; not 30.
    assert len(hung_redis.accepted) <= 10, len(hung_redis.accepted)
