"""Serving a ranked feed again, and ranking feeds before they are asked for.

Ranking a feed costs ~25–40 ms of CPU on the 20k catalogue (several retrievers, blending, MMR, a
snapshot write; docs/benchmarks.md). Most requests do not need it: nothing about the user changed
since their last feed was ranked. So:

- a plain request (no ``category``, no ``exclude``, no cursor) first looks for the user's newest
  *reusable* snapshot that is younger than FEED_REUSE_SECONDS and older than none of the user's
  events that the ranking reads (``feeds.last_event_id``; clicks are not among them): one query
  returns it with the first page joined to its papers. A star, read, unstar or dismiss makes it stale
  at once, so "a star changes the next feed" still holds; deleted and
  hidden papers are dropped when the page is read, exactly as later pages of a snapshot are;
- the worker (``feeds.precompute``) ranks, ahead of time, the feeds of users active in the last
  FEED_PRECOMPUTE_ACTIVE_DAYS whose snapshot is missing, stale, or ranked by older models, so a new
  model reaches active users without their requests paying for it.

A snapshot served again keeps its ``feed_id``: clicks carrying it are credited to the same list. The
one race left (an event committed in the milliseconds between reading ``last_event_id`` and ranking)
is bounded by FEED_REUSE_SECONDS.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg

from services import pagination
from services.config import Settings
from services.db import Database
from services.store import feeds as feeds_store
from services.store import papers as papers_store

CURSOR_KIND = "feed"
# How a page was produced, for /metrics (not part of the response schema, so never sent to clients).
SERVED_FROM = "served_from"
STORED, RANKED, NEXT_PAGE = "stored", "ranked", "next_page"
PAPER_COLUMNS = ", ".join(f"p.{c}" for c in papers_store.OUT_COLUMNS.split(", "))
PAPER_KEYS = tuple(papers_store.OUT_COLUMNS.split(", "))


def serve_reusable(conn: psycopg.Connection, settings: Settings, user_id: str, limit: int) -> dict[str, Any] | None:
    """The first page of the user's still-valid ranked feed, or None when it must be ranked anew."""
    if settings.feed_reuse_seconds <= 0:
        return None
    hit = feeds_store.reusable_page(conn, user_id, max_age_seconds=settings.feed_reuse_seconds, limit=limit,
                                    paper_columns=PAPER_COLUMNS)
    if hit is None:
        return None
    end = len(hit["rows"])
    if hit["served"] < end:  # impressions: how far into this list the user has been shown
        feeds_store.mark_served(conn, hit["feed_id"], end)
    items = [{"paper": {k: r[k] for k in PAPER_KEYS}, "score": r["feed_entry"]["s"], "reasons": r["feed_entry"]["r"]}
             for r in hit["rows"] if r["id"] is not None]
    next_cursor = pagination.encode(CURSOR_KIND, (hit["feed_id"], end)) if hit["total"] > end else None
    return {"items": items, "next_cursor": next_cursor, "model_version": hit["model_version"],
            "feed_id": hit["feed_id"], SERVED_FROM: STORED}


def precompute(db: Database, settings: Settings, rank_and_store, model_version: str | None, *,
               max_users: int | None = None, time_budget_seconds: float | None = None,
               users: list[str] | None = None) -> dict[str, Any]:
    """Rank and store a reusable feed for every active user who needs one, one short transaction each.

    ``rank_and_store(conn, user_id)`` is the feed's own ranking path (so a precomputed feed is exactly
    what the request would have ranked). Stops after ``max_users`` or ``time_budget_seconds``; the
    next run continues. Safe to run twice or concurrently: a user whose feed was just stored is no
    longer selected. ``users`` given (a chunk the worker fanned out, ``precompute_candidates``): rank
    exactly those."""
    started = time.perf_counter()
    if users is None:
        users = precompute_candidates(db, settings, model_version, limit=max_users)
    done = 0
    for user_id in users:
        if time_budget_seconds is not None and time.perf_counter() - started > time_budget_seconds:
            break
        with db.connection() as conn:
            rank_and_store(conn, user_id)
        done += 1
    seconds = time.perf_counter() - started
    return {"candidates": len(users), "ranked": done, "seconds": round(seconds, 2),
            "feeds_per_second": round(done / seconds, 1) if seconds and done else None}


def precompute_candidates(db: Database, settings: Settings, model_version: str | None, *,
                          limit: int | None = None) -> list[str]:
    """The active users whose stored feed is missing, stale or ranked by other models (``precompute``)."""
    with db.connection() as conn:
        return feeds_store.users_to_precompute(conn, active_days=settings.feed_precompute_active_days,
                                               fresh_seconds=settings.feed_reuse_seconds * 0.75,
                                               model_version=model_version,
                                               limit=limit or settings.feed_precompute_max_users)
