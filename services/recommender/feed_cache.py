"""Serving a ranked feed again, and ranking feeds before they are asked for.

Ranking a feed costs ~25–40 ms of CPU on the 20k catalogue (several retrievers, blending, MMR, a
snapshot write; docs/benchmarks.md). Most requests do not need it: nothing about the user changed
since their last feed was ranked. So:

- a plain request (no ``category``, no ``exclude``, no cursor) first looks for the user's newest
  *reusable* snapshot that is younger than FEED_REUSE_SECONDS and older than none of the user's
  events that the ranking reads (``feeds.last_event_id``; clicks are not among them): one query
  returns it with the first page joined to its papers. A star, read, unstar or dismiss makes it stale
  at once, so "a star changes the next feed" still holds (the next request updates the stale list or
  ranks anew: services/recommender/incremental.py); deleted and
  hidden papers are dropped when the page is read, exactly as later pages of a snapshot are;
- the worker (``feeds.precompute``) ranks, ahead of time, the feeds of users active in the last
  FEED_PRECOMPUTE_ACTIVE_DAYS whose snapshot is missing, stale, ranked by older models or an
  incremental update, so a new model reaches active users without their requests paying for it.

A snapshot served again keeps its ``feed_id``: clicks carrying it are credited to the same list. The
one race left (an event committed in the milliseconds between reading ``last_event_id`` and ranking)
is bounded by FEED_REUSE_SECONDS.

Finished pages: the first page of a reusable feed, once answered, is kept as the exact bytes sent
(``keep_page``, table feed_pages) under the request's *variant* (page size, fields, response format;
the API computes it), together with every paper on it and that paper's ``updated_at``. The same request
while the feed is still reusable is answered with those bytes (``serve_finished``, READY: a small
statement of its own, tried first and outside any transaction by the API), no list expanded and no
JSON assembled; an edited, hidden, unhidden or deleted paper on the page changes
its ``updated_at`` and the page is built again from the list. Later pages (cursors) are not kept: they
are read once.

Held pages: an API process keeps the finished pages it has answered (``HeldPage``, bounded, in
services/api/ready.py) and names the one it holds in the request (``FeedRequest.held_page``). The
database still decides whether a finished page is valid, and which (``serve_finished``); when it is
the held one, its bytes are not read from the table nor sent over the connection (HELD).
Validity stays in PostgreSQL, so every write that makes a kept page stale (from the API, the worker,
the dashboard or plain SQL) does the same to a held one.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
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
STORED, RANKED, NEXT_PAGE, READY, HELD = "stored", "ranked", "next_page", "ready", "held"
# The stored list brought up to date with the reader's latest events (services/recommender/incremental.py).
UPDATED = "updated"
# A result served as kept bytes carries them (and its item count, and when they were kept) under these
# keys instead of "items".
READY_BODY, READY_SHOWN, READY_KEPT_AT = "ready_body", "ready_shown", "ready_kept_at"
# A first page that may be kept carries a PageToKeep under this key.
KEEP = "keep"
# Finished pages kept per feed (one per variant: a web app and a bot asking different page sizes).
PAGE_VARIANTS_KEPT = 3
PAPER_COLUMNS = ", ".join(f"p.{c}" for c in papers_store.OUT_COLUMNS.split(", "))
PAPER_KEYS = tuple(papers_store.OUT_COLUMNS.split(", "))


@dataclass(frozen=True)
class PageToKeep:
    """What is kept beside a first page's bytes: its feed, the request's variant, and every entry's paper
    (shown or not) with the ``updated_at`` the page was built from (None: no such paper)."""

    feed_id: str
    variant: str
    paper_ids: list[str]
    paper_versions: list[Any]


@dataclass(frozen=True)
class HeldPage:
    """A finished first page an API process holds: its feed, when it was kept (``keep_page``'s answer)
    and its bytes and item count; ``etag``, the answer's HTTP tag, once the holder has computed it."""

    feed_id: str
    kept_at: dt.datetime
    body: bytes
    shown: int
    etag: str | None = None


def serve_finished(conn: psycopg.Connection, settings: Settings, user_id: str, variant: str,
                   held: HeldPage | None = None) -> dict[str, Any] | None:
    """The finished first page of the user's still-valid ranked feed kept for ``variant`` (READY_BODY:
    ``held``'s own bytes when that is the valid page, HELD, else the bytes read from the table, READY),
    or None when there is none: one read, nothing written."""
    if settings.feed_reuse_seconds <= 0:
        return None
    row = feeds_store.finished_page(conn, user_id, max_age_seconds=settings.feed_reuse_seconds, variant=variant,
                                    held_feed=held.feed_id if held else None, held_at=held.kept_at if held else None)
    if row is None:
        return None
    from_table = row["body"] is not None  # None: the held page is the valid one (the query said so)
    return {READY_BODY: bytes(row["body"]) if from_table else held.body, READY_SHOWN: row["shown"],
            READY_KEPT_AT: row["kept_at"], "feed_id": row["feed_id"], "model_version": row["model_version"],
            SERVED_FROM: READY if from_table else HELD}


def serve_reusable(conn: psycopg.Connection, settings: Settings, user_id: str, limit: int,
                   variant: str | None = None) -> dict[str, Any] | None:
    """The first page of the user's still-valid ranked feed read from the stored list (with a KEEP for
    ``keep_page`` when ``variant`` is given), or None when it must be ranked anew. A finished page kept
    for the feed is ``serve_finished``'s: callers that may be answered with one ask it first."""
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
             for r in hit["rows"] if r["feed_visible"]]
    next_cursor = pagination.encode(CURSOR_KIND, (hit["feed_id"], end)) if hit["total"] > end else None
    keep = (PageToKeep(hit["feed_id"], variant, [r["feed_entry"]["p"] for r in hit["rows"]],
                       [r["feed_paper_version"] for r in hit["rows"]]) if variant is not None else None)
    return {"items": items, "next_cursor": next_cursor, "model_version": hit["model_version"],
            "feed_id": hit["feed_id"], SERVED_FROM: STORED, KEEP: keep}


def keep_page(conn: psycopg.Connection, page: dict[str, Any], body: bytes) -> HeldPage | None:
    """Keep ``body``, the bytes answering ``page`` (a get_feed result), when the result says it may be
    kept (a plain first page of a reusable feed, asked with a variant); returns it as the caller may
    hold it (None: not kept)."""
    keep: PageToKeep | None = page.get(KEEP)
    if keep is None:
        return None
    shown = len(page["items"])
    kept_at = feeds_store.keep_page(conn, feed_id=keep.feed_id, variant=keep.variant, paper_ids=keep.paper_ids,
                                    paper_versions=keep.paper_versions, shown=shown, body=body,
                                    keep_variants=PAGE_VARIANTS_KEPT)
    return HeldPage(keep.feed_id, kept_at, body, shown)


def held_page(page: dict[str, Any]) -> HeldPage | None:
    """The finished page a get_feed result answered with, as its process may hold it (None: the result
    was built, not finished)."""
    if READY_KEPT_AT not in page:
        return None
    return HeldPage(page["feed_id"], page[READY_KEPT_AT], page[READY_BODY], int(page[READY_SHOWN]))


def page_size(page: dict[str, Any]) -> int:
    """Items on a get_feed result's page, whether built or served as kept bytes."""
    if READY_BODY in page:
        return int(page[READY_SHOWN])
    return len(page.get("items") or ())


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
