"""RateLimit-* headers on every /v1 answer (success, error, 429), Retry-After kept on 429."""

from __future__ import annotations

import secrets

from services.api.security import limiter_of
from services.app import create_app


def test_every_v1_answer_says_where_the_caller_stands(settings, clean_db, headers):
    app = create_app(settings.replace(rate_limit_key="5/minute", rate_limit_anonymous="3/minute"), db=clean_db)
    limiter_of(app).reset()
    client = app.test_client()
    address = {"REMOTE_ADDR": f"198.51.100.{secrets.randbelow(250) + 1}"}
    remaining = []
    for _ in range(5):
        response = client.get("/v1/papers", headers=headers["read"], environ_base=address)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "5"
        assert response.headers["RateLimit-Policy"] == "5;w=60"
        assert 0 < int(response.headers["RateLimit-Reset"]) <= 60
        remaining.append(int(response.headers["RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    limited = client.get("/v1/papers", headers=headers["read"], environ_base=address)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.headers["RateLimit-Remaining"] == "0" and limited.headers["RateLimit-Limit"] == "5"
    # Errors carry them too, counted against the bucket they fell in (here: the anonymous address).
    unauthenticated = client.get("/v1/papers", environ_base=address)
    assert unauthenticated.status_code == 401 and unauthenticated.headers["RateLimit-Limit"] == "3"
    # Outside /v1 nothing is limited, so nothing is said.
    assert "RateLimit-Limit" not in client.get("/healthz").headers
