"""Events (append-only) and the star state they drive."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson
import psycopg

from services.store import keyset

# One statement, one round trip for the whole batch:
#   input    the batch as rows, with its position `ord`: sent as one JSON array (one orjson call here;
#            adapting seven Python lists to PostgreSQL arrays cost ~20 ms of CPU per 1,000 events);
#   known    the rows whose paper exists and is not deleted (others are rejected per item);
#   new_users   unknown users are created;
#   inserted    events, idempotent on (user_id, event_id);
#   starred     the newest star/unstar per (user, paper) of this batch, applied only if it is newer than
#               the stored state, so out-of-order arrivals converge on the latest occurred_at.
# The final SELECT classifies every input row: accepted, duplicate or unknown_paper.
_INGEST = """
WITH input AS (
    SELECT (t.ord - 1)::int AS ord, e.user_id, e.paper_id, e.type, e.event_id, e.occurred_at, e.context
    FROM jsonb_array_elements(%(batch)s::jsonb) WITH ORDINALITY AS t(item, ord),
         jsonb_to_record(t.item) AS e(user_id text, paper_id text, type text, event_id text,
                                      occurred_at timestamptz, context jsonb)
),
known AS (
    SELECT i.* FROM input i JOIN papers p ON p.id = i.paper_id AND p.deleted_at IS NULL
),
new_users AS (
    -- Sorted, like the stars below, so concurrent batches lock rows in one order (no deadlocks).
    INSERT INTO users (id) SELECT DISTINCT user_id FROM known ORDER BY user_id ON CONFLICT (id) DO NOTHING
),
inserted AS (
    INSERT INTO events (user_id, paper_id, type, event_id, occurred_at, context)
    SELECT user_id, paper_id, type, event_id, occurred_at, context FROM known ORDER BY ord
    ON CONFLICT (user_id, event_id) DO NOTHING
    RETURNING id, user_id, paper_id, type, event_id, occurred_at
),
starred AS (
    INSERT INTO stars AS s (user_id, paper_id, starred, changed_at)
    SELECT DISTINCT ON (user_id, paper_id) user_id, paper_id, type = 'star', occurred_at
    FROM inserted WHERE type IN ('star', 'unstar')
    ORDER BY user_id, paper_id, occurred_at DESC, id DESC
    ON CONFLICT (user_id, paper_id) DO UPDATE
        SET starred = excluded.starred, changed_at = excluded.changed_at
        WHERE excluded.changed_at >= s.changed_at
)
SELECT i.ord,
       CASE
           WHEN k.ord IS NULL THEN 'unknown_paper'
           WHEN i.event_id IS NULL THEN 'accepted'
           WHEN ins.id IS NOT NULL
                AND row_number() OVER (PARTITION BY i.user_id, i.event_id, k.ord IS NULL ORDER BY i.ord) = 1 THEN 'accepted'
           ELSE 'duplicate'
       END AS outcome
FROM input i
LEFT JOIN known k ON k.ord = i.ord
LEFT JOIN inserted ins ON ins.user_id = i.user_id AND ins.event_id = i.event_id
ORDER BY i.ord
"""


def ingest(conn: psycopg.Connection, events: Sequence[dict[str, Any]]) -> list[str]:
    """Store a batch of validated events in one statement; return each one's outcome, in order:
    'accepted', 'duplicate' (same user and event_id already stored, or earlier in this batch) or
    'unknown_paper'. ``occurred_at`` must be filled in by the caller."""
    if not events:
        return []
    rows = [{"user_id": e["user_id"], "paper_id": e["paper_id"], "type": e["type"], "event_id": e.get("event_id"),
             "occurred_at": e["occurred_at"], "context": e.get("context")} for e in events]
    try:
        batch = orjson.dumps(rows).decode()
    except TypeError:  # what orjson refuses (an integer beyond 64 bits in a context): the slower encoder
        batch = json.dumps(rows, default=lambda value: value.isoformat())
    return [row["outcome"] for row in conn.execute(_INGEST, {"batch": batch})]


def history(conn: psycopg.Connection, user_id: str, *, type: str | None, after: tuple | None,
            limit: int) -> list[dict[str, Any]]:
    """The user's events, newest first; ``after`` = (occurred_at, id) of the last row already seen."""
    where = ["user_id = %(user_id)s"]
    params: dict[str, Any] = {"user_id": user_id, "limit": limit}
    if type:
        where.append("type = %(type)s")
        params["type"] = type
    if after is not None:
        where.append(keyset.after("occurred_at, id", after, params))
    return conn.execute(
        "SELECT id, paper_id, type, event_id, occurred_at, received_at, context FROM events "
        f"WHERE {' AND '.join(where)} ORDER BY occurred_at DESC, id DESC LIMIT %(limit)s",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        params,
    ).fetchall()


def starred_papers(conn: psycopg.Connection, user_id: str, *, after: tuple | None,
                   limit: int) -> list[dict[str, Any]]:
    """The user's currently starred, not deleted papers, newest star first; ``after`` = (changed_at, paper_id)."""
    params: dict[str, Any] = {"user_id": user_id, "limit": limit}
    page_after = ""
    if after is not None:
        page_after = "AND " + keyset.after("s.changed_at, s.paper_id", after, params)
    return conn.execute(
        f"""
        SELECT s.changed_at AS starred_at, p.id, p.title, p.abstract, p.authors, p.categories, p.published_at,
               p.url, p.code_urls, p.comment, p.created_at, p.updated_at
        FROM stars s JOIN papers p ON p.id = s.paper_id AND p.deleted_at IS NULL
        WHERE s.user_id = %(user_id)s AND s.starred {page_after}
        ORDER BY s.changed_at DESC, s.paper_id DESC LIMIT %(limit)s
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        params,
    ).fetchall()


def feed_inputs(conn: psycopg.Connection, user_id: str, *, stars: int = 100, reads: int = 50
                ) -> tuple[list[dict[str, Any]], set[str]]:
    """In one round trip: the user's interest evidence, newest first (current stars, then recent reads
    not starred, each with its title), and every paper the feed must not show again (read, starred now
    or ever, dismissed)."""
    rows = conn.execute(
        """
        (SELECT s.paper_id, 'star' AS kind, p.title FROM stars s JOIN papers p ON p.id = s.paper_id
          WHERE s.user_id = %(u)s AND s.starred ORDER BY s.changed_at DESC LIMIT %(stars)s)
        UNION ALL
        (SELECT r.paper_id, 'read', p.title FROM (
             SELECT e.paper_id, max(e.occurred_at) AS at FROM events e
             WHERE e.user_id = %(u)s AND e.type = 'read'
               AND NOT EXISTS (SELECT 1 FROM stars s WHERE s.user_id = e.user_id AND s.paper_id = e.paper_id
                               AND s.starred)
             GROUP BY e.paper_id ORDER BY at DESC LIMIT %(reads)s) r
          JOIN papers p ON p.id = r.paper_id)
        UNION ALL
        (SELECT DISTINCT paper_id, 'seen', NULL FROM events
          WHERE user_id = %(u)s AND type IN ('read', 'star', 'dismiss'))
        """,
        {"u": user_id, "stars": stars, "reads": reads},
    ).fetchall()
    return [r for r in rows if r["kind"] != "seen"], {r["paper_id"] for r in rows if r["kind"] == "seen"}


# What the retention sweep deletes. Stars and dismissals stay: they are the user's own decisions and the
# feed keeps those papers out for good ("seen"); the star state itself lives in `stars`.
PRUNABLE_TYPES = ("read", "click", "unstar")


def prune(conn: psycopg.Connection, *, older_than_days: int, batch: int = 10_000) -> int:
    """Delete up to ``batch`` read, click and unstar events that occurred more than ``older_than_days``
    ago, oldest first; returns how many (call until 0). events_time_idx finds them."""
    return conn.execute(
        """
        DELETE FROM events WHERE id IN (
            SELECT id FROM events
            WHERE occurred_at < now() - make_interval(days => %(days)s) AND type = ANY(%(types)s)
            ORDER BY occurred_at LIMIT %(batch)s)
        """,
        {"days": older_than_days, "types": list(PRUNABLE_TYPES), "batch": batch},
    ).rowcount
