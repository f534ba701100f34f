"""Authentication, scopes, user-token isolation, revocation and rate limits on every /v1 route."""

import pytest

from services.config import Settings
from tests.integration.test_api_papers import PAPER

# Every per-user route: (method, path under /v1/users/{id} or /v1/me, JSON body).
PER_USER = [
    ("GET", "", None), ("PUT", "", {"name": "x"}), ("DELETE", "", None), ("GET", "/export", None),
    ("GET", "/stars", None), ("GET", "/history", None),
]
SERVICE_ONLY = [
    ("PUT", "/v1/papers/p1", PAPER), ("POST", "/v1/papers/batch", {"papers": [{**PAPER, "id": "p2"}]}),
    ("GET", "/v1/papers/p1", None), ("DELETE", "/v1/papers/p1", None), ("GET", "/v1/papers", None),
    ("GET", "/v1/papers/p1/similar", None), ("GET", "/v1/trending", None),
    ("POST", "/v1/events", {"events": [{"user_id": "a", "paper_id": "p1", "type": "read"}]}),
    ("POST", "/v1/users/a/tokens", {}),
]
ALL_ROUTES = SERVICE_ONLY + [(m, f"/v1/users/alice{p}", b) for m, p, b in PER_USER] + \
    [(m, f"/v1/me{p}", b) for m, p, b in PER_USER] + [("POST", "/v1/me/events", {"events": []})]


def call(client, method, path, body, headers=None):
    return client.open(path, method=method, json=body, headers=headers or {})


@pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES)
def test_no_credentials_is_401_problem(client, method, path, body):
    response = call(client, method, path, body)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    bad = call(client, method, path, body, {"Authorization": "Bearer pf_0000_nope"})
    assert bad.status_code == 401


@pytest.fixture
def seeded(client, headers, user_token):
    client.put("/v1/papers/p1", json=PAPER, headers=headers["write"])
    for user in ("alice", "bob"):
        client.put(f"/v1/users/{user}", json={"name": user}, headers=headers["write"])
        client.post("/v1/events", headers=headers["write"],
                    json={"events": [{"user_id": user, "paper_id": "p1", "type": "star"}]})
    return {"alice": user_token("alice"), "bob": user_token("bob")}


@pytest.mark.parametrize(("method", "path", "body"), [(m, f"/v1/users/alice{p}", b) for m, p, b in PER_USER]
                         + SERVICE_ONLY)
def test_user_token_is_denied_everything_but_me(client, seeded, method, path, body):
    response = call(client, method, path, body, seeded["bob"])
    assert response.status_code == 403 and response.mimetype == "application/problem+json"


def test_user_token_sees_only_its_own_data(client, seeded):
    assert client.get("/v1/me", headers=seeded["bob"]).get_json()["id"] == "bob"
    assert client.get("/v1/me/export", headers=seeded["alice"]).get_json()["user"]["id"] == "alice"


@pytest.mark.parametrize(("method", "path", "body"), [(m, f"/v1/me{p}", b) for m, p, b in PER_USER])
def test_service_keys_cannot_use_me_routes(client, headers, method, path, body):
    assert call(client, method, path, body, headers["admin"]).status_code == 403


WRITES = [r for r in SERVICE_ONLY if r[0] != "GET"] + [("PUT", "/v1/users/alice", {"name": "x"}),
                                                        ("DELETE", "/v1/users/alice", None)]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_read_key_is_denied_writes(client, headers, method, path, body):
    response = call(client, method, path, body, headers["read"])
    assert response.status_code == 403 and "scope" in response.get_json()["detail"]


def test_scopes_nest(client, headers):
    assert client.put("/v1/papers/p1", json=PAPER, headers=headers["admin"]).status_code == 201
    assert client.get("/v1/papers/p1", headers=headers["write"]).status_code == 200


def test_revoking_a_key_takes_effect_at_once(client, headers, clean_db, user_token):
    client.put("/v1/papers/p1", json=PAPER, headers=headers["read"])
    token = user_token("alice")
    assert client.get("/v1/me", headers=token).status_code == 200
    with clean_db.connection() as conn:
        conn.execute("UPDATE api_keys SET revoked_at = now() WHERE name = 'test-write'")
    assert client.get("/v1/papers", headers=headers["write"]).status_code == 401
    assert client.get("/v1/me", headers=token).status_code == 401  # minted by the revoked key


def test_expired_and_tampered_tokens_are_refused(client, headers, user_token, settings, clean_db):
    import time

    from services import auth

    token = user_token("alice")["Authorization"].split()[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    with clean_db.connection() as conn:
        key = auth.authenticate(conn, settings.secret_key, headers["write"]["Authorization"].split()[1],
                                 max_ttl_seconds=settings.token_ttl_max_seconds)
        short, _ = auth.mint_user_token(conn, settings.secret_key, key=key, user_id="alice", ttl_seconds=1)
    time.sleep(1.5)
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {short}"}).status_code == 401


def test_token_ttl_is_bounded(client, headers):
    response = client.post("/v1/users/a/tokens", json={"ttl_seconds": 10 ** 8}, headers=headers["write"])
    assert response.status_code == 422 and "ttl_seconds" in response.get_json()["errors"]


def test_rate_limit_is_429_with_retry_after(settings: Settings, clean_db, headers):
    from services.api import security
    from services.app import create_app

    app = create_app(settings.replace(rate_limit_key="3/minute"), db=clean_db)
    security.limiter_of(app).reset()  # buckets are per key id, and ids repeat between tests
    client = app.test_client()
    codes = [client.get("/v1/papers", headers=headers["read"]).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/v1/papers", headers=headers["read"])
    assert limited.mimetype == "application/problem+json" and int(limited.headers["Retry-After"]) > 0
    assert client.get("/v1/papers", headers=headers["write"]).status_code == 200  # another key, own budget
    assert client.get("/healthz").status_code == 200  # probes are never limited
