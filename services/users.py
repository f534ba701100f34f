"""User operations behind /v1/users/{id} and /v1/me."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from services import pagination
from services.errors import NotFound
from services.store import events as events_store
from services.store import users as store


def upsert(conn: psycopg.Connection, user_id: str, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    row, created = store.upsert(conn, user_id, email=fields.get("email"), name=fields.get("name"),
                                timezone=fields.get("timezone") or "UTC")
    return {**row, "counts": store.counts(conn, user_id)}, created


def get(conn: psycopg.Connection, user_id: str) -> dict[str, Any]:
    row = store.get(conn, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return {**row, "counts": store.counts(conn, user_id)}


def delete(conn: psycopg.Connection, user_id: str) -> None:
    """Erase the user and everything of theirs in this one transaction."""
    if not store.delete(conn, user_id):
        raise NotFound(f"no user {user_id}")


def export(conn: psycopg.Connection, user_id: str) -> dict[str, Any]:
    row = store.get(conn, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return {"user": row, **store.export_rows(conn, user_id), "exported_at": dt.datetime.now(dt.UTC)}


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
