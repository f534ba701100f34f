"""Shared fixtures.

The suite runs against real servers: DATABASE_URL / REDIS_URL when set (as `make test` and CI do), else
the embedded PostgreSQL and Redis of PAPERFEED_DATA_DIR. Each session creates a fresh database of its
own on that server, migrates it, and drops it at the end, so runs never see each other's rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest

from infra import migrate
from infra.runtime import resolve
from services.config import Settings
from services.db import Database


def with_database(url: str, name: str) -> str:
    """The same server URL with another database name."""
    head, _, tail = url.partition("://")
    rest, query_sep, query = tail.partition("?")
    server = rest.rsplit("/", 1)[0] if "/" in rest else rest
    return f"{head}://{server}/{name}{query_sep}{query}"


@pytest.fixture(scope="session")
def server_settings() -> Iterator[Settings]:
    """Settings pointing at the real servers for this run (embedded ones started if needed)."""
    runtime = resolve(Settings.from_env(), generate_secret=True)
    yield runtime.settings
    runtime.stop_started()


def create_database(server_url: str) -> str:
    """CREATE a fresh, empty database on the server of ``server_url``; return its URL."""
    name = f"paperfeed_test_{secrets.token_hex(4)}"
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(server_url, name)


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(server_settings: Settings) -> Iterator[str]:
    url = create_database(server_settings.database_url)
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture
def empty_database_url(server_settings: Settings) -> Iterator[str]:
    """A fresh database with no schema at all."""
    url = create_database(server_settings.database_url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def settings(server_settings: Settings, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return server_settings.replace(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        secret_key=server_settings.secret_key or secrets.token_urlsafe(32),
        # The suite signs in hundreds of times from 127.0.0.1; tests of these limits set their own.
        login_rate_limit="100000/minute", login_rate_limit_global="100000/minute",
        unsubscribe_rate_limit="100000/minute",
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url, min_size=0, max_size=4)
    yield database
    database.close()


@pytest.fixture
def clean_db(db: Database) -> Database:
    """The session database with every table emptied (schema kept)."""
    with db.connection() as conn:
        tables = [r["tablename"] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return db


@pytest.fixture
def app(settings: Settings, clean_db: Database):
    from services.app import create_app

    return create_app(settings, db=clean_db)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def headers(clean_db: Database) -> dict[str, dict[str, str]]:
    """Authorization headers for a fresh read, write and admin key."""
    from services import keys

    out = {}
    with clean_db.connection() as conn:
        for scope in ("read", "write", "admin"):
            out[scope] = {"Authorization": f"Bearer {keys.create(conn, name=f'test-{scope}', scopes=[scope])}"}
    return out


@pytest.fixture
def user_token(client, headers):
    """Mint a user token through the API: ``user_token("alice")`` → headers for /v1/me/..."""

    def mint(user_id: str, ttl_seconds: int = 600) -> dict[str, str]:
        response = client.post(f"/v1/users/{user_id}/tokens", json={"ttl_seconds": ttl_seconds},
                               headers=headers["write"])
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return mint
