"""Request ids (echoed or generated, carried by log records) and the dashboard's hardening headers."""

from __future__ import annotations

import logging
import re

import pytest

from infra.embedded import free_port
from services.app import create_app
from services.db import Database
from services.web.request_context import DASHBOARD_HEADERS, REQUEST_ID_HEADER
from tests.integration import dashboard_support as ds

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_a_request_id_is_generated_per_request(client):
    first = client.get("/healthz").headers[REQUEST_ID_HEADER]
    second = client.get("/healthz").headers[REQUEST_ID_HEADER]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


def test_a_clients_request_id_is_echoed(client, headers):
    response = client.get("/v1/papers", headers={**headers["read"], REQUEST_ID_HEADER: "app-7.Req_42"})
    assert response.status_code == 200
    assert response.headers[REQUEST_ID_HEADER] == "app-7.Req_42"


@pytest.mark.parametrize("unsafe", ["has space", "x" * 65, "semi;colon", "quote\"d", "é"])
def test_an_unsafe_client_request_id_is_replaced(client, unsafe):
    echoed = client.get("/healthz", headers={REQUEST_ID_HEADER: unsafe}).headers[REQUEST_ID_HEADER]
    assert HEX_ID.fullmatch(echoed)


def test_errors_carry_a_request_id_too(client):
    response = client.get("/v1/papers")  # no credentials
    assert response.status_code == 401 and HEX_ID.fullmatch(response.headers[REQUEST_ID_HEADER])


def test_log_records_of_a_request_carry_its_id(settings, caplog):
    """A database that is not there: the request's own warning names the request's id."""
    absent = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/none", min_size=0, max_size=1, timeout=1)
    app = create_app(settings, db=absent)
    with caplog.at_level(logging.WARNING, logger="services.api.errors"):
        response = app.test_client().get("/v1/papers", headers={"Authorization": "Bearer pf_x_y",
                                                                REQUEST_ID_HEADER: "trace-me-1"})
    absent.close()
    assert response.status_code == 503 and response.headers["Retry-After"]
    mine = [r for r in caplog.records if r.name == "services.api.errors"]
    assert mine and all(r.request_id == "trace-me-1" for r in mine)
    outside = logging.getLogger("paperfeed.test").makeRecord("t", logging.INFO, "f", 1, "m", (), None)
    assert outside.request_id == "-"


def test_api_answers_are_nosniff_but_carry_no_dashboard_policy(client):
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


@pytest.mark.parametrize("path", ["/admin/login", "/admin/", "/admin/papers", "/admin/static/dashboard.css",
                                  "/admin/no-such-page"])
def test_every_dashboard_answer_has_the_hardening_headers(app, operators, path):
    client = app.test_client()
    ds.sign_in(client, ds.VIEWER)
    response = client.get(path)
    for name, value in DASHBOARD_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_signed_out_redirects_are_hardened_too(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.headers["X-Frame-Options"] == "DENY"


def _session_cookie(response) -> str:
    cookies = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("paperfeed_admin=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_the_session_cookie_is_httponly_and_samesite(app, operators):
    cookie = _session_cookie(ds.sign_in(app.test_client(), ds.ADMIN))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain-http dev server


def test_behind_https_the_session_cookie_is_secure(settings, clean_db, operators):
    app = create_app(settings.replace(public_base_url="https://paperfeed.example.org"), db=clean_db)
    cookie = _session_cookie(ds.sign_in(app.test_client(), ds.ADMIN))
    assert "Secure" in cookie and "HttpOnly" in cookie
