"""The app factory with injected settings, against the real database."""

import pytest

from infra.embedded import free_port
from services.app import create_app


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and body["checks"] == {"database": "ok", "index": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(settings):
    app = create_app(settings.replace(database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/none",
                                      db_timeout_seconds=1.0))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and body["checks"]["database"].startswith("unreachable")


def test_readyz_is_503_on_an_unmigrated_database(settings, empty_database_url):
    app = create_app(settings.replace(database_url=empty_database_url))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "run `paperfeed migrate`" in response.get_json()["checks"]["database"]


def test_metrics_count_requests_by_route(client):
    client.get("/healthz")
    client.get("/nope/123")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'paperfeed_http_requests_total{endpoint="/healthz",method="GET",status="200"} 1.0' in text
    assert 'endpoint="<unmatched>",method="GET",status="404"' in text
    assert "paperfeed_http_request_duration_seconds_bucket" in text


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/no/such/page", 404),
    ("post", "/healthz", 405),
    ("delete", "/readyz", 405),
])
def test_errors_are_problem_json(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"


@pytest.fixture
def echo_client(settings, clean_db):
    """The real app plus one route that parses a JSON body, to exercise the body error paths."""
    from flask import request

    app = create_app(settings.replace(max_body_bytes=1024), db=clean_db)
    app.add_url_rule("/_test/echo", "echo", lambda: request.get_json(), methods=["POST"])
    return app.test_client()


def test_malformed_json_is_400_problem(echo_client):
    response = echo_client.post("/_test/echo", data=b'{"a": ', content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json(force=True)["title"] == "Bad Request"


def test_body_too_large_is_413_problem(echo_client):
    response = echo_client.post("/_test/echo", data=b'"' + b"x" * 4096 + b'"', content_type="application/json")
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/healthz" in spec["paths"] and "/readyz" in spec["paths"]
    assert "Problem" in spec["components"]["schemas"]
    docs = client.get("/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.data
    assert client.get("/docs/swagger-ui-bundle.js").status_code == 200


def test_factory_requires_database_url(settings):
    from services.config import SettingsError

    with pytest.raises(SettingsError, match="DATABASE_URL"):
        create_app(settings.replace(database_url=None))
