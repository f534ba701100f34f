"""trending: time-decayed popularity per window, recomputed wholesale."""

from __future__ import annotations

from typing import Any

import psycopg

# Each event counts weight × 2^(-age / half-life), half-life = a third of the window; unstars count
# against. Deleted and hidden papers never trend.
_RECOMPUTE = """
WITH windows(period, span) AS (VALUES ('day', interval '1 day'), ('week', interval '7 days'),
                                      ('month', interval '30 days')),
scored AS (
    SELECT w.period, e.paper_id,
           sum(CASE e.type WHEN 'star' THEN %(star)s WHEN 'unstar' THEN -%(star)s WHEN 'read' THEN %(read)s
                           WHEN 'click' THEN %(click)s ELSE 0 END
               * power(0.5, extract(epoch FROM now() - e.occurred_at) / (extract(epoch FROM w.span) / 3)))
               AS score,
           count(*) FILTER (WHERE e.type = 'star') AS stars,
           count(*) FILTER (WHERE e.type = 'read') AS reads
    FROM windows w
    JOIN events e ON e.occurred_at > now() - w.span AND e.occurred_at <= now()
    JOIN papers p ON p.id = e.paper_id AND p.deleted_at IS NULL AND NOT p.hidden
    WHERE e.type IN ('star', 'unstar', 'read', 'click')
    GROUP BY w.period, e.paper_id
)
INSERT INTO trending (period, paper_id, score, stars, reads, computed_at)
SELECT period, paper_id, score, stars, reads, now() FROM scored WHERE score > 0
"""


def recompute(conn: psycopg.Connection, weights: dict[str, float]) -> dict[str, int]:
    """Replace the whole table (readers see the old or the new table, never a mix); rows per window."""
    conn.execute("DELETE FROM trending")
    conn.execute(_RECOMPUTE, {"star": weights.get("star", 0.0), "read": weights.get("read", 0.0),
                              "click": weights.get("click", 0.0)})
    rows = conn.execute("SELECT period, count(*) AS n FROM trending GROUP BY period").fetchall()
    return {r["period"]: r["n"] for r in rows}


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
        SELECT t.score, t.stars, t.reads, p.id, p.title, p.abstract, p.authors, p.categories, p.published_at,
               p.url, p.code_urls, p.comment, p.created_at, p.updated_at
        FROM trending t JOIN papers p ON p.id = t.paper_id
        WHERE {' AND '.join(where)} ORDER BY t.score DESC, t.paper_id LIMIT %(limit)s
        """,
        params,
    ).fetchall()
