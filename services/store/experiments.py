"""experiments, settings_overrides, and the per-reader counts an experiment's readout is made of."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.store import keyset

COLUMNS = ("id, name, description, surface, mode, independent, primary_metric, status, variants, starts_at, "
           "ends_at, results, promoted, created_by, created_at, stopped_at")
RUNNING_INDEX = "experiments_one_running_idx"
NAME_KEY = "experiments_name_key"

# Everything a feed needs to know before ranking, in one round trip: the experiments running now and
# the promoted defaults. Timestamps come back as ISO text inside the JSON and are parsed below.
_SERVING_STATE = """
SELECT now() AS now,
       coalesce((SELECT jsonb_agg(jsonb_build_object(
                    'id', id, 'name', name, 'surface', surface, 'mode', mode, 'independent', independent,
                    'status', status, 'variants', variants, 'starts_at', starts_at, 'ends_at', ends_at) ORDER BY id)
                 FROM experiments WHERE status = 'running' AND starts_at <= now() AND ends_at > now()),
                '[]'::jsonb) AS experiments,
       coalesce((SELECT jsonb_object_agg(name, value) FROM settings_overrides), '{}'::jsonb) AS defaults
"""


def serving_state(conn: psycopg.Connection) -> dict[str, Any]:
    """{"now", "experiments": rows running now (oldest first), "defaults": {FEED_* name: raw value}}."""
    row = conn.execute(_SERVING_STATE).fetchone()
    experiments = [{**e, "starts_at": dt.datetime.fromisoformat(e["starts_at"]),
                    "ends_at": dt.datetime.fromisoformat(e["ends_at"])} for e in row["experiments"]]
    return {"now": row["now"], "experiments": experiments, "defaults": row["defaults"]}


def insert(conn: psycopg.Connection, *, name: str, description: str, surface: str, mode: str, independent: bool,
           primary_metric: str, variants: list[dict[str, Any]], starts_at: dt.datetime | None,
           ends_at: dt.datetime, created_by: str | None) -> dict[str, Any]:
    """A new running experiment. Raises psycopg.errors.UniqueViolation on a taken name
    (NAME_KEY) or a second dependent experiment running on the surface (RUNNING_INDEX)."""
    return conn.execute(
        f"""
        INSERT INTO experiments (name, description, surface, mode, independent, primary_metric, status, variants,
                                 starts_at, ends_at, created_by)
        VALUES (%s, %s, %s, %s, %s, %s, 'running', %s, coalesce(%s, now()), %s, %s) RETURNING {COLUMNS}
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        (name, description, surface, mode, independent, primary_metric, Jsonb(variants), starts_at, ends_at,
         created_by),
    ).fetchone()


def get(conn: psycopg.Connection, experiment_id: int, *, for_update: bool = False) -> dict[str, Any] | None:
    """The row, or None (also for an id no bigint can hold: the path takes any integer)."""
    if not 0 < experiment_id < 2 ** 63:
        return None
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(f"SELECT {COLUMNS} FROM experiments WHERE id = %s{lock}", (experiment_id,)).fetchone()  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter


def running_on(conn: psycopg.Connection, surface: str, *, exclude: int | None = None) -> list[dict[str, Any]]:
    """Experiments running (or due to start) on ``surface``, oldest first."""
    return conn.execute(
        f"SELECT {COLUMNS} FROM experiments WHERE surface = %s AND status = 'running' AND ends_at > now() "
        "AND id IS DISTINCT FROM %s ORDER BY id", (surface, exclude),  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchall()


def recent(conn: psycopg.Connection, *, status: str | None, limit: int, after: tuple | None = None
           ) -> list[dict[str, Any]]:
    """Newest first; ``after`` = (created_at, id) of the last row already seen."""
    where, params = [], {}
    if status:
        where.append("status = %(status)s")
        params["status"] = status
    return keyset.newest_first(conn, f"SELECT {COLUMNS} FROM experiments", where, params, cursor=after, limit=limit)  # nosec B608  # COLUMNS is a constant column list; values are bound parameters


def set_status(conn: psycopg.Connection, experiment_id: int, status: str, *, results: Mapping[str, Any] | None = None,
               promoted: str | None = None) -> dict[str, Any]:
    """Change the status (stopping records when, and freezes ``results``); returns the row."""
    return conn.execute(
        f"""
        UPDATE experiments SET status = %(status)s,
               stopped_at = CASE WHEN %(status)s = 'stopped' THEN coalesce(stopped_at, now()) END,
               results = coalesce(%(results)s, results), promoted = coalesce(%(promoted)s, promoted)
        WHERE id = %(id)s RETURNING {COLUMNS}
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        {"status": status, "results": Jsonb(results) if results is not None else None, "promoted": promoted,
         "id": experiment_id},
    ).fetchone()


# Per reader of a split experiment: feeds and impressions (served depth) under their variant, distinct
# papers clicked, starred and dismissed through those feeds (events whose context.feed_id names one of
# them, by the same user), reads of any origin since their first feed of the experiment, and the UTC
# days since then on which they were shown a feed or did anything (reads per reader-day).
_SPLIT_READERS = """
WITH f AS MATERIALIZED (
    SELECT id::text AS id, user_id, served, created_at, assignments ->> %(e)s AS variant
    FROM feeds WHERE assignments ? %(e)s AND created_at < %(until)s
),
readers AS (
    SELECT user_id, variant, min(created_at) AS since, count(*) AS feeds, sum(served) AS impressions
    FROM f GROUP BY 1, 2
),
credited AS (
    SELECT f.variant, e.user_id, e.type, count(DISTINCT e.paper_id) AS n
    FROM events e JOIN f ON f.id = e.context ->> 'feed_id' AND f.user_id = e.user_id
    WHERE e.received_at >= %(start)s AND e.received_at < %(until)s AND e.context ? 'feed_id'
      AND e.type IN ('click', 'star', 'dismiss')
    GROUP BY 1, 2, 3
),
acted AS (
    SELECT r.user_id, count(*) FILTER (WHERE e.type = 'read') AS reads,
           array_agg(DISTINCT (e.received_at AT TIME ZONE 'UTC')::date) AS days
    FROM readers r JOIN events e ON e.user_id = r.user_id AND e.received_at >= r.since AND e.received_at < %(until)s
    GROUP BY 1
),
shown_days AS (
    SELECT user_id, array_agg(DISTINCT (created_at AT TIME ZONE 'UTC')::date) AS days FROM f GROUP BY 1
)
SELECT r.variant, r.user_id, r.feeds, r.impressions,
       coalesce(sum(c.n) FILTER (WHERE c.type = 'click'), 0) AS clicks,
       coalesce(sum(c.n) FILTER (WHERE c.type = 'star'), 0) AS stars,
       coalesce(sum(c.n) FILTER (WHERE c.type = 'dismiss'), 0) AS dismisses,
       coalesce(max(a.reads), 0) AS reads,
       (SELECT count(DISTINCT d) FROM unnest(max(s.days) || coalesce(max(a.days), '{}')) d) AS active_days
FROM readers r
LEFT JOIN credited c ON c.user_id = r.user_id AND c.variant = r.variant
LEFT JOIN acted a ON a.user_id = r.user_id
LEFT JOIN shown_days s ON s.user_id = r.user_id
GROUP BY r.variant, r.user_id, r.feeds, r.impressions
ORDER BY r.variant, r.user_id
"""


def split_readers(conn: psycopg.Connection, experiment_id: int, *, start: dt.datetime, until: dt.datetime
                  ) -> list[dict[str, Any]]:
    """One row per reader of a split experiment (see _SPLIT_READERS), ordered by variant and user."""
    return conn.execute(_SPLIT_READERS, {"e": str(experiment_id), "start": start, "until": until}).fetchall()


# Per reader of an interleaved experiment and team: impressions the team contributed (items within the
# served depth carrying its "t") and distinct papers of that team clicked and starred through the feed.
_INTERLEAVED_READERS = """
WITH f AS MATERIALIZED (
    SELECT id::text AS id, user_id, served, items FROM feeds WHERE assignments ? %(e)s AND created_at < %(until)s
),
shown AS (
    SELECT f.id, f.user_id, x.entry ->> 'p' AS paper_id, x.entry ->> 't' AS team
    FROM f, jsonb_array_elements(f.items) WITH ORDINALITY x(entry, ord) WHERE x.ord <= f.served
),
credited AS (
    SELECT DISTINCT s.user_id, s.team, e.type, e.paper_id
    FROM events e JOIN shown s ON s.id = e.context ->> 'feed_id' AND s.paper_id = e.paper_id AND s.user_id = e.user_id
    WHERE e.received_at >= %(start)s AND e.received_at < %(until)s AND e.context ? 'feed_id'
      AND e.type IN ('click', 'star')
),
impressions AS (SELECT user_id, team, count(*) AS n FROM shown WHERE team IS NOT NULL GROUP BY 1, 2)
SELECT i.user_id, i.team, i.n AS impressions,
       (SELECT count(*) FROM credited c WHERE c.user_id = i.user_id AND c.team = i.team AND c.type = 'click') AS clicks,
       (SELECT count(*) FROM credited c WHERE c.user_id = i.user_id AND c.team = i.team AND c.type = 'star') AS stars
FROM impressions i ORDER BY i.user_id, i.team
"""


def interleaved_readers(conn: psycopg.Connection, experiment_id: int, *, start: dt.datetime, until: dt.datetime
                        ) -> list[dict[str, Any]]:
    """One row per (reader, team) of an interleaved experiment (see _INTERLEAVED_READERS)."""
    return conn.execute(_INTERLEAVED_READERS, {"e": str(experiment_id), "start": start, "until": until}).fetchall()


def model_versions_used(conn: psycopg.Connection, experiment_id: int) -> list[dict[str, Any]]:
    """(variant, model_version, feeds): which models ranked the experiment's feeds."""
    return conn.execute(
        "SELECT assignments ->> %(e)s AS variant, model_version, count(*) AS feeds FROM feeds "
        "WHERE assignments ? %(e)s GROUP BY 1, 2 ORDER BY 1, 2", {"e": str(experiment_id)},
    ).fetchall()


def model_metrics(conn: psycopg.Connection, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """(kind, version) → the offline metrics recorded when it was trained or built."""
    if not pairs:
        return {}
    rows = conn.execute(
        "SELECT kind, version, metrics FROM model_versions "
        "WHERE (kind, version) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
        ([k for k, _ in pairs], [v for _, v in pairs]),
    ).fetchall()
    return {(r["kind"], r["version"]): r["metrics"] for r in rows}


def defaults(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """The promoted feed defaults, by name (a handful: only FEED_* ranking settings can be stored)."""
    return conn.execute("SELECT name, value, source, updated_at FROM settings_overrides ORDER BY name").fetchall()


def set_defaults(conn: psycopg.Connection, values: Mapping[str, str], source: str) -> None:
    conn.execute(
        "INSERT INTO settings_overrides (name, value, source) SELECT n, v, %s FROM unnest(%s::text[], %s::text[]) "
        "AS t(n, v) ON CONFLICT (name) DO UPDATE SET value = excluded.value, source = excluded.source, "
        "updated_at = now()",
        (source, list(values), list(values.values())),
    )


def clear_defaults(conn: psycopg.Connection) -> int:
    return conn.execute("DELETE FROM settings_overrides").rowcount
