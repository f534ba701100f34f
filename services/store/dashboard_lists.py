"""The dashboard's searchable lists and the few changes only operators make (SQL only).

Every list is newest first with a keyset ``after`` = the sort key of the last row already shown and
takes ``limit`` (callers ask for one more row than they show, to know whether a next page exists).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.store import keyset

PAPER_STATUSES = ("all", "visible", "hidden", "featured", "deleted")
_PAPER_STATUS_SQL = {
    "all": "deleted_at IS NULL",
    "visible": "deleted_at IS NULL AND NOT hidden",
    "hidden": "deleted_at IS NULL AND hidden",
    "featured": "deleted_at IS NULL AND featured",
    "deleted": "deleted_at IS NOT NULL",
}


def papers(conn: psycopg.Connection, *, q: str | None, status: str, after: tuple | None,
           limit: int) -> list[dict[str, Any]]:
    """Papers of any visibility, ``q`` matching the exact id, the full text or part of the title;
    ordered by (listed_at, id)."""
    where, params = [_PAPER_STATUS_SQL[status]], {"limit": limit}
    if q:
        where.append("(id = %(q)s OR search @@ websearch_to_tsquery('english', %(q)s) OR title ILIKE %(like)s)")
        params.update(q=q, like=f"%{q}%")
    if after is not None:
        where.append(keyset.after("listed_at, id", after, params))
    return conn.execute(
        "SELECT id, title, authors, categories, listed_at, hidden, featured, deleted_at FROM papers "
        f"WHERE {' AND '.join(where)} ORDER BY listed_at DESC, id DESC LIMIT %(limit)s", params,
    ).fetchall()


def paper_stats(conn: psycopg.Connection, paper_id: str) -> dict[str, int]:
    """Current stars and all-time events of each type for one paper."""
    return conn.execute(
        """
        SELECT (SELECT count(*) FROM stars WHERE paper_id = %(p)s AND starred) AS stars,
               count(*) FILTER (WHERE type = 'read') AS reads,
               count(*) FILTER (WHERE type = 'click') AS clicks,
               count(*) FILTER (WHERE type = 'dismiss') AS dismisses,
               count(DISTINCT user_id) AS users
        FROM events WHERE paper_id = %(p)s
        """,
        {"p": paper_id},
    ).fetchone()


def set_paper_flag(conn: psycopg.Connection, paper_id: str, flag: str, value: bool) -> bool:
    """Set ``hidden`` or ``featured`` on a live paper; False if it does not exist or is deleted."""
    column = {"hidden": "hidden", "featured": "featured"}[flag]  # never interpolate caller text
    return conn.execute(
        f"UPDATE papers SET {column} = %s, updated_at = now() WHERE id = %s AND deleted_at IS NULL",
        (value, paper_id),
    ).rowcount == 1


def users(conn: psycopg.Connection, *, q: str | None, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """Users newest first, ``q`` matching part of the id, email or name; with their event count and
    last activity (index lookups per row of the page only)."""
    where, params = ["true"], {"limit": limit}
    if q:
        where.append("(id ILIKE %(like)s OR email ILIKE %(like)s OR name ILIKE %(like)s)")
        params["like"] = f"%{q}%"
    if after is not None:
        where.append(keyset.after("created_at, id", after, params))
    return conn.execute(
        f"""
        SELECT u.id, u.email, u.name, u.created_at,
               (SELECT count(*) FROM events e WHERE e.user_id = u.id) AS events,
               (SELECT max(occurred_at) FROM events e WHERE e.user_id = u.id) AS last_seen
        FROM users u WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %(limit)s
        """, params,
    ).fetchall()


def user_reads(conn: psycopg.Connection, user_id: str, *, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """The user's read events with the paper's title, newest first; ``after`` = (occurred_at, id)."""
    params: dict[str, Any] = {"u": user_id, "limit": limit}
    page = "AND " + keyset.after("e.occurred_at, e.id", after, params) if after is not None else ""
    return conn.execute(
        f"""
        SELECT e.id, e.paper_id, e.occurred_at, p.title FROM events e JOIN papers p ON p.id = e.paper_id
        WHERE e.user_id = %(u)s AND e.type = 'read' {page} ORDER BY e.occurred_at DESC, e.id DESC LIMIT %(limit)s
        """, params,
    ).fetchall()


def user_subscriptions(conn: psycopg.Connection, user_id: str, *, limit: int) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, kind, channel, frequency, query, author, category, enabled, disabled_reason, "
        "consecutive_failures, last_sent_at, created_at FROM subscriptions WHERE user_id = %s "
        "ORDER BY created_at DESC, id DESC LIMIT %s", (user_id, limit),
    ).fetchall()


def alerts(conn: psycopg.Connection, *, user_id: str | None = None, status: str | None = None,
           q: str | None = None, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """Outbox rows with their paper's title, newest first; ``after`` = (created_at, id). ``q`` matches
    the user id, the paper id or part of the error."""
    where, params = ["true"], {"limit": limit}
    if user_id is not None:
        where.append("a.user_id = %(user_id)s")
        params["user_id"] = user_id
    if status:
        where.append("a.status = %(status)s")
        params["status"] = status
    if q:
        where.append("(a.user_id = %(q)s OR a.paper_id = %(q)s OR a.last_error ILIKE %(like)s)")
        params.update(q=q, like=f"%{q}%")
    if after is not None:
        where.append(keyset.after("a.created_at, a.id", after, params))
    return conn.execute(
        f"""
        SELECT a.id, a.user_id, a.subscription_id, a.paper_id, p.title, a.channel, a.status, a.attempts,
               a.last_error, a.created_at, a.delivered_at, a.next_attempt_at
        FROM alerts a JOIN papers p ON p.id = a.paper_id
        WHERE {' AND '.join(where)} ORDER BY a.created_at DESC, a.id DESC LIMIT %(limit)s
        """, params,
    ).fetchall()


def jobs(conn: psycopg.Connection, *, job: str | None, status: str | None, q: str | None = None,
         after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """job_runs newest first with their duration in seconds; ``after`` = (created_at, id). ``q`` matches
    the job id exactly, or part of who asked or of the error."""
    where, params = ["true"], {"limit": limit}
    if q:
        where.append("(task_id = %(q)s OR requested_by ILIKE %(like)s OR error ILIKE %(like)s)")
        params.update(q=q, like=f"%{q}%")
    if job:
        where.append("job = %(job)s")
        params["job"] = job
    if status:
        where.append("status = %(status)s")
        params["status"] = status
    if after is not None:
        where.append(keyset.after("created_at, id", after, params))
    return conn.execute(
        "SELECT id, job, task_id, status, result, error, requested_by, created_at, started_at, finished_at, "
        "extract(epoch FROM finished_at - started_at) AS seconds FROM job_runs "
        f"WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %(limit)s", params,
    ).fetchall()


def job_names(conn: psycopg.Connection) -> list[str]:
    return [r["job"] for r in conn.execute("SELECT DISTINCT job FROM job_runs ORDER BY job")]


def api_keys(conn: psycopg.Connection, *, q: str | None, revoked: bool, after: tuple | None,
             limit: int) -> list[dict[str, Any]]:
    """Service keys (never their hashes), newest first; ``revoked`` includes revoked ones."""
    where, params = ["true" if revoked else "revoked_at IS NULL"], {"limit": limit}
    if q:
        where.append("(name ILIKE %(like)s OR prefix = %(q)s)")
        params.update(q=q, like=f"%{q}%")
    if after is not None:
        where.append(keyset.after("created_at, id", after, params))
    return conn.execute(
        "SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys "
        f"WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %(limit)s", params,
    ).fetchall()


def api_key(conn: psycopg.Connection, key_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT id, name, prefix, scopes, created_at, revoked_at FROM api_keys WHERE id = %s",
                        (key_id,)).fetchone()


def revoke_api_key(conn: psycopg.Connection, key_id: int) -> bool:
    """Revoke one active key; False if it is unknown or already revoked."""
    return conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL",
                        (key_id,)).rowcount == 1


def model_version(conn: psycopg.Connection, version_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT id, kind, version, path, params, metrics, is_live, created_at, published_at "
                        "FROM model_versions WHERE id = %s", (version_id,)).fetchone()


def make_live(conn: psycopg.Connection, version_id: int) -> None:
    """Make this version the live one of its kind (API processes swap to it on their next refresh)."""
    conn.execute("UPDATE model_versions SET is_live = false WHERE is_live AND kind = "
                 "(SELECT kind FROM model_versions WHERE id = %s)", (version_id,))
    conn.execute("UPDATE model_versions SET is_live = true, published_at = now() WHERE id = %s", (version_id,))


def model_versions(conn: psycopg.Connection, *, kind: str | None, q: str | None, after: tuple | None,
                   limit: int) -> list[dict[str, Any]]:
    """Published versions newest first, optionally of one kind and containing ``q``; ``after`` = (created_at, id)."""
    where, params = ["true"], {"limit": limit}
    if kind:
        where.append("kind = %(kind)s")
        params["kind"] = kind
    if q:
        where.append("version ILIKE %(like)s")
        params["like"] = f"%{q}%"
    if after is not None:
        where.append(keyset.after("created_at, id", after, params))
    return conn.execute(
        "SELECT id, kind, version, path, params, metrics, is_live, created_at, published_at FROM model_versions "
        f"WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %(limit)s", params,
    ).fetchall()


def model_kinds(conn: psycopg.Connection) -> list[str]:
    return [r["kind"] for r in conn.execute("SELECT DISTINCT kind FROM model_versions ORDER BY kind")]


# Paper imports started from the dashboard.

def import_start(conn: psycopg.Connection, *, filename: str, operator: str) -> int:
    return conn.execute("INSERT INTO paper_imports (filename, operator) VALUES (%s, %s) RETURNING id",
                        (filename, operator)).fetchone()["id"]


def import_progress(conn: psycopg.Connection, import_id: int, *, lines: int, stored: int) -> None:
    conn.execute("UPDATE paper_imports SET lines = %s, stored = %s WHERE id = %s", (lines, stored, import_id))


def import_finish(conn: psycopg.Connection, import_id: int, *, status: str, lines: int, stored: int,
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


def import_get(conn: psycopg.Connection, import_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM paper_imports WHERE id = %s", (import_id,)).fetchone()


def imports(conn: psycopg.Connection, *, q: str | None, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """Imports newest first, optionally those whose file name or operator contains ``q``."""
    where, params = ["true"], {"limit": limit}
    if q:
        where.append("(filename ILIKE %(like)s OR operator ILIKE %(like)s)")
        params["like"] = f"%{q}%"
    if after is not None:
        where.append(keyset.after("created_at, id", after, params))
    return conn.execute(f"SELECT * FROM paper_imports WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC "
                        "LIMIT %(limit)s", params).fetchall()
