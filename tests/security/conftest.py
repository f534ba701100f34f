"""Fixtures of the security tests: signed-in dashboard clients (viewer and admin) on the test app.

The operators are made with the dashboard's own account service and sign in through its login form,
exactly as a person would (the helpers are shared with the dashboard's integration tests).
"""

from __future__ import annotations

import secrets

import pytest

from services.dashboard import accounts
from tests.integration import dashboard_support as ds


@pytest.fixture
def operators(clean_db) -> dict[str, str]:
    """An admin and a viewer operator; returns role → email."""
    with clean_db.connection() as conn:
        accounts.create(conn, ds.ADMIN, ds.PASSWORD, "admin")
        accounts.create(conn, ds.VIEWER, ds.PASSWORD, "viewer")
    return {"admin": ds.ADMIN, "viewer": ds.VIEWER}


@pytest.fixture
def dashboard_client(app, operators):
    """``dashboard_client("viewer"|"admin")`` → a test client signed in with that role."""

    def sign_in(role: str):
        client = app.test_client()
        response = ds.sign_in(client, operators[role])
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return sign_in


@pytest.fixture
def process_settings(settings, tmp_path):
    """Settings for real API/worker processes of one test: its own data and artifact dirs, DEBUG logs
    (the most a process ever writes, so the most that could leak) and a SECRET_KEY of its own."""
    return settings.replace(artifact_dir=tmp_path / "artifacts", data_dir=tmp_path / "data", log_level="DEBUG",
                            secret_key=secrets.token_urlsafe(32))
