"""operators: the people who sign in to the dashboard (argon2 hashes, roles, lock-out counters)."""

from __future__ import annotations

from typing import Any

import psycopg

from services.store import keyset

COLUMNS = "id, email, role, failed_logins, locked_until, last_login_at, created_at, session_version"


def insert(conn: psycopg.Connection, *, email: str, password_hash: str, role: str) -> int:
    """Create an account; raises psycopg.errors.UniqueViolation if the email (any case) is taken."""
    return conn.execute(
        "INSERT INTO operators (email, password_hash, role) VALUES (%s, %s, %s) RETURNING id",
        (email, password_hash, role),
    ).fetchone()["id"]


def by_email(conn: psycopg.Connection, email: str, *, for_update: bool = False) -> dict[str, Any] | None:
    """The account with this email (case-insensitive), hash included; ``for_update`` locks the row so
    concurrent failed attempts count one by one."""
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS}, password_hash FROM operators WHERE lower(email) = lower(%s){lock}", (email,)  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchone()


def get(conn: psycopg.Connection, operator_id: int) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {COLUMNS} FROM operators WHERE id = %s", (operator_id,)).fetchone()  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter


def count(conn: psycopg.Connection, *, role: str | None = None) -> int:
    if role is None:
        return conn.execute("SELECT count(*) AS n FROM operators").fetchone()["n"]
    return conn.execute("SELECT count(*) AS n FROM operators WHERE role = %s", (role,)).fetchone()["n"]


def record_failure(conn: psycopg.Connection, operator_id: int, *, max_failures: int, lock_seconds: float) -> None:
    """Count a failed password; the ``max_failures``-th failure in a row locks the account for
    ``lock_seconds`` and restarts the count."""
    conn.execute(
        """
        UPDATE operators SET
            failed_logins = CASE WHEN failed_logins + 1 >= %(max)s THEN 0 ELSE failed_logins + 1 END,
            locked_until = CASE WHEN failed_logins + 1 >= %(max)s THEN now() + make_interval(secs => %(lock)s)
                                ELSE locked_until END
        WHERE id = %(id)s
        """,
        {"id": operator_id, "max": max_failures, "lock": lock_seconds},
    )


def record_success(conn: psycopg.Connection, operator_id: int, *, password_hash: str | None = None) -> None:
    """Reset the failure count; store a rehashed password when the hash parameters changed."""
    conn.execute(
        "UPDATE operators SET failed_logins = 0, locked_until = NULL, last_login_at = now(), "
        "password_hash = coalesce(%s, password_hash) WHERE id = %s",
        (password_hash, operator_id),
    )


def end_sessions(conn: psycopg.Connection, operator_id: int) -> None:
    """Bump the session version: every dashboard session signed in before now stops working."""
    conn.execute("UPDATE operators SET session_version = session_version + 1 WHERE id = %s", (operator_id,))


def set_password(conn: psycopg.Connection, email: str, password_hash: str) -> bool:
    """Replace the password, clear the lock, and end every session of the account; False if no such email."""
    return conn.execute(
        "UPDATE operators SET password_hash = %s, failed_logins = 0, locked_until = NULL, "
        "session_version = session_version + 1 WHERE lower(email) = lower(%s)", (password_hash, email),
    ).rowcount == 1


def is_locked(row: dict[str, Any], now: Any) -> bool:
    return row["locked_until"] is not None and row["locked_until"] > now


def search(conn: psycopg.Connection, *, q: str | None, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """Accounts newest first, optionally those whose email contains ``q``; ``after`` = (created_at, id)."""
    where, params = [], {}
    if q:
        where.append("email ILIKE %(q)s")
        params["q"] = f"%{q}%"
    return keyset.newest_first(conn, f"SELECT {COLUMNS} FROM operators", where, params, cursor=after, limit=limit)  # nosec B608  # COLUMNS is a constant column list; values are bound parameters
