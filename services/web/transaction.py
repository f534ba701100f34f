"""One transaction per request.

The first call to ``conn()`` in a request takes a pooled connection and opens a transaction; it is
committed before the response leaves (so a 2xx/202 means the data is durable: if the commit fails the
client gets 503, not a success) and rolled back for any 4xx/5xx. Authentication, the handler and any
store calls all share it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import psycopg
from flask import Flask, Response, g

from services.web.problems import RETRY_AFTER_SECONDS, problem_response
from services.web.state import state

log = logging.getLogger(__name__)


def conn() -> psycopg.Connection:
    """This request's connection (opened on first use)."""
    if "db_conn" not in g:
        manager = state().db.connection()
        g.db_conn = manager.__enter__()
        g.db_manager = manager
    return g.db_conn


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this request's transaction has committed (never after a rollback): a task
    queued about a write must not reach a worker before the write is visible."""
    g.setdefault("after_commit", []).append(callback)


def init_app(app: Flask) -> None:
    @app.after_request
    def _commit_or_rollback(response: Response) -> Response:
        connection = g.get("db_conn")
        if connection is None or connection.closed:
            return response
        if response.status_code >= 400:
            with contextlib.suppress(psycopg.Error):
                connection.rollback()
            return response
        try:
            connection.commit()
        except psycopg.Error as exc:
            log.warning("commit failed: %s", exc)
            with contextlib.suppress(psycopg.Error):
                connection.rollback()
            return problem_response(503, "Service Unavailable", "the change could not be stored; retry",
                                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        for callback in g.pop("after_commit", []):
            callback()
        return response

    @app.teardown_request
    def _release(_exc: BaseException | None) -> None:
        manager = g.pop("db_manager", None)
        connection = g.pop("db_conn", None)
        if manager is None:
            return
        # Anything still open here (an unhandled error) is rolled back, never committed.
        with contextlib.suppress(psycopg.Error):
            if not connection.closed:
                connection.rollback()
        with contextlib.suppress(Exception):
            manager.__exit__(None, None, None)
