"""Task definitions: thin, explicitly named, ids in and out, safe to run twice.

Each task records itself in ``job_runs`` (keyed by the Celery task id, so a redelivery reuses the
row) and calls one service function for the real work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from services import jobs as job_requests
from services.alerts import digests, matching, outbox, profiles
from services.catalog import stats as catalogue_stats
from services.recommender import feed, feed_cache, pipeline
from services.sources import runner as source_runner
from services.store import jobs


def _recorded(job: str, work: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap ``work(ctx, **kwargs)`` so that its run and outcome land in job_runs."""

    def run(self: Task, **kwargs: Any) -> dict[str, Any]:
        ctx = self.app.paperfeed
        task_id = self.request.id or f"local-{job}"
        with ctx.db.connection() as conn:
            run_id = jobs.start(conn, job=job, task_id=task_id)
        try:
            result = work(ctx, **kwargs)
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
SOURCE_POLL_TASK = "sources.poll"


def register(app: Celery) -> None:
    def deliver_soon(result: dict[str, Any], *, when: bool) -> dict[str, Any]:
        if when:
            app.send_task("alerts.deliver")
        return result

    def embed(ctx) -> dict[str, Any]:
        # Writes from now on queue the next run (EMBED_DEBOUNCE_SECONDS); this one takes what is there.
        job_requests.clear_embed_pending(ctx.settings.require("redis_url"))
        embedded = pipeline.embed_missing(ctx.db, ctx.artifacts, ctx.settings)
        if embedded.get("skipped"):  # the running one may have looked before our papers were committed
            app.send_task(job_requests.EMBED_TASK, countdown=max(1.0, ctx.settings.embed_debounce_seconds))
        # New vectors: decide the new papers' alerts now, before the index is rebuilt (instant alerts
        # need only the vectors), rather than after it or at the next beat.
        if embedded.get("embedded"):
            app.send_task("alerts.match")
        result = pipeline.refresh_index(ctx.db, ctx.artifacts, ctx.settings, embedded)
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

    def poll_source(ctx, source: str) -> dict[str, Any]:
        spec = next((s for s in ctx.settings.sources if s.name == source), None)
        if spec is None:
            return {"skipped": f"no source {source!r} in SOURCES"}
        backoff = source_runner.Backoff(ctx.settings.source_retry_base_seconds, ctx.settings.source_retry_max_seconds)
        result = source_runner.poll(ctx.db, spec, backoff=backoff)
        if result.changed:
            job_requests.TaskClient(ctx.settings.require("redis_url")).embed_soon(ctx.settings.embed_debounce_seconds)
        # A retry sooner than the next beat tick is scheduled here; a later one is the beat's.
        if result.retry_in_seconds is not None and result.retry_in_seconds < spec.every_seconds:
            app.send_task(SOURCE_POLL_TASK, kwargs={"source": source}, countdown=result.retry_in_seconds + 1)
        return result.as_dict()

    tasks: dict[str, Callable[..., dict[str, Any]]] = {
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
        SOURCE_POLL_TASK: poll_source,
    }
    for name, work in tasks.items():
        app.task(name=name, bind=True)(_recorded(name, work))
