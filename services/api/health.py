"""Liveness and readiness probes (no auth)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg
from flask_smorest import Blueprint

from schemas.health import Health, Readiness
from services.db import Database, DatabaseUnavailable
from services.recommender.serving import LiveModels
from services.store import meta, papers
from services.store.meta import SCHEMA_REVISION
from services.web.state import state

log = logging.getLogger(__name__)

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
    """200 when every dependency is usable, 503 naming what is not. ``warnings`` name what is degraded
    but still serving (for example a newer artifact that was refused while the previous one serves).
    Public, so statuses only: error texts, paths and process ids go to the log, not to the answer."""
    shared = state()
    readiness = ReadinessChecks(shared.db, SCHEMA_REVISION, shared.models)
    checks = readiness.check()
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks,
            "serving": shared.models.versions(), "instance": shared.instance}
    if readiness.warnings():
        body["warnings"] = readiness.warnings()
    return body, 200 if ready else 503


class ReadinessChecks:
    """The checks behind /readyz: name → callable returning "ok" or what is wrong."""

    def __init__(self, db: Database, expected_revision: str | None, live_models: LiveModels) -> None:
        self._db = db
        self._expected_revision = expected_revision
        self._live = live_models
        self._checks: dict[str, Callable[[], str]] = {"database": self._database, "index": self._index}

    def _database(self) -> str:
        try:
            with self._db.connection() as conn:
                revision = meta.schema_revision(conn)
        except DatabaseUnavailable as exc:
            log.warning("readiness: database unreachable: %s", exc)
            return "unreachable"
        if self._expected_revision and revision != self._expected_revision:
            log.warning("readiness: schema at %s, expected %s", revision, self._expected_revision)
            return "schema outdated: run `paperfeed migrate`"
        return "ok"

    def _index(self) -> str:
        try:
            with self._db.connection() as conn:
                if self._live.index(conn) is not None:
                    return "ok"
                if papers.count(conn) == 0:
                    return "ok"  # nothing to index yet: an empty catalogue is a ready one
        except (DatabaseUnavailable, psycopg.Error) as exc:
            log.warning("readiness: index check failed: %s", exc)
            return "unknown"
        return self._live.problems.get("index", "no content index published yet (the worker builds it)")


    def check(self) -> dict[str, str]:
        """Run the checks in order; once the database is unreachable the rest are not attempted (each
        would wait out the connect timeout again, and a probe must answer quickly)."""
        results: dict[str, str] = {}
        for name, check in self._checks.items():
            if results.get("database", "ok") != "ok":
                results[name] = "unknown"
            else:
                results[name] = check()
        return results

    def warnings(self) -> dict[str, str]:
        return dict(self._live.problems)
