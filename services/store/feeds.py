"""feeds: the ranked list a user was given, so later pages and credited clicks refer to exactly it."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

# Joined into the statement itself (one round trip instead of a separate SET LOCAL): this
# transaction's commit does not wait for the WAL flush.
_NO_FLUSH = "(SELECT set_config('synchronous_commit', 'off', true)) AS no_flush"


def insert(conn: psycopg.Connection, *, user_id: str, model_version: str | None, items: list[dict[str, Any]],
           served: int) -> str:
    """Store a snapshot. Its loss in a crash costs nothing (the next request ranks again), so this
    transaction does not wait for the WAL flush."""
    feed_id = str(uuid.uuid4())
    conn.execute(
        f"INSERT INTO feeds (id, user_id, model_version, items, served) "
        f"SELECT %s, %s, %s, %s, %s FROM {_NO_FLUSH}",
        (feed_id, user_id, model_version, Jsonb(items), served),
    )
    return feed_id


def get(conn: psycopg.Connection, feed_id: str, user_id: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, model_version, items, served FROM feeds WHERE id = %s AND user_id = %s", (feed_id, user_id)
    ).fetchone()


def mark_served(conn: psycopg.Connection, feed_id: str, served: int) -> None:
    conn.execute(f"UPDATE feeds SET served = greatest(served, %s) FROM {_NO_FLUSH} WHERE id = %s",
                 (served, feed_id))


def prune(conn: psycopg.Connection, *, older_than_hours: float, batch: int = 10_000) -> int:
    """Delete up to ``batch`` feeds older than the retention; returns how many (call until 0)."""
    return conn.execute(
        """
        DELETE FROM feeds WHERE id IN (
            SELECT id FROM feeds WHERE created_at < now() - make_interval(secs => %s) LIMIT %s)
        """,
        (older_than_hours * 3600, batch),
    ).rowcount
