"""The user × paper interest weights collaborative filtering trains on (SQL only).

Reads and clicks come from events, stars as they stand now (so an unstar removes the star's weight);
pairs the user dismissed and deleted papers are left out. Each type's weight is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import psycopg
from psycopg import sql

# One row per (user, paper) with its interest weight.
_INTERACTIONS = """
SELECT x.user_id, x.paper_id, sum(x.w)::real AS weight FROM (
    SELECT user_id, paper_id, CASE type WHEN 'read' THEN {read} ELSE {click} END AS w
    FROM events WHERE type IN ('read', 'click')
    UNION ALL
    SELECT user_id, paper_id, {star} FROM stars WHERE starred
) x
JOIN papers p ON p.id = x.paper_id AND p.deleted_at IS NULL
WHERE NOT EXISTS (SELECT 1 FROM events d WHERE d.user_id = x.user_id AND d.paper_id = x.paper_id
                  AND d.type = 'dismiss')
GROUP BY x.user_id, x.paper_id
HAVING sum(x.w) > 0
"""


def stream(conn: psycopg.Connection, weights: Mapping[str, float]) -> Iterator[tuple[str, str, float]]:
    """Every (user_id, paper_id, weight) with a positive weight, streamed with COPY (no result set held in
    memory); ``weights`` maps read, click and star to their weight (missing: 0)."""
    literals = {name: sql.Literal(float(weights.get(name, 0.0))) for name in ("read", "click", "star")}
    query = sql.SQL("COPY ({}) TO STDOUT").format(sql.SQL(_INTERACTIONS).format(**literals))
    with conn.cursor() as cur, cur.copy(query) as copy:
        for user_id, paper_id, weight in copy.rows():
            yield user_id, paper_id, float(weight)
