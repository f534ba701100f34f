"""trending: time-decayed popularity per window, recomputed wholesale."""

from __future__ import annotations

from typing import Any

import psycopg

# Each event counts weight × 2^(-age / half-life), half-life = a third of the window; unstars count
# against. A Hugging Face Daily Papers upvote counts TRENDING_WEIGHT_UPVOTE the same way, aged from the day the paper
# was put on the list (upvotes have no time of their own). Deleted and hidden papers never trend.
_RECOMPUTE = """
WITH windows(period, secs) AS (VALUES ('day', 86400.0::float8), ('week', 604800.0::float8),
                                      ('month', 2592000.0::float8)),
-- The widest window's events, found through events_time_idx (a range scan, not the whole history), with
-- their age in seconds as float8: the decay is then float arithmetic (numeric power() cost ~20 µs a row).
recent AS (
    SELECT e.paper_id, e.type, extract(epoch FROM now() - e.occurred_at)::float8 AS age
    FROM events e
    WHERE e.occurred_at > now() - interval '30 days' AND e.occurred_at <= now()
      AND e.type IN ('star', 'unstar', 'read', 'click')
),
from_events AS (
    SELECT w.period, r.paper_id,
           sum(CASE r.type WHEN 'star' THEN %(star)s WHEN 'unstar' THEN -%(star)s WHEN 'read' THEN %(read)s
                           WHEN 'click' THEN %(click)s ELSE 0 END
               * power(0.5::float8, r.age / (w.secs / 3))) AS score,
           count(*) FILTER (WHERE r.type = 'star') AS stars,
           count(*) FILTER (WHERE r.type = 'read') AS reads,
           0 AS upvotes
    FROM windows w
    JOIN recent r ON r.age < w.secs
    GROUP BY w.period, r.paper_id
),
from_upvotes AS (
    SELECT w.period, u.paper_id,
           %(upvote)s * u.upvotes
               * power(0.5::float8, extract(epoch FROM now() - u.submitted_at)::float8 / (w.secs / 3)) AS score,
           0 AS stars, 0 AS reads, u.upvotes
    FROM windows w
    JOIN paper_upvotes u ON u.submitted_at > now() - make_interval(secs => w.secs) AND u.submitted_at <= now()
    WHERE %(upvote)s > 0 AND u.upvotes > 0
),
scored AS (
    SELECT s.period, s.paper_id, sum(s.score) AS score, sum(s.stars) AS stars, sum(s.reads) AS reads,
           sum(s.upvotes) AS upvotes
    FROM (SELECT * FROM from_events UNION ALL SELECT * FROM from_upvotes) s
    JOIN papers p ON p.id = s.paper_id AND p.deleted_at IS NULL AND NOT p.hidden
    GROUP BY s.period, s.paper_id
)
INSERT INTO trending (period, paper_id, score, stars, reads, upvotes, computed_at)
SELECT period, paper_id, score, stars, reads, upvotes, now() FROM scored WHERE score > 0
"""


def recompute(conn: psycopg.Connection, weights: dict[str, float], *, upvote_weight: float = 0.0) -> dict[str, int]:
    """Replace the whole table (readers see the old or the new table, never a mix); rows per window.
    ``upvote_weight``: what one Daily Papers upvote counts (TRENDING_WEIGHT_UPVOTE)."""
    conn.execute("DELETE FROM trending")
    conn.execute(_RECOMPUTE, {"star": weights.get("star", 0.0), "read": weights.get("read", 0.0),
                              "click": weights.get("click", 0.0), "upvote": upvote_weight})
    rows = conn.execute("SELECT period, count(*) AS n FROM trending GROUP BY period").fetchall()
    return {r["period"]: r["n"] for r in rows}


def plan(conn: psycopg.Connection, weights: dict[str, float], *, upvote_weight: float = 0.0) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the recompute's query, as text lines. It runs the INSERT: call it in a
    transaction you roll back (bench/scale.py compares plans with and without events_time_idx)."""
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + _RECOMPUTE,
                        {"star": weights.get("star", 0.0), "read": weights.get("read", 0.0),
                         "click": weights.get("click", 0.0), "upvote": upvote_weight}).fetchall()
    return [r["QUERY PLAN"] for r in rows]


def upvoted(conn: psycopg.Connection, *, days: float, category: str | None, limit: int) -> list[dict[str, Any]]:
    """Visible papers put on Daily Papers in the last ``days``, most upvoted (decayed by age) first:
    rows of id, upvotes and score."""
    where = ["u.submitted_at > now() - make_interval(secs => %(secs)s)", "u.upvotes > 0",
             "p.deleted_at IS NULL", "NOT p.hidden"]
    params: dict[str, Any] = {"secs": days * 86400, "limit": limit}
    if category:
        where.append("p.categories @> ARRAY[%(category)s]::text[]")
        params["category"] = category
    return conn.execute(
        f"""
        SELECT p.id, u.upvotes,
               u.upvotes * power(0.5, extract(epoch FROM now() - u.submitted_at) / (%(secs)s / 3)) AS score
        FROM paper_upvotes u JOIN papers p ON p.id = u.paper_id
        WHERE {' AND '.join(where)} ORDER BY score DESC, p.id LIMIT %(limit)s
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        params,
    ).fetchall()


def top(conn: psycopg.Connection, *, period: str, category: str | None, limit: int,
        exclude_user: str | None = None) -> list[dict[str, Any]]:
    """The best-scoring visible papers of ``period`` (optionally in ``category``, optionally leaving out
    what ``exclude_user`` has already read, starred or dismissed)."""
    where = ["t.period = %(period)s", "p.deleted_at IS NULL", "NOT p.hidden"]
    params: dict[str, Any] = {"period": period, "limit": limit}
    if category:
        where.append("p.categories @> ARRAY[%(category)s]::text[]")
        params["category"] = category
    if exclude_user:
        where.append("NOT EXISTS (SELECT 1 FROM events e WHERE e.user_id = %(user)s AND e.paper_id = t.paper_id "
                     "AND e.type IN ('read', 'star', 'dismiss'))")
        params["user"] = exclude_user
    return conn.execute(
        f"""
        SELECT t.score, t.stars, t.reads, t.upvotes, p.id, p.title, p.abstract, p.authors, p.categories,
               p.published_at,
               p.url, p.code_urls, p.comment, p.created_at, p.updated_at
        FROM trending t JOIN papers p ON p.id = t.paper_id
        WHERE {' AND '.join(where)} ORDER BY t.score DESC, t.paper_id LIMIT %(limit)s
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        params,
    ).fetchall()
