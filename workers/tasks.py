"""Task definitions: thin, explicitly named, ids in and out, safe to run twice.

Each task records itself in ``job_runs`` (keyed by the Celery task id, so a redelivery reuses the
row) and calls one service function for the real work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from services.catalog import stats as catalogue_stats
from services.recommender import feed, pipeline
from services.store import jobs


def _recorded(job: str, work: Callable[[Any], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap ``work(ctx)`` so that its run and outcome land in job_runs."""

    def run(self: Task) -> dict[str, Any]:
        ctx = self.app.paperfeed
        task_id = self.request.id or f"local-{job}"
        with ctx.db.connection() as conn:
            run_id = jobs.start(conn, job=job, task_id=task_id)
        try:
            result = work(ctx)
        except Exception as exc:
            with ctx.db.connection() as conn:
                jobs.finish(conn, run_id, error=f"{type(exc).__name__}: {exc}")
            raise
        with ctx.db.connection() as conn:
            jobs.finish(conn, run_id, result=result)
        return result

    run.__name__ = job.replace(".", "_")
    return run


def register(app: Celery) -> None:
    tasks: dict[str, Callable[[Any], dict[str, Any]]] = {
        "catalogue.stats": lambda ctx: catalogue_stats.compute(ctx.db),
        "ml.embed": lambda ctx: pipeline.refresh(ctx.db, ctx.artifacts, ctx.settings),
        "ml.reindex": lambda ctx: pipeline.rebuild_index(ctx.db, ctx.artifacts, ctx.settings),
        "ml.trending": lambda ctx: pipeline.recompute_trending(ctx.db, ctx.settings),
        "ml.retrain_cf": lambda ctx: pipeline.retrain_cf(ctx.db, ctx.artifacts, ctx.settings),
        "feeds.prune": lambda ctx: feed.prune_snapshots(ctx.db, ctx.settings),
    }
    for name, work in tasks.items():
        app.task(name=name, bind=True)(_recorded(name, work))
