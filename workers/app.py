"""The Celery application factory.

``create_celery(settings)`` builds an app with its configuration and beat schedule from Settings and
registers the tasks. Each worker process gets its own database pool, opened lazily after the fork
(``Database`` reopens when it sees a new pid). Nothing here runs at import.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging

from services import logs, telemetry
from services.config import Settings
from services.db import Database
from services.recommender.artifacts import open_store
from workers import schedule, tasks
from workers.context import WorkerContext


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    if settings.log_format == logs.JSON:
        def json_logging(**_: Any) -> None:
            # Connected, this replaces Celery's own logging set-up in the worker and beat.
            logs.configure(settings.log_level, settings.log_format,
                           "[%(asctime)s: %(levelname)s/%(processName)s] %(message)s")

        setup_logging.connect(json_logging, weak=False)
    telemetry.instrument_celery(settings)  # only with OTEL_EXPORTER_OTLP_ENDPOINT
    app = Celery("paperfeed", set_as_current=False)
    app.conf.update(
        broker_url=settings.require("redis_url"),
        broker_connection_retry_on_startup=True,
        # Results and history live in PostgreSQL (job_runs); the broker only carries work.
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        # A task is acknowledged only after it finished, and requeued if its process dies, so every
        # task must be safe to run twice.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Redis redelivers an unacknowledged task after this long; longer than any task may run.
        broker_transport_options={"visibility_timeout": 3600},
        worker_concurrency=settings.worker_concurrency,
        worker_hijack_root_logger=False,
        beat_schedule=schedule.build(settings),
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        task_default_queue="default",
    )
    db = Database(settings.require("database_url"), min_size=0, max_size=settings.db_pool_max,
                  timeout=settings.db_timeout_seconds)
    app.paperfeed = WorkerContext(settings=settings, db=db, artifacts=open_store(settings, db), celery=app)
    tasks.register(app)
    return app
