"""job_runs: one row per worker job, keyed by the Celery task id so a redelivered task reuses its row."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.store import keyset


def start(conn: psycopg.Connection, *, job: str, task_id: str, params: dict[str, Any] | None = None) -> int:
    """Mark the run of ``task_id`` as running (creating its row if the job was not queued through us)."""
    row = conn.execute(
        """
        INSERT INTO job_runs (job, task_id, status, params, started_at)
        VALUES (%s, %s, 'running', %s, now())
        ON CONFLICT (task_id) DO UPDATE
            SET status = 'running', started_at = now(), finished_at = NULL, error = NULL
        RETURNING id
        """,
        (job, task_id, Jsonb(params or {})),
    ).fetchone()
    return row["id"]


def finish(conn: psycopg.Connection, run_id: int, *, result: dict[str, Any] | None = None,
           error: str | None = None) -> None:
    conn.execute(
        "UPDATE job_runs SET status = %s, result = %s, error = %s, finished_at = now() WHERE id = %s",
        ("failed" if error else "succeeded", Jsonb(result) if result is not None else None, error, run_id),
    )


def get_by_task(conn: psycopg.Connection, task_id: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM job_runs WHERE task_id = %s", (task_id,)).fetchone()


def queue(conn: psycopg.Connection, *, job: str, task_id: str, requested_by: str | None) -> None:
    """Record a job asked for by an operator before its task is sent."""
    conn.execute("INSERT INTO job_runs (job, task_id, status, requested_by) VALUES (%s, %s, 'queued', %s)",
                 (job, task_id, requested_by))


def listing(conn: psycopg.Connection, *, job: str | None, status: str | None, q: str | None = None,
         after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """job_runs newest first with their duration in seconds; ``after`` = (created_at, id). ``q`` matches
    the job id exactly, or part of who asked or of the error."""
    where, params = [], {}
    if q:
        where.append("(task_id = %(q)s OR requested_by ILIKE %(like)s OR error ILIKE %(like)s)")
        params.update(q=q, like=f"%{q}%")
    if job:
        where.append("job = %(job)s")
        params["job"] = job
    if status:
        where.append("status = %(status)s")
        params["status"] = status
    return keyset.newest_first(
        conn, "SELECT id, job, task_id, status, result, error, requested_by, created_at, started_at, finished_at, "
              "extract(epoch FROM finished_at - started_at) AS seconds FROM job_runs",
        where, params, cursor=after, limit=limit)


def names(conn: psycopg.Connection) -> list[str]:
    return [r["job"] for r in conn.execute("SELECT DISTINCT job FROM job_runs ORDER BY job")]


def counts(conn: psycopg.Connection, days: int) -> dict[str, int]:
    """Job runs of the last ``days`` days by status."""
    rows = conn.execute(
        "SELECT status, count(*) AS n FROM job_runs WHERE created_at >= now() - make_interval(days => %s) "
        "GROUP BY status", (days,),
    )
    return {r["status"]: r["n"] for r in rows}
