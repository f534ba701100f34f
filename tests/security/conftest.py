"""Fixtures of the security tests: signed-in dashboard clients (viewer and admin) on the test app.

The operators are made with the dashboard's own account service and sign in through its login form,
exactly as a person would (the helpers are shared with the dashboard's integration tests).
"""

from __future__ import annotations

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
