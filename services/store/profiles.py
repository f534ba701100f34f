"""user_profiles: each user's interests as a few unit vectors, and the evidence they are built from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg


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


def of_instant_subscribers(conn: psycopg.Connection, embedder: str) -> list[dict[str, Any]]:
    """Every profile row of users with an enabled instant subscription: user_id, vector, anchor_paper_id."""
    with conn.cursor(binary=True) as cur:
        return cur.execute(
            """
            SELECT p.user_id, p.vector, p.anchor_paper_id FROM user_profiles p
            WHERE p.embedder = %s AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = p.user_id
                                               AND s.kind = 'instant' AND s.enabled)
            ORDER BY p.user_id, p.cluster
            """,
            (embedder,),
        ).fetchall()

