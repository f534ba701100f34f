"""model_versions: what was published, with which parameters and metrics, and which version is live."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def publish(conn: psycopg.Connection, *, kind: str, version: str, path: str, params: dict[str, Any],
            metrics: dict[str, Any] | None = None, live: bool = True) -> int:
    """Record a version; with ``live`` it replaces the live one of its kind in this transaction."""
    if live:
        conn.execute("UPDATE model_versions SET is_live = false WHERE kind = %s AND is_live", (kind,))
    row = conn.execute(
        """
        INSERT INTO model_versions (kind, version, path, params, metrics, is_live, published_at)
        VALUES (%s, %s, %s, %s, %s, %s, CASE WHEN %s THEN now() END) RETURNING id
        """,
        (kind, version, path, Jsonb(params), Jsonb(metrics or {}), live, live),
    ).fetchone()
    return row["id"]


def live(conn: psycopg.Connection, kind: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, kind, version, path, params, metrics, published_at FROM model_versions "
        "WHERE kind = %s AND is_live",
        (kind,),
    ).fetchone()


def live_versions(conn: psycopg.Connection) -> dict[str, str]:
    """kind → live version, in one cheap query (the API polls this to notice new artifacts)."""
    return {r["kind"]: r["version"] for r in conn.execute("SELECT kind, version FROM model_versions WHERE is_live")}


def recent(conn: psycopg.Connection, *, limit: int = 50) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, kind, version, path, params, metrics, is_live, created_at, published_at FROM model_versions "
        "ORDER BY created_at DESC, id DESC LIMIT %s",
        (limit,),
    ).fetchall()
