"""Task definitions: thin, explicitly named (``services.jobs.TaskName``), ids in and out, safe to run twice.

Each task is a module-level function of the worker's context (and the task's keyword arguments), added to
``TASKS`` by ``@task(name)``; ``register`` wraps every one so that it records itself in ``job_runs`` (keyed
by the Celery task id, so a redelivery reuses the row) and calls one service function for the real work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from infra import threads
from services import events
from services import jobs as job_requests
from services.alerts import digests, matching, outbox, profiles
from services.catalog import stats as catalogue_stats
from services.jobs import TaskName
from services.recommender import feed, feed_cache, pipeline
from services.sources import runner as source_runner
from services.store import jobs
from workers.context import WorkerContext

Work = Callable[..., dict[str, Any]]  # (ctx: WorkerContext, **task_kwargs) -> result
TASKS: dict[TaskName, Work] = {}

# Email/webhook messages one delivery task sends before handing the rest to a fresh task.
DELIVERIES_PER_TASK = 200
# Tasks that train or embed: CPU-heavy for seconds to minutes and never urgent, so they run single-
# threaded (CF_THREADS) and niced (WORKER_TRAINING_NICE) to leave the API its cores.
TRAINING = frozenset({TaskName.EMBED, TaskName.REINDEX, TaskName.RETRAIN_CF})
# One precompute chunk ranks feeds for at most this long; the next run (beat) picks up the rest.
PRECOMPUTE_SECONDS = 240.0
# Users per precompute chunk task: a few seconds of ranking, so chunks spread evenly over the worker
# processes (10,000 users: 40 chunks) and a redelivered chunk repeats little.
PRECOMPUTE_CHUNK_USERS = 250


def task(name: TaskName) -> Callable[[Work], Work]:
    """Add the decorated function to ``TASKS`` as the task ``name``."""

    def add(work: Work) -> Work:
        TASKS[name] = work
        return work

    return add


def register(app: Celery) -> None:
    """Register every task of ``TASKS`` on ``app``, each recorded in job_runs."""
    for name, work in TASKS.items():
        # shared=False: registered on this app only. Celery's default also adds each task to every app
        # created later in the process, where create_celery registers it again: a DuplicateTaskNameWarning.
        app.task(name=str(name), bind=True, shared=False)(_recorded(name, work))


def _recorded(job: TaskName, work: Work) -> Callable[..., dict[str, Any]]:
    """Wrap ``work(ctx, **kwargs)`` so that its run and outcome land in job_runs."""

    def run(self: Task, **kwargs: Any) -> dict[str, Any]:
        ctx = self.app.paperfeed
        ctx.current_queue = (self.request.delivery_info or {}).get("routing_key")
        task_id = self.request.id or f"local-{job}"
        with ctx.db.connection() as conn:
            run_id = jobs.start(conn, job=job, task_id=task_id)
        try:
            if job in TRAINING:
                with threads.training(ctx.settings.cf_threads, ctx.settings.worker_training_nice):
                    result = work(ctx, **kwargs)
            else:
                result = work(ctx, **kwargs)
        except Exception as exc:
            with ctx.db.connection() as conn:
                jobs.finish(conn, run_id, error=f"{type(exc).__name__}: {exc}")
            raise
        with ctx.db.connection() as conn:
            jobs.finish(conn, run_id, result=result)
        return result

    run.__name__ = str(job).replace(".", "_")
    return run


def _deliver_soon(ctx: WorkerContext, result: dict[str, Any], *, when: bool) -> dict[str, Any]:
    if when:
        ctx.send_task(TaskName.DELIVER_ALERTS)
    return result


@task(TaskName.CATALOGUE_STATS)
def catalogue_statistics(ctx: WorkerContext) -> dict[str, Any]:
    return catalogue_stats.compute(ctx.db)


@task(TaskName.EMBED)
def embed(ctx: WorkerContext) -> dict[str, Any]:
    # Writes from now on queue the next run (EMBED_DEBOUNCE_SECONDS); this one takes what is there.
    job_requests.clear_embed_pending(ctx.settings.require("redis_url"))
    embedded = pipeline.embed_missing(ctx.db, ctx.artifacts, ctx.settings)
    if embedded.get("skipped"):  # the running one may have looked before our papers were committed
        ctx.send_task(TaskName.EMBED, countdown=max(1.0, ctx.settings.embed_debounce_seconds))
    # New vectors: decide the new papers' alerts now, before the index is rebuilt (instant alerts
    # need only the vectors), rather than after it or at the next beat.
    if embedded.get("embedded"):
        ctx.send_task(TaskName.MATCH_ALERTS)
    result = pipeline.refresh_index(ctx.db, ctx.artifacts, ctx.settings, embedded)
    if result["index"] != "unchanged":  # stored feeds were ranked on the previous index
        ctx.send_task(TaskName.PRECOMPUTE_FEEDS)
    return result


@task(TaskName.REINDEX)
def reindex(ctx: WorkerContext) -> dict[str, Any]:
    return pipeline.rebuild_index(ctx.db, ctx.artifacts, ctx.settings)


@task(TaskName.TRENDING)
def trending(ctx: WorkerContext) -> dict[str, Any]:
    return pipeline.recompute_trending(ctx.db, ctx.settings)


@task(TaskName.RETRAIN_CF)
def retrain(ctx: WorkerContext) -> dict[str, Any]:
    result = pipeline.retrain_cf(ctx.db, ctx.artifacts, ctx.settings)
    if result.get("published"):  # active users' stored feeds were ranked by the old model
        ctx.send_task(TaskName.PRECOMPUTE_FEEDS)
    return result


@task(TaskName.PRUNE_FEEDS)
def prune_feeds(ctx: WorkerContext) -> dict[str, Any]:
    return feed.prune_snapshots(ctx.db, ctx.settings)


@task(TaskName.PRUNE_EVENTS)
def prune_events(ctx: WorkerContext) -> dict[str, Any]:
    return events.prune_old(ctx.db, ctx.settings)


@task(TaskName.PRECOMPUTE_FEEDS)
def precompute_feeds(ctx: WorkerContext) -> dict[str, Any]:
    """Fan out: the active users who need a feed ranked, in chunks of PRECOMPUTE_CHUNK_USERS, one
    ``feeds.precompute_chunk`` task each, on this task's own queue, so every worker process (of every
    worker) ranks a share."""
    live = _live_models(ctx)
    users = feed_cache.precompute_candidates(ctx.db, ctx.settings, feed.model_version(live))
    chunks = [users[i:i + PRECOMPUTE_CHUNK_USERS] for i in range(0, len(users), PRECOMPUTE_CHUNK_USERS)]
    for chunk in chunks:
        ctx.send_task(TaskName.PRECOMPUTE_CHUNK, kwargs={"users": chunk}, queue=ctx.current_queue)
    return {"candidates": len(users), "chunks": len(chunks)}


@task(TaskName.PRECOMPUTE_CHUNK)
def precompute_chunk(ctx: WorkerContext, users: list[str]) -> dict[str, Any]:
    live = _live_models(ctx)
    return feed_cache.precompute(ctx.db, ctx.settings,
                                 lambda conn, user_id: feed.rank_and_store(conn, live, ctx.settings, user_id),
                                 feed.model_version(live), time_budget_seconds=PRECOMPUTE_SECONDS,
                                 users=users[:PRECOMPUTE_CHUNK_USERS])


def _live_models(ctx: WorkerContext) -> Any:
    live = ctx.live_models()
    with ctx.db.connection() as conn:  # load (or swap to) the live models first
        live.index(conn)
        live.cf(conn)
    return live


@task(TaskName.MATCH_ALERTS)
def match(ctx: WorkerContext) -> dict[str, Any]:
    refreshed = profiles.refresh(ctx.db, ctx.settings)
    result = {"profiles_refreshed": refreshed, **matching.match_new_papers(ctx.db, ctx.settings, held=ctx.held_profiles)}
    return _deliver_soon(ctx, result, when=bool(result["instant_alerts"] or result["follow_alerts"]))


@task(TaskName.COMPOSE_DIGESTS)
def compose_digests(ctx: WorkerContext) -> dict[str, Any]:
    refreshed = profiles.refresh(ctx.db, ctx.settings)
    result = {"profiles_refreshed": refreshed, **digests.compose_due(ctx.db, ctx.settings)}
    return _deliver_soon(ctx, result, when=bool(result["alerts"]))


@task(TaskName.DELIVER_ALERTS)
def deliver(ctx: WorkerContext) -> dict[str, Any]:
    result = outbox.deliver_due(ctx.db, ctx.settings, ctx.channels(), max_deliveries=DELIVERIES_PER_TASK)
    sent = result["delivered"] + result["retrying"] + result["failed"]
    return _deliver_soon(ctx, result, when=sent >= DELIVERIES_PER_TASK)


@task(TaskName.SWEEP_ALERTS)
def sweep(ctx: WorkerContext) -> dict[str, Any]:
    released = outbox.release_stale(ctx.db, ctx.settings)
    with ctx.db.connection() as conn:
        due = outbox.due_count(conn)
    return _deliver_soon(ctx, {"released": released, "due": due}, when=due > 0)


@task(TaskName.POLL_SOURCE)
def poll_source(ctx: WorkerContext, source: str) -> dict[str, Any]:
    spec = next((s for s in ctx.settings.sources if s.name == source), None)
    if spec is None:
        return {"skipped": f"no source {source!r} in SOURCES"}
    backoff = source_runner.Backoff(ctx.settings.source_retry_base_seconds, ctx.settings.source_retry_max_seconds)
    result = source_runner.poll(ctx.db, spec, backoff=backoff)
    if result.changed:
        job_requests.TaskClient(ctx.settings.require("redis_url")).embed_soon(ctx.settings.embed_debounce_seconds)
    # A retry sooner than the next beat tick is scheduled here; a later one is the beat's.
    if result.retry_in_seconds is not None and result.retry_in_seconds < spec.every_seconds:
        ctx.send_task(TaskName.POLL_SOURCE, kwargs={"source": source}, countdown=result.retry_in_seconds + 1)
    return result.as_dict()
