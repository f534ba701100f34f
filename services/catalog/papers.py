"""Catalogue operations behind /v1/papers. Each takes the request's connection first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from services import pagination
from services.errors import Conflict, NotFound
from services.store import papers as store
from services.store import references as references_store

# (key, ttl seconds, compute) → the value shared by this process's requests (LiveModels.shared).
SharedCache = Callable[[Any, float, Callable[[], Any]], Any]

DELETED_DETAIL = "paper {id} was deleted by an operator; it cannot be re-created under the same id"


def upsert(conn: psycopg.Connection, paper_id: str, fields: dict[str, Any]
           ) -> tuple[dict[str, Any], bool, bool]:
    """Create or update one paper; returns (paper, created, changed). Conflict if it was deleted."""
    existing = store.get(conn, paper_id)
    if existing is not None and existing["deleted_at"] is not None:
        raise Conflict(DELETED_DETAIL.format(id=paper_id))
    counts = store.upsert_many(conn, [{**fields, "id": paper_id}])
    return store.get(conn, paper_id), existing is None, bool(counts.created or counts.updated)


def upsert_batch(conn: psycopg.Connection, papers: list[tuple[int, dict[str, Any]]],
                 rejected: list[dict[str, Any]]) -> dict[str, Any]:
    """Store the valid ``(index, paper)`` items; deleted ids join ``rejected``. One round trip for the rest."""
    rejected = list(rejected)
    tombstones = store.deleted_ids(conn, [p["id"] for _, p in papers])
    live = []
    for index, paper in papers:
        if paper["id"] in tombstones:
            rejected.append({"index": index, "errors": {"id": [DELETED_DETAIL.format(id=paper["id"])]}})
        else:
            live.append(paper)
    counts = store.upsert_many(conn, live)
    return {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
            "rejected": sorted(rejected, key=lambda r: r["index"])}


def get(conn: psycopg.Connection, paper_id: str) -> dict[str, Any]:
    paper = store.get_with_counts(conn, paper_id)
    if paper is None:
        raise NotFound(f"no paper {paper_id}")
    return {**paper, "references": references_store.of_paper(conn, paper_id)}


def delete(conn: psycopg.Connection, paper_id: str) -> None:
    if not store.soft_delete(conn, paper_id):
        raise NotFound(f"no paper {paper_id}")


def search(conn: psycopg.Connection, page: pagination.PageRequest, *, q: str | None, category: str | None,
           author: str | None, since: Any, cache: SharedCache | None = None, cache_seconds: float = 0.0
           ) -> dict[str, Any]:
    """A page of visible papers: full-text ranked when ``q`` is given, else newest first.

    With ``cache`` (the process's shared values) and ``cache_seconds`` > 0, the first page of a text
    search is shared by identical requests. It is keyed by the catalogue's last change, so a paper
    written since is seen at once; a transaction that commits a change stamped earlier than one
    already visible is seen within ``cache_seconds``. Ranking a broad query is the costly part of
    search (every match is scored), and the same few queries make up most of the traffic."""
    q = (q or "").strip() or None
    kind = search_page_kind(q)

    def fetch() -> list[dict[str, Any]]:
        return store.search(conn, q=q, category=category, author=author, since=since, after=page.after,
                            limit=page.limit + 1)

    if cache is not None and cache_seconds > 0 and q and page.after is None:
        key = ("papers.search", q, category, author, since, page.limit, store.last_change(conn))
        rows = cache(key, cache_seconds, fetch)
    else:
        rows = fetch()
    key = (lambda r: (r["score"], r["id"])) if q else (lambda r: (r["listed_at"], r["id"]))
    items, next_cursor = pagination.paginate(kind, rows, page.limit, key)
    return {"items": items, "next_cursor": next_cursor}


def search_page_kind(q: str | None) -> str:
    return "papers.search" if (q or "").strip() else "papers.list"
