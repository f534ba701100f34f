"""Facts about the database itself."""

from __future__ import annotations

import psycopg

# The Alembic head this code expects (infra/migrations/versions). A unit test keeps the two equal.
SCHEMA_REVISION = "0020"


def schema_revision(conn: psycopg.Connection) -> str | None:
    """The applied Alembic revision, or None on a database that was never migrated."""
    if conn.execute("SELECT to_regclass('alembic_version') AS t").fetchone()["t"] is None:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row["version_num"] if row else None
