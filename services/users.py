"""User operations behind /v1/users/{id} and /v1/me."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg

from services import pagination
from services.errors import InvalidInput, NotFound
from services.store import events as events_store
from services.store import papers as papers_store
from services.store import users as store

SEED_SOURCE = "seed"


def upsert(conn: psycopg.Connection, user_id: str, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create or replace the profile; ``seed_papers`` (optional) are starred for the user.

    Seeds are star events with context {"source": "seed"} and event id ``seed:<paper_id>``: they show in
    the user's stars, feed the content profile on the very next feed request, and reach CF at its next
    retrain. Sending the same seeds again changes nothing (duplicate event ids), and a seed the user has
    since unstarred stays unstarred. If any seed is not a visible paper, nothing at all is stored.
    """
    seeds = list(dict.fromkeys(fields.get("seed_papers") or ()))
    if seeds:
        visible = papers_store.visible_by_ids(conn, seeds)
        missing = [pid for pid in seeds if pid not in visible]
        if missing:
            raise InvalidInput("seed_papers", f"unknown papers: {', '.join(missing[:10])}"
                                              f"{' …' if len(missing) > 10 else ''}")
    row, created = store.upsert(conn, user_id, email=fields.get("email"), name=fields.get("name"),
                                timezone=fields.get("timezone") or "UTC")
    if seeds:
        now = dt.datetime.now(dt.UTC)
        events_store.ingest(conn, [{"user_id": user_id, "paper_id": pid, "type": "star", "event_id": f"seed:{pid}",
                                    "occurred_at": now, "context": {"source": SEED_SOURCE}} for pid in seeds])
    return {**_shown(row), "counts": store.counts(conn, user_id)}, created


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """The row as the API shows it: ``email_confirmed`` is whether the current address is confirmed."""
    return {**row, "email_confirmed": store.email_is_confirmed(row)}


def get(conn: psycopg.Connection, user_id: str) -> dict[str, Any]:
    row = store.get(conn, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return {**_shown(row), "counts": store.counts(conn, user_id)}


def delete(conn: psycopg.Connection, user_id: str) -> None:
    """Erase the user and everything of theirs in this one transaction."""
    if not store.delete(conn, user_id):
        raise NotFound(f"no user {user_id}")


def revoke_tokens(conn: psycopg.Connection, user_id: str) -> dt.datetime:
    """Refuse every token of the user issued up to now; returns that instant. The instant is this
    process's clock, the same clock that stamps tokens when they are minted (services.auth)."""
    revoked_before = dt.datetime.now(dt.UTC)
    if not store.set_tokens_valid_after(conn, user_id, revoked_before):
        raise NotFound(f"no user {user_id}")
    return revoked_before


def export(conn: psycopg.Connection, user_id: str) -> tuple[dict[str, Any], Iterator[tuple[str, Iterator[dict]]]]:
    """All data held about the user: (their row, then (table, rows) for events, stars, subscriptions and
    alerts). NotFound is raised here, at once; the rows are read lazily, as the caller consumes them, so
    an export of millions of events is never held in memory."""
    row = store.get(conn, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return _shown(row), ((table, store.export_rows(conn, user_id, table)) for table in store.EXPORT_QUERIES)


def stars(conn: psycopg.Connection, user_id: str, page: pagination.PageRequest) -> dict[str, Any]:
    _exists(conn, user_id)
    rows = events_store.starred_papers(conn, user_id, after=page.after, limit=page.limit + 1)
    items, next_cursor = pagination.paginate("stars", rows, page.limit, lambda r: (r["starred_at"], r["id"]))
    return {"items": [{"paper": r, "starred_at": r["starred_at"]} for r in items], "next_cursor": next_cursor}


def history(conn: psycopg.Connection, user_id: str, page: pagination.PageRequest,
            type: str | None) -> dict[str, Any]:
    _exists(conn, user_id)
    rows = events_store.history(conn, user_id, type=type, after=page.after, limit=page.limit + 1)
    items, next_cursor = pagination.paginate("history", rows, page.limit, lambda r: (r["occurred_at"], r["id"]))
    return {"items": items, "next_cursor": next_cursor}


def _exists(conn: psycopg.Connection, user_id: str) -> None:
    if store.get(conn, user_id) is None:
        raise NotFound(f"no user {user_id}")
