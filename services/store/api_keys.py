"""Service API keys. The secret is never stored: only its SHA-256 (keys are 256-bit random, so a slow
password hash buys nothing) and a short public prefix used to find the row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg


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
