"""Service API keys. The secret is never stored: only its SHA-256 (keys are 256-bit random, so a slow
password hash buys nothing) and a short public prefix used to find the row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from services.store import keyset


def insert(conn: psycopg.Connection, *, name: str, prefix: str, key_hash: str, scopes: Sequence[str]) -> int:
    row = conn.execute(
        "INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES (%s, %s, %s, %s) RETURNING id",
        (name, prefix, key_hash, list(scopes)),
    ).fetchone()
    return row["id"]


def find_active(conn: psycopg.Connection, prefix: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, name, prefix, key_hash, scopes FROM api_keys WHERE prefix = %s AND revoked_at IS NULL",
        (prefix,),
    ).fetchone()


def revoke_by_name(conn: psycopg.Connection, name: str) -> int:
    """Revoke every active key called ``name``; returns how many."""
    return conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL", (name,)
    ).rowcount


def token_standing(conn: psycopg.Connection, key_id: int, user_id: str) -> dict[str, Any] | None:
    """What a user token's validity depends on: is its minting key still active, and since when do the
    user's tokens count. None if the user does not exist."""
    return conn.execute(
        """
        SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = %(k)s AND revoked_at IS NULL) AS key_active,
               u.created_at, u.tokens_valid_after
        FROM users u WHERE u.id = %(u)s
        """,
        {"k": key_id, "u": user_id},
    ).fetchone()


def listing(conn: psycopg.Connection, *, q: str | None, revoked: bool, after: tuple | None,
             limit: int) -> list[dict[str, Any]]:
    """Service keys (never their hashes), newest first; ``revoked`` includes revoked ones."""
    where, params = ["true" if revoked else "revoked_at IS NULL"], {}
    if q:
        where.append("(name ILIKE %(like)s OR prefix = %(q)s)")
        params.update(q=q, like=f"%{q}%")
    return keyset.newest_first(conn, "SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys",
                               where, params, cursor=after, limit=limit)


def get(conn: psycopg.Connection, key_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT id, name, prefix, scopes, created_at, revoked_at FROM api_keys WHERE id = %s",
                        (key_id,)).fetchone()


def revoke(conn: psycopg.Connection, key_id: int) -> bool:
    """Revoke one active key; False if it is unknown or already revoked."""
    return conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL",
                        (key_id,)).rowcount == 1


_AUTH_EPOCH = "SELECT stamp::text AS stamp FROM auth_epoch"


def auth_epoch(conn: psycopg.Connection) -> str | None:
    """The stamp that every credential-revoking write changes (migration 0014's triggers), or None if
    its row is missing (a TRUNCATE of auth_epoch itself: then nothing may be trusted from a cache).

    When it opens the transaction it is sent in pipeline mode, so the BEGIN travels in the same round
    trip; on an autocommit connection (a reads_first request) there is no BEGIN, and pipeline mode would
    only add its own synchronisation to the one statement."""
    if conn.autocommit:
        cursor = conn.execute(_AUTH_EPOCH)
    else:
        with conn.pipeline():
            cursor = conn.execute(_AUTH_EPOCH)
    row = cursor.fetchone()
    return row["stamp"] if row else None
