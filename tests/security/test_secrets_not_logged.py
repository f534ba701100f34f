"""Secrets never reach the logs: the API (gunicorn, at DEBUG) and a worker run as real processes, are
handed every kind of secret (service keys, a key created in the dashboard, user tokens, a webhook
signing secret, an operator's password, an unsubscribe token, SECRET_KEY itself), and their whole
output is then searched for each. The same logs must carry request ids on every request's lines."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

import pytest
import requests

from services.alerts.unsubscribe import make_token
from services.dashboard import accounts
from tests.faults.processes import api_server, celery_worker
from tests.helpers import wait_until
from tests.integration import dashboard_support as ds
from workers.app import create_celery

OPERATOR, PASSWORD = "ops@example.org", "a long operator password 42"


def _secret_parts(value: str) -> list[str]:
    """The value and its tail (a log that cut the value short must not leak its signature either)."""
    return [value, value[-16:]]


@pytest.mark.slow
def test_no_secret_appears_in_any_log(process_settings, clean_db, headers, tmp_path):
    settings = process_settings
    with clean_db.connection() as conn:
        accounts.create(conn, OPERATOR, PASSWORD, "admin")
    secrets_seen: dict[str, str] = {"SECRET_KEY": settings.secret_key, "operator password": PASSWORD}
    for scope, header in headers.items():
        secrets_seen[f"{scope} key"] = header["Authorization"].split(" ", 1)[1]
    log = tmp_path / "api.log"
    request_ids = []

    with api_server(settings, log, WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_PORTS="any") as api:
        base = f"http://127.0.0.1:{api.port}"

        def traced(method: str, path: str, **kwargs) -> requests.Response:
            request_ids.append(f"trace-{uuid.uuid4().hex[:12]}")
            kwargs.setdefault("headers", {})["X-Request-Id"] = request_ids[-1]
            response = requests.request(method, base + path, timeout=15, **kwargs)
            assert response.headers["X-Request-Id"] == request_ids[-1]
            return response

        for scope in ("read", "write", "admin"):
            assert traced("GET", "/v1/papers", headers=dict(headers[scope])).status_code == 200
        minted = traced("POST", "/v1/users/alice/tokens", json={"ttl_seconds": 600}, headers=dict(headers["write"]))
        token = secrets_seen["user token"] = minted.json()["token"]
        assert traced("GET", "/v1/me/history", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert traced("GET", "/v1/me", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
        hook = traced("PUT", "/v1/users/alice/subscriptions/hook", headers=dict(headers["write"]),
                      json={"kind": "instant", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"})
        assert hook.status_code == 201, hook.text
        secrets_seen["webhook secret"] = hook.json()["webhook_secret"]
        unsubscribe = secrets_seen["unsubscribe token"] = make_token(
            settings.secret_key, "alice", "hook", dt.datetime.fromisoformat(hook.json()["created_at"]))
        assert traced("GET", "/unsubscribe", params={"token": unsubscribe}).status_code == 200

        browser = requests.Session()
        login = browser.get(base + "/admin/login", timeout=15).text
        csrf = ds._TOKEN.search(login)
        form = {"email": OPERATOR, "password": "wrong " + PASSWORD, "csrf_token": csrf.group(1) or csrf.group(2)}
        browser.post(base + "/admin/login", data=form, timeout=15)  # a failed sign-in is logged nowhere either
        form["password"] = PASSWORD
        assert browser.post(base + "/admin/login", data=form, timeout=15, allow_redirects=False).status_code == 302
        keys_page = browser.get(base + "/admin/keys", timeout=15).text
        csrf = ds._TOKEN.search(keys_page)
        created = browser.post(base + "/admin/keys", timeout=15, data={
            "name": "from the dashboard", "scopes": "read", "csrf_token": csrf.group(1) or csrf.group(2)})
        shown = re.search(r"pf_[A-Za-z0-9]+_[A-Za-z0-9_-]{20,}", created.text)
        assert shown, "the dashboard shows a new key once"
        secrets_seen["dashboard key"] = shown.group(0)

        with celery_worker(settings, f"logs-{secrets.token_hex(4)}", tmp_path / "worker.log") as worker:
            queue = worker.args[-1]
            task_id = str(uuid.uuid4())
            create_celery(settings).send_task("alerts.deliver", queue=queue, task_id=task_id)
            wait_until(lambda: f"{task_id}] succeeded" in (tmp_path / "worker.log").read_text(), 60,
                       message="the worker ran a task")

    logs = {"api": log.read_text(), "worker": (tmp_path / "worker.log").read_text()}
    assert all(len(text) > 500 for text in logs.values())  # they did log, at DEBUG
    leaks = [f"{what} in the {name} log" for what, value in secrets_seen.items() for part in _secret_parts(value)
             for name, text in logs.items() if part in text]
    assert leaks == []
    # Every request's access line carries its id; the unsubscribe query string is not logged at all.
    for request_id in request_ids:
        assert f"request_id={request_id}" in logs["api"], request_id
    assert "token=" not in logs["api"]
