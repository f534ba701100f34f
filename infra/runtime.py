"""Resolving where the servers are: configured URLs, or the embedded defaults of the data directory."""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.embedded import EmbeddedServices
from services.config import Settings


@dataclass
class Runtime:
    """Settings with every URL filled in, and which embedded servers this process started."""

    settings: Settings
    embedded: EmbeddedServices | None = None
    started: list[str] = field(default_factory=list)

    def stop_started(self) -> None:
        """Stop the embedded servers that this process started (not ones it found running)."""
        if self.embedded is None:
            return
        if "redis" in self.started:
            self.embedded.redis.stop()
        if "postgres" in self.started:
            self.embedded.postgres.stop()
        self.started.clear()

    def stop_all_embedded(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.started.clear()


def resolve(settings: Settings, *, need_redis: bool = True) -> Runtime:
    """Fill DATABASE_URL / REDIS_URL / SECRET_KEY from the embedded runtime where they are unset.

    With both URLs set nothing is started. An embedded server already running on the data directory
    (another `paperfeed up`, or one left by an unclean stop) is reused.
    """
    runtime = Runtime(settings)
    missing_db = settings.database_url is None
    missing_redis = need_redis and settings.redis_url is None
    if not (missing_db or missing_redis or settings.secret_key is None):
        return runtime
    embedded = EmbeddedServices(settings.data_dir)
    runtime.embedded = embedded
    changes = {}
    if settings.secret_key is None:
        changes["secret_key"] = embedded.secret_key()
    if missing_db:
        was_running = embedded.postgres.running_port() is not None
        changes["database_url"] = embedded.postgres.start()
        if not was_running:
            runtime.started.append("postgres")
    if missing_redis:
        was_running = embedded.redis.running_port() is not None
        changes["redis_url"] = embedded.redis.start()
        if not was_running:
            runtime.started.append("redis")
    runtime.settings = settings.replace(**changes)
    return runtime
