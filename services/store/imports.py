"""Paper imports started from the dashboard: one row per uploaded file, with its progress and outcome."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.store import keyset


def start(conn: psycopg.Connection, *, filename: str, operator: str) -> int:
    return conn.execute("INSERT INTO paper_imports (filename, operator) VALUES (%s, %s) RETURNING id",
                        (filename, operator)).fetchone()["id"]


def progress(conn: psycopg.Connection, import_id: int, *, lines: int, stored: int) -> None:
    conn.execute("UPDATE paper_imports SET lines = %s, stored = %s WHERE id = %s", (lines, stored, import_id))


def finish(conn: psycopg.Connection, import_id: int, *, status: str, lines: int, stored: int,
                  counts: dict[str, int] | None, errors: list[str]) -> None:
    """Record the outcome. ``errors`` are the rejected lines; or, with ``counts`` None, the one reason the
    import stopped early, when only the number stored so far is known."""
    conn.execute(
        "UPDATE paper_imports SET status = %(status)s, lines = %(lines)s, stored = %(stored)s, "
        "created = %(created)s, updated = %(updated)s, unchanged = %(unchanged)s, rejected = %(rejected)s, "
        "errors = %(errors)s, finished_at = now() WHERE id = %(id)s",
        {"id": import_id, "status": status, "lines": lines, "stored": stored,
         "rejected": len(errors) if counts is not None else 0,
         "errors": Jsonb(errors[:100]), **(counts or {"created": 0, "updated": 0, "unchanged": 0})},
    )


def get(conn: psycopg.Connection, import_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM paper_imports WHERE id = %s", (import_id,)).fetchone()


def listing(conn: psycopg.Connection, *, q: str | None, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """Imports newest first, optionally those whose file name or operator contains ``q``."""
    where, params = [], {}
    if q:
        where.append("(filename ILIKE %(like)s OR operator ILIKE %(like)s)")
        params["like"] = f"%{q}%"
    return keyset.newest_first(conn, "SELECT * FROM paper_imports", where, params, cursor=after, limit=limit)
