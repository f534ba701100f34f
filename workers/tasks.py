"""Task definitions: thin, explicitly named, ids in and out, safe to run twice.

Each task records itself in ``job_runs`` (keyed by the Celery task id, so a redelivery reuses the
row) and calls one service function for the real work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from services.alerts import digests, matching, outbox, profiles
from services.catalog import stats as catalogue_stats
from services.recommender import feed, feed_cache, pipeline
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


# Email/webhook messages one delivery task sends before handing the rest to a fresh task.
DELIVERIES_PER_TASK = 200
# One precompute run ranks feeds for at most this long; the next run (beat) continues.
PRECOMPUTE_SECONDS = 240.0


def register(app: Celery) -> None:
    def deliver_soon(result: dict[str, Any], *, when: bool) -> dict[str, Any]:
        if when:
            app.send_task("alerts.deliver")
        return result

    def embed(ctx) -> dict[str, Any]:
        result = pipeline.refresh(ctx.db, ctx.artifacts, ctx.settings)
        # New vectors: decide the new papers' alerts now rather than at the next beat.
        if result["embed"].get("embedded"):
            app.send_task("alerts.match")
        if result["index"] != "unchanged":  # stored feeds were ranked on the previous index
            app.send_task("feeds.precompute")
        return result

    def precompute_feeds(ctx) -> dict[str, Any]:
        live = ctx.live_models()
        with ctx.db.connection() as conn:  # load (or swap to) the live models first
            live.index(conn)
            live.cf(conn)
        return feed_cache.precompute(ctx.db, ctx.settings,
                                     lambda conn, user_id: feed.rank_and_store(conn, live, ctx.settings, user_id),
                                     feed.model_version(live), time_budget_seconds=PRECOMPUTE_SECONDS)

    def retrain(ctx) -> dict[str, Any]:
        result = pipeline.retrain_cf(ctx.db, ctx.artifacts, ctx.settings)
        if result.get("published"):  # active users' stored feeds were ranked by the old model
            app.send_task("feeds.precompute")
        return result

    def match(ctx) -> dict[str, Any]:
        refreshed = profiles.refresh(ctx.db, ctx.settings)
        result = {"profiles_refreshed": refreshed, **matching.match_new_papers(ctx.db, ctx.settings)}
        return deliver_soon(result, when=bool(result["instant_alerts"] or result["follow_alerts"]))

    def compose_digests(ctx) -> dict[str, Any]:
        refreshed = profiles.refresh(ctx.db, ctx.settings)
        result = {"profiles_refreshed": refreshed, **digests.compose_due(ctx.db, ctx.settings)}
        return deliver_soon(result, when=bool(result["alerts"]))

    def deliver(ctx) -> dict[str, Any]:
        result = outbox.deliver_due(ctx.db, ctx.settings, ctx.channels(), max_deliveries=DELIVERIES_PER_TASK)
        sent = result["delivered"] + result["retrying"] + result["failed"]
        return deliver_soon(result, when=sent >= DELIVERIES_PER_TASK)

    def sweep(ctx) -> dict[str, Any]:
        released = outbox.release_stale(ctx.db, ctx.settings)
        with ctx.db.connection() as conn:
            due = outbox.due_count(conn)
        return deliver_soon({"released": released, "due": due}, when=due > 0)

    tasks: dict[str, Callable[[Any], dict[str, Any]]] = {
        "catalogue.stats": lambda ctx: catalogue_stats.compute(ctx.db),
        "ml.embed": embed,
        "ml.reindex": lambda ctx: pipeline.rebuild_index(ctx.db, ctx.artifacts, ctx.settings),
        "ml.trending": lambda ctx: pipeline.recompute_trending(ctx.db, ctx.settings),
        "ml.retrain_cf": retrain,
        "feeds.prune": lambda ctx: feed.prune_snapshots(ctx.db, ctx.settings),
        "feeds.precompute": precompute_feeds,
        "alerts.match": match,
        "alerts.digests": compose_digests,
        "alerts.deliver": deliver,
        "alerts.sweep": sweep,
    }
    for name, work in tasks.items():
        app.task(name=name, bind=True)(_recorded(name, work))
