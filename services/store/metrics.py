"""What /metrics reads from the database at scrape time: small, index-served aggregates only."""

from __future__ import annotations

from typing import Any

import psycopg

# Statuses still in the outbox (served by alerts_open_idx: a few rows, never the delivered history).
OUTBOX_STATUSES = ("pending", "sending", "failed")


def live_models(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """kind, version and age in seconds of every live model version."""
    return conn.execute(
        "SELECT kind, version, extract(epoch FROM now() - coalesce(published_at, created_at))::float AS age "
        "FROM model_versions WHERE is_live ORDER BY kind"
    ).fetchall()


def outbox(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Alerts not yet delivered, by channel and status."""
    return conn.execute(
        "SELECT channel, status, count(*) AS n FROM alerts WHERE status = ANY(%s) AND status <> 'delivered' "
        "GROUP BY channel, status",  # the second condition is alerts_open_idx's predicate, for the planner
        (list(OUTBOX_STATUSES),),
    ).fetchall()


def delivered_recently(conn: psycopg.Connection, *, hours: int = 24) -> list[dict[str, Any]]:
    """Alerts delivered in the last ``hours``, by channel (alerts created in that window)."""
    return conn.execute(
        "SELECT channel, count(*) AS n FROM alerts WHERE status = 'delivered' "
        "AND created_at > now() - make_interval(hours => %s) GROUP BY channel",
        (hours,),
    ).fetchall()
