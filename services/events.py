"""Event ingestion: a batch is stored in one statement, each item answered on its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from services.config import Settings
from services.db import Database
from services.store import events as store


def ingest(conn: psycopg.Connection, valid: list[tuple[int, dict[str, Any]]],
           rejected: list[dict[str, Any]]) -> dict[str, Any]:
    """Store the valid ``(index, event)`` items; unknown papers join ``rejected``.

    Idempotent per (user_id, event_id); star/unstar converge on the latest occurred_at whatever the
    arrival order; unknown users are created. Durable once the caller's transaction commits.
    """
    now = dt.datetime.now(dt.UTC)
    events = [{**event, "occurred_at": event.get("occurred_at") or now} for _, event in valid]
    outcomes = store.ingest(conn, events)
    rejected = list(rejected)
    for (index, event), outcome in zip(valid, outcomes, strict=True):
        if outcome == "unknown_paper":
            rejected.append({"index": index, "errors": {"paper_id": [f"unknown paper {event['paper_id']}"]}})
    return {
        "accepted": outcomes.count("accepted"),
        "duplicates": outcomes.count("duplicate"),
        "rejected": sorted(rejected, key=lambda r: r["index"]),
    }


def for_owner(valid: list[tuple[int, dict[str, Any]]], rejected: list[dict[str, Any]],
              owner: str) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """Events sent with a user token: a missing user_id is the owner's, another user's id is refused."""
    mine: list[tuple[int, dict[str, Any]]] = []
    rejected = list(rejected)
    for index, event in valid:
        if event.get("user_id") in (None, owner):
            mine.append((index, {**event, "user_id": owner}))
        else:
            rejected.append({"index": index, "errors": {"user_id": ["must be your own user id (or left out)"]}})
    return mine, rejected


def prune_old(db: Database, settings: Settings) -> dict[str, Any]:
    """EVENTS_RETENTION_DAYS: delete the read, click and unstar events past it, a batch per short
    transaction (ingest is never blocked for long); nothing when it is 0."""
    if not settings.events_retention_days:
        return {"deleted": 0}
    deleted = 0
    while True:
        with db.connection() as conn:
            n = store.prune(conn, older_than_days=settings.events_retention_days)
        deleted += n
        if n == 0:
            return {"deleted": deleted}
