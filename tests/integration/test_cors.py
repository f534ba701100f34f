"""CORS: /v1/me/... answers listed origins only; service-key routes, /admin and the default config never."""

from __future__ import annotations

import pytest

from services.app import create_app

ORIGIN = "https://reader.example.org"
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "authorization"}


@pytest.fixture
def cors_client(settings, clean_db):
    app = create_app(settings.replace(cors_allowed_origins=(ORIGIN,), cors_max_age_seconds=900), db=clean_db)
    return app.test_client()


def test_preflight_on_me_routes_is_answered_and_cacheable(cors_client):
    for path in ("/v1/me", "/v1/me/feed", "/v1/me/alerts/7/read"):
        response = cors_client.options(path, headers=PREFLIGHT)
        assert response.status_code == 200, path
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
        assert response.headers["Access-Control-Max-Age"] == "900"
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_me_answers_carry_cors_and_expose_what_clients_read(cors_client, client, headers):
    token = client.post("/v1/users/ada/tokens", json={}, headers=headers["write"]).get_json()["token"]
    response = cors_client.get("/v1/me", headers={"Origin": ORIGIN, "Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Retry-After" in exposed
    # Errors too: a browser app must be able to read its 401.
    denied = cors_client.get("/v1/me", headers={"Origin": ORIGIN})
    assert denied.status_code == 401 and denied.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize("path", ["/v1/users/ada/feed", "/v1/users/ada/tokens", "/v1/papers", "/v1/events",
                                  "/v1/admin/stats", "/admin/login", "/v1/mentions", "/unsubscribe"])
def test_nothing_else_is_open_to_other_origins(cors_client, path):
    response = cors_client.options(path, headers=PREFLIGHT)
    assert "Access-Control-Allow-Origin" not in response.headers, path
    assert "Access-Control-Allow-Origin" not in cors_client.get(path, headers={"Origin": ORIGIN}).headers


def test_unlisted_origins_and_the_default_config_get_no_cors(cors_client, client):
    other = cors_client.options("/v1/me/feed", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    default = client.options("/v1/me/feed", headers=PREFLIGHT)  # CORS_ALLOWED_ORIGINS unset
    assert not [h for h in default.headers if h[0].startswith("Access-Control-")]
