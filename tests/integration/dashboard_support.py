"""Fixtures and helpers shared by the dashboard's server-side tests.

A test module takes the fixtures with ``from tests.integration.dashboard_support import *`` (only the
fixtures are exported) and the helpers through the module, ``ds.sign_in(...)``.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re

import pytest

from infra.cli import DEMO_CATALOGUE
from services.catalog.importer import import_lines
from services.dashboard import accounts
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore

__all__ = ["admin_client", "engine_settings", "indexed_catalogue", "operators", "viewer_client"]

PASSWORD = "correct horse battery staple"
ADMIN, VIEWER = "admin@example.org", "viewer@example.org"
N_PAPERS = 60
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/admin/login") -> str:
    """The CSRF token of this client's session, read from a rendered form as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/admin/login", data={"email": email, "password": password,
                                             "csrf_token": csrf_token(client)})


def post(client, path: str, data: dict | None = None, **kwargs):
    """POST a dashboard form with this session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/admin/")}, **kwargs)


@pytest.fixture
def operators(clean_db):
    with clean_db.connection() as conn:
        accounts.create(conn, ADMIN, PASSWORD, "admin")
        accounts.create(conn, VIEWER, PASSWORD, "viewer")


@pytest.fixture
def admin_client(app, operators):
    client = app.test_client()
    assert sign_in(client, ADMIN).status_code == 302
    return client


@pytest.fixture
def viewer_client(app, operators):
    client = app.test_client()
    assert sign_in(client, VIEWER).status_code == 302
    return client


@pytest.fixture
def engine_settings(settings, tmp_path):
    """Settings with this test's own artifacts and data dir, and no delay before new versions load."""
    return settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0,
                            data_dir=tmp_path / "data")


@pytest.fixture
def indexed_catalogue(clean_db, engine_settings):
    """N_PAPERS demo papers, embedded and indexed; returns them as dicts."""
    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        lines = list(itertools.islice(fh, N_PAPERS))
    import_lines(clean_db, lines)
    pipeline.refresh(clean_db, ArtifactStore(engine_settings.artifacts), engine_settings)
    return [json.loads(line) for line in lines]
