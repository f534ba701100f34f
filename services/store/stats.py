"""Counts and rates for operators (GET /v1/admin/stats, the dashboard)."""

from __future__ import annotations

from typing import Any

import psycopg


def overview(conn: psycopg.Connection) -> dict[str, Any]:
    row = conn.execute(
        """
        SELECT (SELECT count(*) FROM papers WHERE deleted_at IS NULL) AS papers,
               (SELECT count(*) FROM users) AS users,
               (SELECT count(*) FROM events) AS events,
               (SELECT count(*) FROM events WHERE received_at > now() - interval '1 day') AS events_last_24h,
               (SELECT count(DISTINCT user_id) FROM events WHERE received_at > now() - interval '1 day')
                   AS active_users_last_24h,
               (SELECT count(DISTINCT user_id) FROM events WHERE received_at > now() - interval '7 days')
                   AS active_users_last_7d,
               (SELECT count(*) FROM stars WHERE starred) AS stars,
               (SELECT count(*) FROM feeds WHERE created_at > now() - interval '1 day') AS feeds_last_24h
        """
    ).fetchone()
    live = conn.execute(
        "SELECT kind, version, extract(epoch FROM now() - published_at)::bigint AS age_seconds "
        "FROM model_versions WHERE is_live"
    ).fetchall()
    return {**row, "live_models": {r["kind"]: {"version": r["version"], "age_seconds": r["age_seconds"]}
                                   for r in live}}


# Calendar days in UTC: every series has one row per day of the period, zeros included, so charts of
# different series line up.
_DAILY = """
WITH days AS (
    SELECT generate_series(current_date - (%(days)s - 1), current_date, interval '1 day')::date AS day
),
ev AS (
    SELECT (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS events,
           count(DISTINCT user_id) AS active_users,
           count(*) FILTER (WHERE type = 'star') AS stars,
           count(*) FILTER (WHERE type = 'read') AS reads,
           count(*) FILTER (WHERE type = 'click') AS clicks
    FROM events WHERE received_at >= %(since)s GROUP BY 1
),
fd AS (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS feeds, coalesce(sum(served), 0) AS impressions
    FROM feeds WHERE created_at >= %(since)s GROUP BY 1
),
us AS (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS new_users
    FROM users WHERE created_at >= %(since)s GROUP BY 1
),
jb AS (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) FILTER (WHERE status = 'failed') AS failed_jobs
    FROM job_runs WHERE created_at >= %(since)s GROUP BY 1
)
SELECT d.day, coalesce(ev.events, 0) AS events, coalesce(ev.active_users, 0) AS active_users,
       coalesce(ev.stars, 0) AS stars, coalesce(ev.reads, 0) AS reads, coalesce(ev.clicks, 0) AS clicks,
       coalesce(fd.feeds, 0) AS feeds, coalesce(fd.impressions, 0) AS impressions,
       coalesce(us.new_users, 0) AS new_users, coalesce(jb.failed_jobs, 0) AS failed_jobs
FROM days d LEFT JOIN ev USING (day) LEFT JOIN fd USING (day) LEFT JOIN us USING (day) LEFT JOIN jb USING (day)
ORDER BY d.day
"""


def daily(conn: psycopg.Connection, days: int) -> list[dict[str, Any]]:
    """One row per UTC day of the last ``days`` days (today included), oldest first."""
    since = conn.execute("SELECT (current_date - (%s - 1))::timestamp AT TIME ZONE 'UTC' AS t",
                         (days,)).fetchone()["t"]
    return conn.execute(_DAILY, {"days": days, "since": since}).fetchall()


def engagement(conn: psycopg.Connection, hours: float) -> dict[str, Any]:
    """Impressions of the feeds ranked in the last ``hours`` (items served) and the events credited to
    them through ``context.feed_id``: distinct (user, paper) clicks and stars. An event is credited only
    to a feed of its own user (a feed id is no secret: anyone could name another user's). Feeds are pruned after
    FEED_RETENTION_HOURS, so ``hours`` must not exceed it or older impressions are missing."""
    return conn.execute(
        """
        WITH recent AS (
            SELECT id::text AS id, user_id, served FROM feeds
            WHERE created_at >= now() - make_interval(secs => %(s)s)
        ),
        credited AS (
            SELECT e.type, e.user_id, e.paper_id FROM events e JOIN recent r ON r.id = e.context->>'feed_id' AND r.user_id = e.user_id
            WHERE e.received_at >= now() - make_interval(secs => %(s)s) AND e.context ? 'feed_id'
        )
        SELECT (SELECT count(*) FROM recent) AS feeds,
               (SELECT coalesce(sum(served), 0) FROM recent) AS impressions,
               (SELECT count(DISTINCT (user_id, paper_id)) FROM credited WHERE type = 'click') AS clicks,
               (SELECT count(DISTINCT (user_id, paper_id)) FROM credited WHERE type = 'star') AS stars,
               (SELECT count(DISTINCT (user_id, paper_id)) FROM credited WHERE type = 'read') AS reads
        """,
        {"s": hours * 3600},
    ).fetchone()
