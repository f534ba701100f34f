"""What every task gets: the settings, this process's database and artifact store, and the means to
queue a follow-up task. One per Celery app (``app.paperfeed``), built by ``workers.app.create_celery``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.alerts.profile_index import HeldProfiles
from services.config import Settings
from services.db import Database
from services.jobs import TaskName
from services.recommender.artifacts import ArtifactStore


@dataclass
class WorkerContext:
    settings: Settings
    db: Database
    artifacts: ArtifactStore
    celery: Any = field(default=None, repr=False)  # the Celery app, to queue follow-up tasks
    # The queue the running task came from (set per task; a prefork process runs one task at a time).
    current_queue: str | None = None
    _channels: dict[str, Any] | None = field(default=None, repr=False)
    _live: Any = field(default=None, repr=False)
    # The instant subscribers' profile vectors, kept by this process between matching runs (empty until
    # the first run that has a paper to match; forked empty into each prefork child).
    held_profiles: HeldProfiles = field(default_factory=HeldProfiles, repr=False)

    def send_task(self, name: TaskName, *, kwargs: dict[str, Any] | None = None,
                  countdown: float | None = None, queue: str | None = None) -> None:
        """Queue task ``name`` (e.g. delivery right after matching found alerts), ``countdown`` seconds on,
        on ``queue`` (default: the app's default queue)."""
        options: dict[str, Any] = {}
        if queue is not None:
            options["queue"] = queue
        if kwargs is not None:
            options["kwargs"] = kwargs
        if countdown is not None:
            options["countdown"] = countdown
        self.celery.send_task(str(name), **options)

    def live_models(self) -> Any:
        """The live index and CF model, loaded in this process on first use (feed precompute)."""
        if self._live is None:
            from services.recommender.serving import LiveModels

            self._live = LiveModels(self.artifacts, refresh_seconds=self.settings.artifact_refresh_seconds,
                                    ef_search=self.settings.hnsw_ef_search)
        return self._live

    def channels(self) -> dict[str, Any]:
        """The alert delivery channels (email, webhook), built on first use in this process."""
        if self._channels is None:
            from services.alerts.channels import build_channels

            self._channels = build_channels(self.settings)
        return self._channels
