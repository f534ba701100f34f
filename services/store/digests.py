"""Queries behind digest composition: the period's candidates, profiles with titles, exclusions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg


def candidates(conn: psycopg.Connection, embedder: str | None, *, since: dt.datetime, limit: int
               ) -> list[dict[str, Any]]:
    """Visible papers new since ``since`` (published, or added to the catalogue), newest first, with the
    week's trending score and stars, their rank by age, and their vector under ``embedder`` (or None)."""
    with conn.cursor(binary=True) as cur:
        return cur.execute(
            """
            SELECT p.id, p.title, coalesce(t.score, 0)::float8 AS trend_score, coalesce(t.stars, 0) AS trend_stars,
                   (row_number() OVER (ORDER BY greatest(p.listed_at, p.created_at) DESC, p.id) - 1)::int AS age_rank,
                   e.vector
            FROM papers p
            LEFT JOIN trending t ON t.period = 'week' AND t.paper_id = p.id
            LEFT JOIN paper_embeddings e ON e.paper_id = p.id AND e.embedder = %(embedder)s
            WHERE p.deleted_at IS NULL AND NOT p.hidden
              AND (p.created_at >= %(since)s OR p.listed_at >= %(since)s)
            ORDER BY greatest(p.listed_at, p.created_at) DESC, p.id LIMIT %(limit)s
            """,
            {"embedder": embedder, "since": since, "limit": limit},
        ).fetchall()


def profiles_with_titles(conn: psycopg.Connection, embedder: str, user_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Profile rows (user_id, vector, anchor_paper_id, anchor_title) of ``user_ids``, grouped by user."""
    with conn.cursor(binary=True) as cur:
        return cur.execute(
            """
            SELECT pr.user_id, pr.vector, pr.anchor_paper_id, coalesce(p.title, pr.anchor_paper_id) AS anchor_title
            FROM user_profiles pr LEFT JOIN papers p ON p.id = pr.anchor_paper_id
            WHERE pr.embedder = %s AND pr.user_id = ANY(%s) ORDER BY pr.user_id, pr.cluster
            """,
            (embedder, list(user_ids)),
        ).fetchall()


def excluded(conn: psycopg.Connection, user_ids: Sequence[str], paper_ids: Sequence[str]) -> dict[str, set[str]]:
    """user → the candidate papers they must not get: read, starred or dismissed, or already alerted."""
    rows = conn.execute(
        """
        SELECT user_id, paper_id FROM events
        WHERE user_id = ANY(%(u)s) AND paper_id = ANY(%(p)s) AND type IN ('read', 'star', 'dismiss')
        UNION
        SELECT user_id, paper_id FROM alerts WHERE user_id = ANY(%(u)s) AND paper_id = ANY(%(p)s)
        """,
        {"u": list(user_ids), "p": list(paper_ids)},
    )
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["user_id"], set()).add(r["paper_id"])
    return out
