"""Jobs an operator may ask for, by name, and the worker tasks that run them.

The API sends tasks by name through ``TaskClient`` (Celery only, none of the workers' code), records
the request in job_runs first, and the task updates that row when it runs.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from services.errors import NotFound, NotReady
from services.store import jobs as jobs_store

JOB_TASKS = {
    "embed": "ml.embed",
    "reindex": "ml.reindex",
    "retrain": "ml.retrain_cf",
    "trending": "ml.trending",
    "alerts": "alerts.match",
    "digests": "alerts.digests",
    "deliver": "alerts.deliver",
}


class TaskClient:
    """Sends tasks to the broker by name. The Celery app is made on first use, in the process that uses it."""

    def __init__(self, broker_url: str, *, queue: str = "default") -> None:
        self.broker_url = broker_url
        self.queue = queue  # the workers' task_default_queue
        self._app: Any = None

    def send(self, task_name: str, task_id: str) -> None:
        from celery import Celery
        from kombu.exceptions import OperationalError

        if self._app is None:
            self._app = Celery("paperfeed-api", broker=self.broker_url, set_as_current=False)
        try:
            self._app.send_task(task_name, task_id=task_id, queue=self.queue, retry=True,
                                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5})
        except OperationalError as exc:
            raise NotReady(f"the task queue is unreachable: {exc}") from None


def request(conn: psycopg.Connection, client: TaskClient, job: str, *, requested_by: str | None) -> str:
    """Record the job as queued and send its task; returns the job id (= the task id)."""
    task_id = str(uuid.uuid4())
    jobs_store.queue(conn, job=JOB_TASKS[job], task_id=task_id, requested_by=requested_by)
    client.send(JOB_TASKS[job], task_id)
    return task_id


def get(conn: psycopg.Connection, job_id: str) -> dict[str, Any]:
    row = jobs_store.get_by_task(conn, job_id)
    if row is None:
        raise NotFound(f"no job {job_id}")
    return row
