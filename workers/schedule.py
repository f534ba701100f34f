"""The beat schedule, built from Settings: an interval of 0 leaves the entry out."""

from __future__ import annotations

from typing import Any

from services.config import Settings


def build(settings: Settings) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    if settings.catalogue_stats_every_seconds:
        entries["catalogue-stats"] = {
            "task": "catalogue.stats",
            "schedule": float(settings.catalogue_stats_every_seconds),
        }
    return entries
