"""Papers: the catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from services.store import keyset
from services.store import references as references_store

PAPER_COLUMNS = ("id", "title", "abstract", "authors", "categories", "published_at", "url", "code_urls", "comment")

_UPSERT = f"""
INSERT INTO papers ({", ".join(PAPER_COLUMNS)})
VALUES ({", ".join(f"%({c})s" for c in PAPER_COLUMNS)})
ON CONFLICT (id) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in PAPER_COLUMNS if c != "id")},
    updated_at = now()
WHERE papers.deleted_at IS NULL
  AND ({", ".join(f"papers.{c}" for c in PAPER_COLUMNS)})
      IS DISTINCT FROM ({", ".join(f"excluded.{c}" for c in PAPER_COLUMNS)})
RETURNING (xmax = 0) AS created
"""  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter


@dataclass(frozen=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.created + other.created, self.updated + other.updated, self.unchanged + other.unchanged
        )


def upsert_many(conn: psycopg.Connection, papers: Sequence[dict[str, Any]]) -> UpsertCounts:
    """Insert or update ``papers`` (dicts with PAPER_COLUMNS keys; missing optional keys become defaults).

    A paper's ``references`` (canonical keys), when given, replace its stored ones; references waiting
    for any of ``papers`` resolve to them. Pipelined: one network round trip per batch, not per paper. A paper whose fields are all equal
    to the stored ones is left untouched and counted as unchanged; so is a deleted paper (deletion is
    an operator's decision that an upsert must not undo; callers that care use ``deleted_ids``).
    """
    if not papers:
        return UpsertCounts()
    rows = [_with_defaults(p) for p in papers]
    created = updated = 0
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, rows, returning=True)
        while True:
            row = cur.fetchone()
            if row is not None:
                if row["created"]:
                    created += 1
                else:
                    updated += 1
            if not cur.nextset():
                break
    # ``references`` None (not sent): the stored ones stay. References to these papers now resolve.
    references_store.replace(conn, [(p["id"], p["references"]) for p in papers if p.get("references") is not None])
    references_store.resolve_arrivals(conn, [p["id"] for p in papers])
    return UpsertCounts(created, updated, len(rows) - created - updated)


def _with_defaults(paper: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": paper["id"],
        "title": paper["title"],
        "abstract": paper.get("abstract") or "",
        "authors": list(paper.get("authors") or []),
        "categories": list(paper.get("categories") or []),
        "published_at": paper.get("published_at"),
        "url": paper.get("url"),
        "code_urls": list(paper.get("code_urls") or []),
        "comment": paper.get("comment"),
    }


OUT_COLUMNS = ", ".join([*PAPER_COLUMNS, "created_at", "updated_at"])


def count(conn: psycopg.Connection, *, include_deleted: bool = False) -> int:
    where = "" if include_deleted else "WHERE deleted_at IS NULL"
    return conn.execute(f"SELECT count(*) AS n FROM papers {where}").fetchone()["n"]  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter


def get(conn: psycopg.Connection, paper_id: str) -> dict[str, Any] | None:
    """The paper, deleted or not (``deleted_at`` tells), or None if it never existed."""
    return conn.execute(
        f"SELECT {OUT_COLUMNS}, hidden, featured, deleted_at FROM papers WHERE id = %s", (paper_id,)  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchone()


def get_with_counts(conn: psycopg.Connection, paper_id: str) -> dict[str, Any] | None:
    """A live (not deleted) paper with its current star count and read-event count."""
    return conn.execute(
        f"""
        SELECT {OUT_COLUMNS},
               (SELECT count(*) FROM stars s WHERE s.paper_id = p.id AND s.starred) AS stars,
               (SELECT count(*) FROM events e WHERE e.paper_id = p.id AND e.type = 'read') AS reads
        FROM papers p WHERE id = %s AND deleted_at IS NULL
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        (paper_id,),
    ).fetchone()


def deleted_ids(conn: psycopg.Connection, ids: Sequence[str]) -> set[str]:
    rows = conn.execute("SELECT id FROM papers WHERE id = ANY(%s) AND deleted_at IS NOT NULL", (list(ids),))
    return {r["id"] for r in rows}


def soft_delete(conn: psycopg.Connection, paper_id: str) -> bool:
    """Mark deleted (kept as a tombstone so upserts cannot bring it back). False if not live."""
    return conn.execute(
        "UPDATE papers SET deleted_at = now(), updated_at = now() WHERE id = %s AND deleted_at IS NULL",
        (paper_id,),
    ).rowcount == 1


def search(
    conn: psycopg.Connection,
    *,
    q: str | None = None,
    category: str | None = None,
    author: str | None = None,
    since: Any = None,
    after: tuple | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    """Visible papers, ``limit`` of them, in a stable total order, starting after the keyset ``after``.

    With ``q``: full-text matches ordered by rank then id (``after`` = (score, id)). Without: newest
    listed first (``after`` = (listed_at, id)). Keyset paging never repeats or skips a row that existed
    when paging began, whatever is inserted meanwhile.
    """
    where = ["deleted_at IS NULL", "NOT hidden"]
    params: dict[str, Any] = {"limit": limit}
    if category:
        where.append("categories @> ARRAY[%(category)s]::text[]")
        params["category"] = category
    if author:
        where.append("authors @> ARRAY[%(author)s]::text[]")
        params["author"] = author
    if since is not None:
        where.append("listed_at >= %(since)s")
        params["since"] = since
    if q:
        params["q"] = q
        score = "ts_rank_cd(search, websearch_to_tsquery('english', %(q)s))"
        where.append("search @@ websearch_to_tsquery('english', %(q)s)")
        if after is not None:
            where.append(keyset.after(f"{score}, id", after, params, types=("real",)))
        order = "score DESC, id DESC"
    else:
        score = "NULL::real"
        if after is not None:
            where.append(keyset.after("listed_at, id", after, params))
        order = "listed_at DESC, id DESC"
    return conn.execute(
        f"SELECT {OUT_COLUMNS}, listed_at, {score} AS score FROM papers WHERE {' AND '.join(where)} "
        f"ORDER BY {order} LIMIT %(limit)s",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        params,
    ).fetchall()


def last_change(conn: psycopg.Connection) -> Any:
    """When any paper was last written (created, edited, hidden, featured or deleted): max(updated_at)."""
    return conn.execute("SELECT max(updated_at) AS at FROM papers").fetchone()["at"]


def invisible_ids(conn: psycopg.Connection) -> tuple[Any, list[str]]:
    """(``last_change``, the ids of every hidden or deleted paper), read in one statement (one snapshot)."""
    row = conn.execute("SELECT (SELECT max(updated_at) FROM papers) AS at, "
                       "ARRAY(SELECT id FROM papers WHERE hidden OR deleted_at IS NOT NULL) AS ids").fetchone()
    return row["at"], list(row["ids"])


def visible_by_ids(conn: psycopg.Connection, paper_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """id → paper for the ids that are live and not hidden (the rest are silently absent)."""
    rows = conn.execute(
        f"SELECT {OUT_COLUMNS} FROM papers WHERE id = ANY(%s) AND deleted_at IS NULL AND NOT hidden",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        (list(paper_ids),),
    )
    return {r["id"]: r for r in rows}


def fresh(conn: psycopg.Connection, *, limit: int, category: str | None = None) -> list[dict[str, Any]]:
    """The newest visible papers (by listed_at), optionally in one category."""
    where, params = "deleted_at IS NULL AND NOT hidden", {"limit": limit}
    if category:
        where += " AND categories @> ARRAY[%(category)s]::text[]"
        params["category"] = category
    return conn.execute(
        f"SELECT id, listed_at FROM papers WHERE {where} ORDER BY listed_at DESC, id DESC LIMIT %(limit)s", params  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchall()


def featured_ids(conn: psycopg.Connection, *, limit: int) -> list[str]:
    """Live, visible papers operators featured, most recently changed first."""
    return [r["id"] for r in conn.execute(
        "SELECT id FROM papers WHERE featured AND deleted_at IS NULL AND NOT hidden "
        "ORDER BY updated_at DESC, id LIMIT %s", (limit,))]


def visible_categories(conn: psycopg.Connection, paper_ids: Sequence[str]) -> dict[str, list[str]]:
    """id → categories for the ids that are live and not hidden (a light filter for many candidates)."""
    if not paper_ids:  # e.g. no featured papers to pin: not worth a round trip
        return {}
    rows = conn.execute(
        "SELECT id, categories FROM papers WHERE id = ANY(%s) AND deleted_at IS NULL AND NOT hidden",
        (list(paper_ids),),
    )
    return {r["id"]: r["categories"] for r in rows}


def unmatched_for_alerts(conn: psycopg.Connection, embedder: str | None, *, embed_grace_seconds: float,
                         limit: int) -> list[dict[str, Any]]:
    """Claim (FOR NO KEY UPDATE SKIP LOCKED) up to ``limit`` papers not yet considered for alerts: those
    with a vector under ``embedder``, or older than the grace period (then matched without one). Each row
    has id, listed_at, deleted (deleted or hidden) and vector (bytes or None). NO KEY: two claims still
    exclude each other, but the alert rows other connections COPY for these papers (their foreign-key
    check takes KEY SHARE) are not blocked by the claim."""
    return conn.execute(
        """
        SELECT p.id, p.listed_at, (p.deleted_at IS NOT NULL OR p.hidden) AS deleted, e.vector
        FROM papers p LEFT JOIN paper_embeddings e ON e.paper_id = p.id AND e.embedder = %(embedder)s
        WHERE p.alerts_matched_at IS NULL
          AND (e.vector IS NOT NULL OR p.created_at < now() - make_interval(secs => %(grace)s))
        ORDER BY p.created_at, p.id LIMIT %(limit)s
        FOR NO KEY UPDATE OF p SKIP LOCKED
        """,
        {"embedder": embedder, "grace": embed_grace_seconds, "limit": limit},
    ).fetchall()


def mark_alerts_matched(conn: psycopg.Connection, paper_ids: Sequence[str]) -> None:
    conn.execute("UPDATE papers SET alerts_matched_at = now() WHERE id = ANY(%s)", (list(paper_ids),))


def live_by_ids(conn: psycopg.Connection, paper_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """id → the stored writable columns of the live (not deleted) papers among ``paper_ids``."""
    rows = conn.execute(f"SELECT {', '.join(PAPER_COLUMNS)} FROM papers WHERE id = ANY(%s) AND deleted_at IS NULL",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
                        (list(paper_ids),))
    return {r["id"]: r for r in rows}


def hide(conn: psycopg.Connection, paper_ids: Sequence[str]) -> int:
    """Hide live papers (a source reported them withdrawn); returns how many changed."""
    return conn.execute("UPDATE papers SET hidden = true, updated_at = now() "
                        "WHERE id = ANY(%s) AND deleted_at IS NULL AND NOT hidden", (list(paper_ids),)).rowcount


PAPER_STATUSES = ("all", "visible", "hidden", "featured", "deleted")


_PAPER_STATUS_SQL = {
    "all": "deleted_at IS NULL",
    "visible": "deleted_at IS NULL AND NOT hidden",
    "hidden": "deleted_at IS NULL AND hidden",
    "featured": "deleted_at IS NULL AND featured",
    "deleted": "deleted_at IS NOT NULL",
}


def listing(conn: psycopg.Connection, *, q: str | None, status: str, after: tuple | None,
           limit: int) -> list[dict[str, Any]]:
    """Papers of any visibility, ``q`` matching the exact id, the full text or part of the title;
    ordered by (listed_at, id)."""
    where, params = [_PAPER_STATUS_SQL[status]], {"limit": limit}
    if q:
        where.append("(id = %(q)s OR search @@ websearch_to_tsquery('english', %(q)s) OR title ILIKE %(like)s)")
        params.update(q=q, like=f"%{q}%")
    if after is not None:
        where.append(keyset.after("listed_at, id", after, params))
    return conn.execute(
        "SELECT id, title, authors, categories, listed_at, hidden, featured, deleted_at FROM papers "
        f"WHERE {' AND '.join(where)} ORDER BY listed_at DESC, id DESC LIMIT %(limit)s", params,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchall()


def activity(conn: psycopg.Connection, paper_id: str) -> dict[str, int]:
    """Current stars and all-time events of each type for one paper."""
    return conn.execute(
        """
        SELECT (SELECT count(*) FROM stars WHERE paper_id = %(p)s AND starred) AS stars,
               count(*) FILTER (WHERE type = 'read') AS reads,
               count(*) FILTER (WHERE type = 'click') AS clicks,
               count(*) FILTER (WHERE type = 'dismiss') AS dismisses,
               count(DISTINCT user_id) AS users
        FROM events WHERE paper_id = %(p)s
        """,
        {"p": paper_id},
    ).fetchone()


def set_flag(conn: psycopg.Connection, paper_id: str, flag: str, value: bool) -> bool:
    """Set ``hidden`` or ``featured`` on a live paper; False if it does not exist or is deleted."""
    column = {"hidden": "hidden", "featured": "featured"}[flag]  # never interpolate caller text
    return conn.execute(
        f"UPDATE papers SET {column} = %s, updated_at = now() WHERE id = %s AND deleted_at IS NULL",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        (value, paper_id),
    ).rowcount == 1
