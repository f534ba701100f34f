"""paper_embeddings: one float32 vector per (embedder, paper)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

_PAPER_TEXT_COLUMNS = "p.id, p.title, p.abstract, p.categories"


def papers_missing(conn: psycopg.Connection, embedder: str, *, limit: int) -> list[dict[str, Any]]:
    """Live papers without a vector under ``embedder``, oldest first."""
    return conn.execute(
        f"""
        SELECT {_PAPER_TEXT_COLUMNS} FROM papers p
        WHERE p.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM paper_embeddings e WHERE e.embedder = %s AND e.paper_id = p.id)
        ORDER BY p.created_at, p.id LIMIT %s
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        (embedder, limit),
    ).fetchall()


def paper_texts(conn: psycopg.Connection, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Live papers' text fields in id order (to fit an embedder on the catalogue): every one, or at most
    ``limit`` of them chosen by a hash of the id, an even sample that is the same on every run and keeps
    most of its members as the catalogue grows."""
    if limit is None:
        return conn.execute(f"SELECT {_PAPER_TEXT_COLUMNS} FROM papers p WHERE p.deleted_at IS NULL ORDER BY p.id").fetchall()  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    return conn.execute(
        f"""
        SELECT {_PAPER_TEXT_COLUMNS} FROM papers p
        WHERE p.id IN (SELECT id FROM papers WHERE deleted_at IS NULL ORDER BY md5(id) LIMIT %s)
        ORDER BY p.id
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        (limit,),
    ).fetchall()


def save(conn: psycopg.Connection, embedder: str, items: Sequence[tuple[str, bytes]]) -> int:
    """Store vectors; an existing one is kept (a second run of the same task writes nothing)."""
    if not items:
        return 0
    return conn.execute(
        """
        INSERT INTO paper_embeddings (embedder, paper_id, vector)
        SELECT %s, paper_id, vector FROM unnest(%s::text[], %s::bytea[]) AS t(paper_id, vector)
        ON CONFLICT (embedder, paper_id) DO NOTHING
        """,
        (embedder, [i for i, _ in items], [v for _, v in items]),
    ).rowcount


def visible_vectors(conn: psycopg.Connection, embedder: str) -> list[dict[str, Any]]:
    """(paper_id, vector) of every live, not hidden paper under ``embedder``, in id order."""
    with conn.cursor(binary=True) as cur:
        return cur.execute(
            """
            SELECT e.paper_id, e.vector FROM paper_embeddings e JOIN papers p ON p.id = e.paper_id
            WHERE e.embedder = %s AND p.deleted_at IS NULL AND NOT p.hidden ORDER BY e.paper_id
            """,
            (embedder,),
        ).fetchall()


def vectors_of(conn: psycopg.Connection, embedder: str, paper_ids: Sequence[str]) -> dict[str, bytes]:
    rows = conn.execute(
        "SELECT paper_id, vector FROM paper_embeddings WHERE embedder = %s AND paper_id = ANY(%s)",
        (embedder, list(paper_ids)),
    )
    return {r["paper_id"]: bytes(r["vector"]) for r in rows}


def drop_other_versions(conn: psycopg.Connection, family: str, keep: str) -> int:
    """Delete the vectors of older fits of the same embedder family."""
    return conn.execute(
        "DELETE FROM paper_embeddings WHERE embedder LIKE %s AND embedder <> %s", (f"{family}:%", keep)
    ).rowcount
