"""The beat schedule, built from Settings: an interval of 0 leaves the entry out."""

from __future__ import annotations

from typing import Any

from services.config import Settings


def build(settings: Settings) -> dict[str, dict[str, Any]]:
    intervals = {
        "catalogue-stats": ("catalogue.stats", settings.catalogue_stats_every_seconds),
        "embed-and-index": ("ml.embed", settings.embed_every_seconds),
        "trending": ("ml.trending", settings.trending_every_seconds),
        "retrain-cf": ("ml.retrain_cf", settings.retrain_every_seconds),
        "prune-feeds": ("feeds.prune", settings.prune_every_seconds),
        "precompute-feeds": ("feeds.precompute", settings.feed_precompute_every_seconds),
        "match-alerts": ("alerts.match", settings.alert_match_every_seconds),
        "sweep-alerts": ("alerts.sweep", settings.alert_sweep_every_seconds),
        "compose-digests": ("alerts.digests", settings.digest_every_seconds),
    }
    entries: dict[str, dict[str, Any]] = {name: {"task": task, "schedule": float(every)}
                                          for name, (task, every) in intervals.items() if every}
    for spec in settings.sources:  # one entry per source, on its own interval
        entries[f"source-{spec.name}"] = {"task": "sources.poll", "schedule": float(spec.every_seconds),
                                          "kwargs": {"source": spec.name}}
    return entries
