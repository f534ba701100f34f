"""Citation references: which works each paper cites (canonical keys, schemas/references.py) and which
catalogue paper each names, once that paper is here.

A reference to an arXiv id resolves to the catalogue paper whose id is that arXiv id; it resolves when
stored if the paper is here, else when the paper arrives (``resolve_arrivals``, run by every upsert).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

from schemas.references import ARXIV_PREFIX

_REPLACE_DELETE = """
DELETE FROM paper_references r USING unnest(%(citing)s::text[]) AS c(id)
WHERE r.citing_id = c.id
  AND NOT EXISTS (SELECT 1 FROM unnest(%(refs)s::text[], %(owners)s::text[]) AS n(ref, owner)
                  WHERE n.owner = r.citing_id AND n.ref = r.ref)
"""
# Only live papers' references are stored: a deleted paper's are gone with it.
_REPLACE_INSERT = """
INSERT INTO paper_references (citing_id, ref, cited_id)
SELECT n.owner, n.ref, cited.id
FROM unnest(%(refs)s::text[], %(owners)s::text[]) AS n(ref, owner)
JOIN papers citing ON citing.id = n.owner AND citing.deleted_at IS NULL
LEFT JOIN papers cited ON %(prefix)s || cited.id = n.ref AND cited.deleted_at IS NULL
ON CONFLICT (citing_id, ref) DO NOTHING
"""
_RESOLVE = """
UPDATE paper_references r SET cited_id = p.id
FROM papers p
WHERE p.id = ANY(%s) AND p.deleted_at IS NULL AND r.cited_id IS NULL AND r.ref = %s || p.id
"""


def replace(conn: psycopg.Connection, references: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Make each (paper id, canonical keys) pair's stored references exactly those keys (three statements
    for the whole batch). Papers that are deleted or absent store none."""
    if not references:
        return
    owners = [pid for pid, keys in references for _ in dict.fromkeys(keys)]
    refs = [key for _, keys in references for key in dict.fromkeys(keys)]
    params = {"citing": [pid for pid, _ in references], "refs": refs, "owners": owners, "prefix": ARXIV_PREFIX}
    conn.execute(_REPLACE_DELETE, params)
    if refs:
        conn.execute(_REPLACE_INSERT, params)


def resolve_arrivals(conn: psycopg.Connection, paper_ids: Iterable[str]) -> int:
    """Link the references waiting for any of ``paper_ids`` (just stored) to them; returns how many."""
    ids = list(paper_ids)
    return conn.execute(_RESOLVE, (ids, ARXIV_PREFIX)).rowcount if ids else 0


def of_paper(conn: psycopg.Connection, paper_id: str) -> list[dict[str, Any]]:
    """The paper's references ({ref, paper_id}), in key order; paper_id None while unresolved."""
    return conn.execute("SELECT ref, cited_id AS paper_id FROM paper_references WHERE citing_id = %s ORDER BY ref",
                        (paper_id,)).fetchall()


def links(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every reference of a live paper (citing_id, ref, cited_id: None if unresolved or deleted), for the
    worker's citation model."""
    return conn.execute("""
        SELECT r.citing_id, r.ref, CASE WHEN cited.deleted_at IS NULL THEN r.cited_id END AS cited_id
        FROM paper_references r
        JOIN papers citing ON citing.id = r.citing_id AND citing.deleted_at IS NULL
        LEFT JOIN papers cited ON cited.id = r.cited_id
        ORDER BY r.citing_id, r.ref
    """).fetchall()
