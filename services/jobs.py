"""Jobs an operator may ask for, by name, and the worker tasks that run them.

The API sends tasks by name (``TaskName``) through ``TaskClient`` (Celery only, none of the workers' code), records
the request in job_runs first, and the task updates that row when it runs.
"""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum
from typing import Any

import psycopg

from services import telemetry
from services.errors import NotFound, NotReady
from services.store import jobs as jobs_store

log = logging.getLogger(__name__)

# Set (with an expiry) while an embedding task is queued: writes in the meantime join its batch.
EMBED_PENDING_KEY = "paperfeed:embed:pending"


class TaskName(StrEnum):
    """Every worker task, by the name the broker carries. workers/tasks.py registers one function per
    name (a unit test checks that every scheduled and every operator job names a registered task)."""

    CATALOGUE_STATS = "catalogue.stats"
    EMBED = "ml.embed"
    REINDEX = "ml.reindex"
    TRENDING = "ml.trending"
    RETRAIN_CF = "ml.retrain_cf"
    PRUNE_FEEDS = "feeds.prune"
    PRUNE_EVENTS = "events.prune"
    PRECOMPUTE_FEEDS = "feeds.precompute"
    PRECOMPUTE_CHUNK = "feeds.precompute_chunk"
    MATCH_ALERTS = "alerts.match"
    COMPOSE_DIGESTS = "alerts.digests"
    DELIVER_ALERTS = "alerts.deliver"
    SWEEP_ALERTS = "alerts.sweep"
    POLL_SOURCE = "sources.poll"


# The jobs an operator may ask for (POST /v1/admin/jobs, the dashboard), by the name they use.
JOB_TASKS = {
    "embed": TaskName.EMBED,
    "reindex": TaskName.REINDEX,
    "retrain": TaskName.RETRAIN_CF,
    "trending": TaskName.TRENDING,
    "alerts": TaskName.MATCH_ALERTS,
    "digests": TaskName.COMPOSE_DIGESTS,
    "deliver": TaskName.DELIVER_ALERTS,
}


class TaskClient:
    """Sends tasks to the broker by name. The Celery app is made on first use, in the process that uses it."""

    def __init__(self, broker_url: str, *, queue: str = "default") -> None:
        self.broker_url = broker_url
        self.queue = queue  # the workers' task_default_queue
        self._app: Any = None

    def embed_soon(self, debounce_seconds: float) -> bool:
        """Queue one embedding task ``debounce_seconds`` from now unless one is already queued (then this
        write joins it). The task clears the mark as it starts, so a write after that queues the next
        one. Never raises: a broker that is down only delays the papers to the embedding beat."""
        import redis

        try:
            client = redis.Redis.from_url(self.broker_url, socket_timeout=2)
            try:
                if not client.set(EMBED_PENDING_KEY, "1", nx=True, ex=int(debounce_seconds) + 120):
                    return False
            finally:
                client.close()
            self._celery().send_task(str(TaskName.EMBED), countdown=debounce_seconds, queue=self.queue, retry=False,
                                     headers=telemetry.task_headers())
        except Exception as exc:  # noqa: BLE001 - redis and kombu raise many types; all mean "not now"
            log.warning("embedding not queued (the beat will embed): %s", exc)
            return False
        return True

    def _celery(self) -> Any:
        from celery import Celery

        if self._app is None:
            self._app = Celery("paperfeed-api", broker=self.broker_url, set_as_current=False)
        return self._app

    def send(self, task_name: str, task_id: str) -> None:
        from kombu.exceptions import OperationalError

        try:
            self._celery().send_task(str(task_name), task_id=task_id, queue=self.queue, retry=True,
                                     retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
                                     headers=telemetry.task_headers())
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


def clear_embed_pending(broker_url: str) -> None:
    """Called by the embedding task as it starts: writes from now on queue a new task."""
    import redis

    client = redis.Redis.from_url(broker_url, socket_timeout=2)
    try:
        client.delete(EMBED_PENDING_KEY)
    except redis.RedisError as exc:  # the mark expires by itself
        log.warning("embed mark not cleared: %s", exc)
    finally:
        client.close()
