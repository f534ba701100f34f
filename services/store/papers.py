"""Papers: the catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

PAPER_COLUMNS = ("id", "title", "abstract", "authors", "categories", "published_at", "url", "code_urls", "comment")

_UPSERT = f"""
INSERT INTO papers ({", ".join(PAPER_COLUMNS)})
VALUES ({", ".join(f"%({c})s" for c in PAPER_COLUMNS)})
ON CONFLICT (id) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in PAPER_COLUMNS if c != "id")},
    updated_at = now()
WHERE ({", ".join(f"papers.{c}" for c in PAPER_COLUMNS)})
      IS DISTINCT FROM ({", ".join(f"excluded.{c}" for c in PAPER_COLUMNS)})
RETURNING (xmax = 0) AS created
"""


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

    Pipelined: one network round trip per batch, not per paper. A paper whose fields are all equal
    to the stored ones is left untouched and counted as unchanged.
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


def count(conn: psycopg.Connection, *, include_deleted: bool = False) -> int:
    where = "" if include_deleted else "WHERE deleted_at IS NULL"
    return conn.execute(f"SELECT count(*) AS n FROM papers {where}").fetchone()["n"]


def get(conn: psycopg.Connection, paper_id: str) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {', '.join(PAPER_COLUMNS)}, hidden, featured, deleted_at, created_at, updated_at "
        "FROM papers WHERE id = %s",
        (paper_id,),
    ).fetchone()
