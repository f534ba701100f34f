"""Liveness and readiness probes (no auth)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_smorest import Blueprint

from schemas.health import Health, Readiness
from services.db import Database, DatabaseUnavailable
from services.store import meta

blp = Blueprint("health", __name__, description="Liveness and readiness (no authentication)")


@blp.route("/healthz")
@blp.response(200, Health)
def healthz():
    """200 while the process is up; touches nothing else."""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, Readiness)
@blp.alt_response(503, schema=Readiness, description="What is missing")
def readyz():
    """200 when every dependency is usable, 503 naming what is not."""
    checks = current_app.extensions["paperfeed.readiness"].check()
    ready = all(value == "ok" for value in checks.values())
    return {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503


class ReadinessChecks:
    """The checks behind /readyz: name → callable returning "ok" or what is wrong.

    Later capabilities (model, index) register theirs with ``add``.
    """

    def __init__(self, db: Database, expected_revision: str | None) -> None:
        self._db = db
        self._expected_revision = expected_revision
        self._checks: dict[str, Callable[[], str]] = {"database": self._database}

    def add(self, name: str, check: Callable[[], str]) -> None:
        self._checks[name] = check

    def _database(self) -> str:
        try:
            with self._db.connection() as conn:
                revision = meta.schema_revision(conn)
        except DatabaseUnavailable as exc:
            return f"unreachable: {exc}"
        if self._expected_revision and revision != self._expected_revision:
            return f"schema at {revision or 'nothing'}, expected {self._expected_revision}: run `paperfeed migrate`"
        return "ok"

    def check(self) -> dict[str, str]:
        return {name: check() for name, check in self._checks.items()}
