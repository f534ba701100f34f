"""audit_log: every change an operator makes through the dashboard (who, what, when)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.store import keyset


def record(conn: psycopg.Connection, *, operator_id: int | None, operator_email: str, action: str,
           target: str | None, detail: dict[str, Any] | None = None) -> None:
    """Append one entry in the caller's transaction, so the record and the change commit together."""
    conn.execute(
        "INSERT INTO audit_log (operator_id, operator_email, action, target, detail) VALUES (%s, %s, %s, %s, %s)",
        (operator_id, operator_email, action, target, Jsonb(detail or {})),
    )


def search(conn: psycopg.Connection, *, q: str | None, action: str | None, after: tuple | None,
           limit: int) -> list[dict[str, Any]]:
    """Entries newest first. ``q`` matches the operator's email or the target; ``after`` = (created_at, id)."""
    where, params = [], {}
    if q:
        where.append("(operator_email ILIKE %(q)s OR target ILIKE %(q)s)")
        params["q"] = f"%{q}%"
    if action:
        where.append("action = %(action)s")
        params["action"] = action
    return keyset.newest_first(
        conn, "SELECT id, operator_id, operator_email, action, target, detail, created_at FROM audit_log",
        where, params, cursor=after, limit=limit)


def actions(conn: psycopg.Connection) -> list[str]:
    """The distinct actions recorded so far (for the filter menu)."""
    return [r["action"] for r in conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]
