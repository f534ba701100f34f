"""feeds: the ranked list a user was given, so later pages and credited clicks refer to exactly it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

# Joined into the statement itself (one round trip instead of a separate SET LOCAL): this
# transaction's commit does not wait for the WAL flush.
_NO_FLUSH = "(SELECT set_config('synchronous_commit', 'off', true)) AS no_flush"


def insert(conn: psycopg.Connection, *, user_id: str, model_version: str | None, items: list[dict[str, Any]],
           served: int, reusable: bool = False, last_event_id: int | None = None,
           assignments: dict[str, str] | None = None, keep_per_user: int | None = None, updates: int = 0) -> str:
    """Store a snapshot. Its loss in a crash costs nothing (the next request ranks again), so this
    transaction does not wait for the WAL flush. ``reusable`` snapshots (plain requests) may be served
    again to later plain requests until the user's next event (``last_event_id``) or their age says no.
    ``assignments``: experiment id → variant the feed was ranked under (None outside experiments).
    ``keep_per_user``: then the user's older snapshots beyond this many are deleted (a caller asking for
    feeds with ever new ``category``/``exclude`` values must not grow the table without bound).
    ``updates``: incremental updates since the list was last ranked in full (0: ranked in full)."""
    feed_id = str(uuid.uuid4())
    conn.execute(
        f"INSERT INTO feeds (id, user_id, model_version, items, served, reusable, last_event_id, assignments, updates) "
        f"SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s FROM {_NO_FLUSH}",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        (feed_id, user_id, model_version, Jsonb(items), served, reusable, last_event_id,
         Jsonb(assignments) if assignments else None, updates),
    )
    if keep_per_user is not None:
        prune_user(conn, user_id, keep=keep_per_user, newest=feed_id)
    return feed_id


def prune_user(conn: psycopg.Connection, user_id: str, *, keep: int, newest: str) -> int:
    """Keep the user's snapshot ``newest`` (just stored) and their ``keep`` - 1 newest others; delete the
    rest and return how many. Reads the user's entries of feeds_user_time_idx only (about ``keep``, since
    every insert prunes). Feeds of a running experiment are not spared: a user beyond ``keep`` feeds
    within the retention is a script, not a reader the readout should count."""
    return conn.execute(
        "DELETE FROM feeds WHERE id IN (SELECT id FROM feeds WHERE user_id = %s AND id <> %s "
        "ORDER BY created_at DESC, id DESC OFFSET %s)", (user_id, newest, max(keep - 1, 0)),
    ).rowcount


# A reusable snapshot is valid while it is young enough and the user has no event newer than the one
# it was ranked after that could change it (events ids only grow; the check reads the user's entries of
# events_user_time_idx). Clicks cannot: the ranking reads stars, reads and dismissals
# (events.feed_inputs), never clicks, so a click leaves a stored list exactly as valid as before.
_VALID = """
    f.reusable AND f.created_at > now() - make_interval(secs => %(max_age)s)
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.user_id = f.user_id AND e.id > coalesce(f.last_event_id, 0)
                    AND e.type <> 'click')
"""

# A kept page (feed_pages ``pg``) is still true: every paper on it has the updated_at it was built with.
_PAGE_UNCHANGED = """NOT EXISTS (SELECT 1 FROM unnest(pg.paper_ids, pg.paper_versions) v(id, at)
                  LEFT JOIN papers p ON p.id = v.id WHERE p.updated_at IS DISTINCT FROM v.at)"""


def reusable_page(conn: psycopg.Connection, user_id: str, *, max_age_seconds: float, limit: int,
                  paper_columns: str) -> dict[str, Any] | None:
    """In one round trip: the user's newest still-valid reusable feed with its first ``limit`` entries
    joined to their papers (``rows``; each row says whether its paper is ``feed_visible`` and carries the
    paper's ``updated_at`` even when it is not), its ``served`` and ``total`` entries. None when there is
    no such feed. ``paper_columns`` are selected from papers ``p``. (A finished page kept for the feed is
    ``finished_page``'s to read.)"""
    rows = conn.execute(
        f"""
        WITH snap AS MATERIALIZED (
            SELECT f.id, f.model_version, f.served FROM feeds f
            WHERE f.user_id = %(u)s AND {_VALID}
            ORDER BY f.created_at DESC LIMIT 1
        )
        SELECT s.id::text AS feed_id, s.model_version AS feed_model_version, s.served AS feed_served,
               (SELECT jsonb_array_length(f.items) FROM feeds f WHERE f.id = s.id) AS feed_total,
               e.ord AS feed_position, e.entry AS feed_entry,
               (p.deleted_at IS NULL AND NOT p.hidden) AS feed_visible, p.updated_at AS feed_paper_version,
               {paper_columns}
        FROM snap s
        LEFT JOIN LATERAL (SELECT x.entry, x.ord
                           FROM feeds f, jsonb_array_elements(f.items) WITH ORDINALITY x(entry, ord)
                           WHERE f.id = s.id AND x.ord <= %(limit)s) e ON true
        LEFT JOIN papers p ON p.id = e.entry ->> 'p'
        ORDER BY e.ord
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        {"u": user_id, "max_age": max_age_seconds, "limit": limit},
    ).fetchall()
    if not rows:
        return None
    head = rows[0]
    return {"feed_id": head["feed_id"], "model_version": head["feed_model_version"], "served": head["feed_served"],
            "total": head["feed_total"], "rows": [r for r in rows if r["feed_position"] is not None]}


def updatable(conn: psycopg.Connection, user_id: str, *, max_age_seconds: float, max_events: int
              ) -> dict[str, Any] | None:
    """The user's newest reusable feed younger than ``max_age_seconds`` (id, model_version, items,
    updates, whether it was ranked under an experiment) and up to ``max_events`` + 1 of the events after
    it that the ranking reads (clicks left out), oldest first, as [id, type, paper_id]; None without one.
    One statement: the feed from feeds_user_time_idx, the events from the user's entries of
    events_user_time_idx."""
    return conn.execute(
        """
        WITH f AS (SELECT id, model_version, items, updates, assignments IS NOT NULL AS experiment, last_event_id
                   FROM feeds WHERE user_id = %(u)s AND reusable
                     AND created_at > now() - make_interval(secs => %(max_age)s)
                   ORDER BY created_at DESC LIMIT 1)
        SELECT f.id::text AS feed_id, f.model_version, f.items, f.updates, f.experiment,
               (SELECT coalesce(jsonb_agg(jsonb_build_array(e.id, e.type, e.paper_id) ORDER BY e.id), '[]')
                FROM (SELECT * FROM (SELECT id, type, paper_id FROM events  -- OFFSET 0: the user's rows
                                     WHERE user_id = %(u)s AND id > coalesce(f.last_event_id, 0)  -- first, never
                                       AND type <> 'click' OFFSET 0) mine  -- a walk along the primary key
                      ORDER BY id LIMIT %(n)s) e) AS events
        FROM f
        """,
        {"u": user_id, "max_age": max_age_seconds, "n": max_events + 1},
    ).fetchone()


def finished_page(conn: psycopg.Connection, user_id: str, *, max_age_seconds: float, variant: str,
                  held_feed: str | None = None, held_at: dt.datetime | None = None) -> dict[str, Any] | None:
    """The finished first page kept (``keep_page``) for the user's newest still-valid reusable feed (the
    feed ``reusable_page`` would read) under ``variant``, while every paper on it is unchanged: ``feed_id``,
    ``model_version``, ``kept_at``, ``shown`` and ``body``, or None. ``held_feed``/``held_at``: the caller
    already holds the bytes of that feed's page kept at that time; when that is the page found, ``body``
    is None (its ~40 KB are neither de-TOASTed nor sent). A statement of its own, small enough to plan
    cheaply: it runs on every repeated feed request, often as a one-off plan.

    The page is looked up by its key inside a LATERAL ... LIMIT 1, which the planner can neither flatten
    nor push the unchanged-papers check into: as a plain join, with ``feed_pages`` planned as the near-empty
    table it was at the last ANALYZE, it scanned *every* kept page of the variant and checked each one's
    papers before matching the feed (6 ms at 81 kept pages, growing with every page kept:
    docs/benchmarks.md)."""
    return conn.execute(
        f"""
        WITH snap AS MATERIALIZED (
            SELECT f.id, f.model_version FROM feeds f
            WHERE f.user_id = %(u)s AND {_VALID}
            ORDER BY f.created_at DESC LIMIT 1
        )
        SELECT s.id::text AS feed_id, s.model_version, pg.created_at AS kept_at, pg.shown,
               CASE WHEN s.id::text IS DISTINCT FROM %(held_feed)s OR pg.created_at IS DISTINCT FROM %(held_at)s
                    THEN pg.body END AS body
        FROM snap s CROSS JOIN LATERAL (
            SELECT * FROM feed_pages kept WHERE kept.feed_id = s.id AND kept.variant = %(variant)s LIMIT 1
        ) pg
        WHERE {_PAGE_UNCHANGED}
        """,  # nosec B608  # SQL from fragments chosen in code (fixed clauses); every value is a bound parameter
        {"u": user_id, "max_age": max_age_seconds, "variant": variant, "held_feed": held_feed, "held_at": held_at},
    ).fetchone()


def keep_page(conn: psycopg.Connection, *, feed_id: str, variant: str, paper_ids: list[str],
              paper_versions: list[Any], shown: int, body: bytes, keep_variants: int) -> dt.datetime:
    """Keep ``body``, the finished first page of feed ``feed_id`` as requested in ``variant``, to be served
    by ``finished_page`` while every paper in ``paper_ids`` still has its ``paper_versions`` (updated_at;
    None for a paper that does not exist); returns when it was kept (what ``finished_page`` answers as
    ``kept_at``). The feed keeps its ``keep_variants`` newest pages. Its loss in a crash costs
    nothing, so this does not wait for the WAL flush."""
    # One statement: the DELETE sees the pages as they were before this INSERT, so it keeps the
    # ``keep_variants - 1`` newest of the feed's other variants beside this one.
    return conn.execute(
        f"""
        WITH kept AS (
            INSERT INTO feed_pages (feed_id, variant, paper_ids, paper_versions, shown, body)
            SELECT %(f)s, %(v)s, %(ids)s, %(versions)s::timestamptz[], %(shown)s, %(body)s FROM {_NO_FLUSH}
            ON CONFLICT (feed_id, variant) DO UPDATE SET paper_ids = excluded.paper_ids,
                paper_versions = excluded.paper_versions, shown = excluded.shown, body = excluded.body,
                created_at = now()
            RETURNING created_at
        ), trimmed AS (
            DELETE FROM feed_pages WHERE feed_id = %(f)s AND variant <> %(v)s AND variant NOT IN (
                SELECT variant FROM feed_pages WHERE feed_id = %(f)s AND variant <> %(v)s
                ORDER BY created_at DESC, variant LIMIT greatest(%(k)s - 1, 0))
        )
        SELECT created_at FROM kept
        """,  # nosec B608  # SQL from fragments chosen in code (fixed clauses); every value is a bound parameter
        {"f": feed_id, "v": variant, "ids": paper_ids, "versions": paper_versions, "shown": shown, "body": body,
         "k": keep_variants},
    ).fetchone()["created_at"]


def users_to_precompute(conn: psycopg.Connection, *, active_days: float, fresh_seconds: float,
                        model_version: str | None, limit: int) -> list[str]:
    """Users active in the last ``active_days`` whose reusable feed is missing, older than
    ``fresh_seconds``, ranked by other models than ``model_version``, outdated by a newer event, or an
    incremental update of a list (``updates`` > 0: approximate; ranked in full here, off the request
    path)."""
    return [r["user_id"] for r in conn.execute(
        f"""
        SELECT a.user_id FROM (
            SELECT DISTINCT user_id FROM events WHERE received_at > now() - make_interval(secs => %(days)s * 86400)
        ) a
        WHERE NOT EXISTS (SELECT 1 FROM feeds f WHERE f.user_id = a.user_id AND {_VALID}
                          AND f.model_version IS NOT DISTINCT FROM %(version)s AND f.updates = 0)
        ORDER BY a.user_id LIMIT %(limit)s
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        {"days": active_days, "max_age": fresh_seconds, "version": model_version, "limit": limit},
    )]


def last_event_id(conn: psycopg.Connection, user_id: str) -> int | None:
    """The id of the user's newest event (a feed ranked now is outdated by any later one)."""
    # MATERIALIZED keeps the planner from answering max(id) by walking the primary key backwards until
    # it meets this user's row (86 ms at 1M events); the user's own rows come from their index (0.1 ms).
    return conn.execute(
        "WITH mine AS MATERIALIZED (SELECT id FROM events WHERE user_id = %s) SELECT max(id) AS id FROM mine",
        (user_id,),
    ).fetchone()["id"]


def expire_reusable(conn: psycopg.Connection) -> int:
    """Stop every stored feed from being served again (an operator pinned or unpinned a paper)."""
    return conn.execute("UPDATE feeds SET reusable = false WHERE reusable").rowcount


def get(conn: psycopg.Connection, feed_id: str, user_id: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, model_version, items, served FROM feeds WHERE id = %s AND user_id = %s", (feed_id, user_id)
    ).fetchone()


def mark_served(conn: psycopg.Connection, feed_id: str, served: int) -> None:
    conn.execute(f"UPDATE feeds SET served = greatest(served, %s) FROM {_NO_FLUSH} WHERE id = %s",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
                 (served, feed_id))


def prune(conn: psycopg.Connection, *, older_than_hours: float, batch: int = 10_000) -> int:
    """Delete up to ``batch`` feeds older than the retention; returns how many (call until 0).

    Feeds of an experiment not yet stopped are kept: its readout is computed from them (stopping it
    freezes the readout, and they are pruned at the next run)."""
    return conn.execute(
        """
        DELETE FROM feeds WHERE id IN (
            SELECT id FROM feeds WHERE created_at < now() - make_interval(secs => %s)
            AND (assignments IS NULL OR NOT assignments ?| coalesce(
                (SELECT array_agg(id::text) FROM experiments WHERE status <> 'stopped'), '{}'))
            LIMIT %s)
        """,
        (older_than_hours * 3600, batch),
    ).rowcount
