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
