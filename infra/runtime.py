"""Resolving where the servers are: configured URLs, or the embedded defaults of the data directory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from infra import watchdog
from infra.embedded import EmbeddedServices
from services.config import SECRET_HINT, Settings, SettingsError


@dataclass
class Runtime:
    """Settings with every URL filled in, and which embedded servers this process started."""

    settings: Settings
    embedded: EmbeddedServices | None = None
    started: list[str] = field(default_factory=list)
    # True when the database is the data directory's embedded one (the demo), not a configured server.
    embedded_database: bool = False

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


def resolve(settings: Settings, *, need_redis: bool = True, generate_secret: bool | None = None) -> Runtime:
    """Fill DATABASE_URL / REDIS_URL / SECRET_KEY from the embedded runtime where they are unset.

    With both URLs set nothing is started. An embedded server already running on the data directory
    (another `paperfeed up`, or one left by an unclean stop) is reused.

    SECRET_KEY is generated into the data directory only for the embedded demo (DATABASE_URL unset) or
    when ``generate_secret`` says so (run-with-services, the test suite). A deployment on its own
    database must bring its own key: several hosts would otherwise sign with different keys, and a
    forgotten variable would silently fall back to a file nobody manages. SettingsError otherwise.
    """
    runtime = Runtime(settings)
    if generate_secret is None:
        generate_secret = settings.database_url is None
    if settings.secret_key is None and not generate_secret:
        raise SettingsError("SECRET_KEY is not set; it is required when DATABASE_URL points at your own "
                            f"database (only the embedded demo makes one up); {SECRET_HINT}")
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
        runtime.embedded_database = True
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
    if runtime.started:
        # Daemons outlive a parent killed outright; the watchdog stops them then (infra/watchdog.py).
        watchdog.spawn(os.getpid(), watchdog.server_pids(embedded.root, runtime.started))
    return runtime
