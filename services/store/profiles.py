"""user_profiles: each user's interests as a few unit vectors, and the evidence they are built from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import tuple_row


def stale_users(conn: psycopg.Connection, embedder: str, *, after: str | None, limit: int) -> list[str]:
    """Users with an enabled instant or digest subscription whose profile under ``embedder`` is missing
    or older than their latest star/read, in id order from ``after``."""
    return [r["user_id"] for r in conn.execute(
        """
        SELECT u.user_id FROM (
            SELECT DISTINCT user_id FROM subscriptions
            WHERE enabled AND kind IN ('instant', 'digest') AND (%(after)s::text IS NULL OR user_id > %(after)s)
        ) u
        LEFT JOIN LATERAL (SELECT max(computed_at) AS at FROM user_profiles p
                           WHERE p.user_id = u.user_id AND p.embedder = %(embedder)s) prof ON true
        WHERE prof.at IS NULL OR EXISTS (
            SELECT 1 FROM events e WHERE e.user_id = u.user_id AND e.received_at > prof.at
              AND e.type IN ('star', 'unstar', 'read'))
        ORDER BY u.user_id LIMIT %(limit)s
        """,
        {"embedder": embedder, "after": after, "limit": limit},
    )]


def evidence(conn: psycopg.Connection, user_ids: Sequence[str], *, stars: int, reads: int
             ) -> list[dict[str, Any]]:
    """Per user, newest first: current stars (up to ``stars``), then reads not starred (up to ``reads``).
    Rows: user_id, paper_id, kind ('star'|'read')."""
    return conn.execute(
        """
        SELECT u.id AS user_id, ev.paper_id, ev.kind FROM unnest(%(users)s::text[]) AS u(id)
        CROSS JOIN LATERAL (
            (SELECT s.paper_id, 'star' AS kind FROM stars s
              WHERE s.user_id = u.id AND s.starred ORDER BY s.changed_at DESC LIMIT %(stars)s)
            UNION ALL
            (SELECT e.paper_id, 'read' FROM events e
              WHERE e.user_id = u.id AND e.type = 'read'
                AND NOT EXISTS (SELECT 1 FROM stars s WHERE s.user_id = u.id AND s.paper_id = e.paper_id
                                AND s.starred)
              GROUP BY e.paper_id ORDER BY max(e.occurred_at) DESC LIMIT %(reads)s)
        ) ev
        """,
        {"users": list(user_ids), "stars": stars, "reads": reads},
    ).fetchall()


def replace(conn: psycopg.Connection, embedder: str, user_ids: Sequence[str],
            rows: Sequence[tuple[str, int, bytes, float, str | None]]) -> None:
    """Replace the profiles of ``user_ids`` under ``embedder`` with ``rows`` of (user_id, cluster,
    vector, weight, anchor_paper_id). A user with no rows keeps an empty profile (nothing to match)."""
    conn.execute("DELETE FROM user_profiles WHERE embedder = %s AND user_id = ANY(%s)", (embedder, list(user_ids)))
    if not rows:
        return
    with conn.cursor() as cur, cur.copy(
        "COPY user_profiles (user_id, embedder, cluster, vector, weight, anchor_paper_id) FROM STDIN"
    ) as copy:
        for user_id, cluster, vector, weight, anchor in rows:
            copy.write_row((user_id, embedder, cluster, vector, weight, anchor))


_INSTANT_SUBSCRIBER = ("EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = p.user_id "
                       "AND s.kind = 'instant' AND s.enabled)")


def instant_subscriber_stamps(conn: psycopg.Connection, embedder: str) -> list[tuple[str, int, dt.datetime]]:
    """(user_id, cluster, computed_at) of every profile row of users with an enabled instant subscription:
    what a held copy of the vectors compares itself with (a few dozen bytes a row, no vectors)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(
            f"SELECT p.user_id, p.cluster, p.computed_at FROM user_profiles p "
            f"WHERE p.embedder = %s AND {_INSTANT_SUBSCRIBER}",  # nosec B608  # a fixed clause; values bound
            (embedder,),
        ).fetchall()


def instant_subscriber_rows(conn: psycopg.Connection, embedder: str, *, keys: Sequence[tuple[str, int]] | None = None
                            ) -> list[tuple[str, int, dt.datetime, bytes, str | None]]:
    """(user_id, cluster, computed_at, vector, anchor_paper_id) of the profile rows of users with an enabled
    instant subscription: all of them, or those of ``keys`` (user_id, cluster) that still exist."""
    where, params = f"p.embedder = %s AND {_INSTANT_SUBSCRIBER}", [embedder]
    join = ""
    if keys is not None:
        join = "JOIN unnest(%s::text[], %s::smallint[]) AS k(user_id, cluster) USING (user_id, cluster) "
        params = [[u for u, _ in keys], [c for _, c in keys], embedder]
    with conn.cursor(binary=True, row_factory=tuple_row) as cur:
        return cur.execute(
            f"SELECT p.user_id, p.cluster, p.computed_at, p.vector, p.anchor_paper_id FROM user_profiles p "
            f"{join}WHERE {where} ORDER BY p.user_id, p.cluster",  # nosec B608  # fixed clauses; values bound
            params,
        ).fetchall()
