"""The beat schedule, built from Settings: an interval of 0 leaves the entry out."""

from __future__ import annotations

from typing import Any

from services.config import Settings
from services.jobs import TaskName


def build(settings: Settings) -> dict[str, dict[str, Any]]:
    intervals = {
        "catalogue-stats": (TaskName.CATALOGUE_STATS, settings.catalogue_stats_every_seconds),
        "embed-and-index": (TaskName.EMBED, settings.embed_every_seconds),
        "trending": (TaskName.TRENDING, settings.trending_every_seconds),
        "retrain-cf": (TaskName.RETRAIN_CF, settings.retrain_every_seconds),
        "prune-feeds": (TaskName.PRUNE_FEEDS, settings.prune_every_seconds),
        "prune-events": (TaskName.PRUNE_EVENTS,
                         settings.prune_every_seconds if settings.events_retention_days else 0),
        "precompute-feeds": (TaskName.PRECOMPUTE_FEEDS, settings.feed_precompute_every_seconds),
        "match-alerts": (TaskName.MATCH_ALERTS, settings.alert_match_every_seconds),
        "sweep-alerts": (TaskName.SWEEP_ALERTS, settings.alert_sweep_every_seconds),
        "compose-digests": (TaskName.COMPOSE_DIGESTS, settings.digest_every_seconds),
    }
    entries: dict[str, dict[str, Any]] = {name: {"task": str(task), "schedule": float(every)}
                                          for name, (task, every) in intervals.items() if every}
    for spec in settings.sources:  # one entry per source, on its own interval
        entries[f"source-{spec.name}"] = {"task": str(TaskName.POLL_SOURCE), "schedule": float(spec.every_seconds),
                                          "kwargs": {"source": spec.name}}
    return entries
