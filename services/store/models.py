"""model_versions: what was published, with which parameters and metrics, and which version is live."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.store import keyset


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


def by_version(conn: psycopg.Connection, kind: str, version: str) -> dict[str, Any] | None:
    """One published version of ``kind`` by name (live or not), e.g. an experiment's pin."""
    return conn.execute(
        "SELECT id, kind, version, path, params, metrics, is_live, published_at FROM model_versions "
        "WHERE kind = %s AND version = %s",
        (kind, version),
    ).fetchone()


def live_versions(conn: psycopg.Connection) -> dict[str, str]:
    """kind → live version, in one cheap query (the API polls this to notice new artifacts)."""
    return {r["kind"]: r["version"] for r in conn.execute("SELECT kind, version FROM model_versions WHERE is_live")}


def recent(conn: psycopg.Connection, *, limit: int = 50, kind: str | None = None,
           after: tuple | None = None) -> list[dict[str, Any]]:
    """Versions newest first; ``after`` = (created_at, id) of the last row already seen."""
    return listing(conn, kind=kind, q=None, after=after, limit=limit)


def get(conn: psycopg.Connection, version_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT id, kind, version, path, params, metrics, is_live, created_at, published_at "
                        "FROM model_versions WHERE id = %s", (version_id,)).fetchone()


def make_live(conn: psycopg.Connection, version_id: int) -> None:
    """Make this version the live one of its kind (API processes swap to it on their next refresh)."""
    conn.execute("UPDATE model_versions SET is_live = false WHERE is_live AND kind = "
                 "(SELECT kind FROM model_versions WHERE id = %s)", (version_id,))
    conn.execute("UPDATE model_versions SET is_live = true, published_at = now() WHERE id = %s", (version_id,))


def listing(conn: psycopg.Connection, *, kind: str | None, q: str | None, after: tuple | None,
                   limit: int) -> list[dict[str, Any]]:
    """Published versions newest first, optionally of one kind and containing ``q``; ``after`` = (created_at, id)."""
    where, params = [], {}
    if kind:
        where.append("kind = %(kind)s")
        params["kind"] = kind
    if q:
        where.append("version ILIKE %(like)s")
        params["like"] = f"%{q}%"
    return keyset.newest_first(
        conn, "SELECT id, kind, version, path, params, metrics, is_live, created_at, published_at FROM model_versions",
        where, params, cursor=after, limit=limit)


def kinds(conn: psycopg.Connection) -> list[str]:
    return [r["kind"] for r in conn.execute("SELECT DISTINCT kind FROM model_versions ORDER BY kind")]


def live_ages(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Each live model/index version with its age in seconds, by kind."""
    return conn.execute(
        "SELECT kind, version, published_at, extract(epoch FROM now() - coalesce(published_at, created_at))::bigint"
        " AS age_seconds FROM model_versions WHERE is_live ORDER BY kind"
    ).fetchall()


def forgotten_cf_users(conn: psycopg.Connection) -> frozenset[str]:
    """The SHA-256 (hex) of each deleted user id whose CF factors must not be served (cf.user_hash)."""
    return frozenset(r["user_hash"] for r in conn.execute("SELECT user_hash FROM cf_forgotten"))


def forgotten_mark(conn: psycopg.Connection) -> tuple[int, Any]:
    """Changes whenever a user is forgotten or a record is dropped (API processes then reload CF)."""
    row = conn.execute("SELECT count(*) AS n, max(forgotten_at) AS latest FROM cf_forgotten").fetchone()
    return row["n"], row["latest"]


def drop_forgotten(conn: psycopg.Connection, user_hashes: Collection[str], *, kind: str,
                   kept_versions: list[str]) -> int:
    """Drop the records of ``user_hashes`` (every kept version was just rewritten without them) that are
    older than every kept version of ``kind``: no version made before their deletion is left to be
    cached or rolled back to. Returns how many."""
    return conn.execute(
        "DELETE FROM cf_forgotten WHERE user_hash = ANY(%s) AND forgotten_at < (SELECT coalesce(min(created_at), "
        "'infinity') FROM model_versions WHERE kind = %s AND version = ANY(%s))",
        (list(user_hashes), kind, kept_versions),
    ).rowcount
