"""Sources: each configured source's cursor, counters and health; Daily Papers upvotes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

COLUMNS = ("name, kind, cursor, last_run_at, last_success_at, last_error, last_error_at, failures, "
           "next_attempt_at, papers_fetched, papers_created, papers_updated, papers_rejected, papers_withdrawn, "
           "requests")


def ensure(conn: psycopg.Connection, name: str, kind: str) -> dict[str, Any]:
    """The source's row, created (empty cursor) the first time it is polled."""
    conn.execute("INSERT INTO sources (name, kind) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET kind = "
                 "excluded.kind WHERE sources.kind IS DISTINCT FROM excluded.kind", (name, kind))
    return get(conn, name)


def get(conn: psycopg.Connection, name: str) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {COLUMNS} FROM sources WHERE name = %s", (name,)).fetchone()  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter


def list_all(conn: psycopg.Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    return conn.execute(f"SELECT {COLUMNS} FROM sources ORDER BY name LIMIT %s", (limit,)).fetchall()  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter


def save_page(conn: psycopg.Connection, name: str, *, cursor: dict[str, Any], fetched: int, created: int,
              updated: int, rejected: int, withdrawn: int) -> None:
    """Move the cursor past a stored page and add its counts (same transaction as its papers)."""
    conn.execute(
        """
        UPDATE sources SET cursor = %(cursor)s, requests = requests + 1,
               papers_fetched = papers_fetched + %(fetched)s, papers_created = papers_created + %(created)s,
               papers_updated = papers_updated + %(updated)s, papers_rejected = papers_rejected + %(rejected)s,
               papers_withdrawn = papers_withdrawn + %(withdrawn)s
        WHERE name = %(name)s
        """,
        {"name": name, "cursor": Jsonb(cursor), "fetched": fetched, "created": created, "updated": updated,
         "rejected": rejected, "withdrawn": withdrawn},
    )


def record_success(conn: psycopg.Connection, name: str) -> None:
    conn.execute("UPDATE sources SET last_run_at = now(), last_success_at = now(), failures = 0, "
                 "next_attempt_at = NULL WHERE name = %s", (name,))


def record_failure(conn: psycopg.Connection, name: str, *, error: str, retry_in_seconds: float) -> None:
    """A failed poll: the error, one more consecutive failure, and when to try again."""
    conn.execute(
        "UPDATE sources SET last_run_at = now(), last_error = %s, last_error_at = now(), failures = failures + 1, "
        "requests = requests + 1, next_attempt_at = now() + make_interval(secs => %s) WHERE name = %s",
        (error[:2000], retry_in_seconds, name),
    )


def save_upvotes(conn: psycopg.Connection, source: str, rows: Sequence[tuple[str, int, datetime]]) -> int:
    """Upsert (paper_id, upvotes, submitted_at) of papers the catalogue has; returns rows written."""
    if not rows:
        return 0
    return conn.execute(
        """
        INSERT INTO paper_upvotes (paper_id, source, upvotes, submitted_at)
        SELECT t.paper_id, %(source)s, t.upvotes, t.submitted_at
        FROM unnest(%(ids)s::text[], %(upvotes)s::int[], %(at)s::timestamptz[]) AS t(paper_id, upvotes, submitted_at)
        JOIN papers p ON p.id = t.paper_id
        ON CONFLICT (paper_id) DO UPDATE SET upvotes = excluded.upvotes, source = excluded.source,
            submitted_at = LEAST(paper_upvotes.submitted_at, excluded.submitted_at), updated_at = now()
        WHERE paper_upvotes.upvotes IS DISTINCT FROM excluded.upvotes
        """,
        {"source": source, "ids": [r[0] for r in rows], "upvotes": [r[1] for r in rows], "at": [r[2] for r in rows]},
    ).rowcount


def upvotes_of(conn: psycopg.Connection, paper_ids: Sequence[str]) -> dict[str, int]:
    rows = conn.execute("SELECT paper_id, upvotes FROM paper_upvotes WHERE paper_id = ANY(%s)", (list(paper_ids),))
    return {r["paper_id"]: r["upvotes"] for r in rows}
