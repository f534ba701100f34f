"""One transaction per request.

The first call to ``conn()`` in a request takes a pooled connection and opens a transaction; it is
committed before the response leaves (so a 2xx/202 means the data is durable: if the commit fails the
client gets 503, not a success) and rolled back for any 4xx/5xx. Authentication, the handler and any
store calls all share it.

Reads that need no transaction use ``read_conn()``. In a view marked ``@reads_first`` it is the same
connection, but until ``conn()`` is first called each statement runs on its own (autocommit) and sees
everything committed before it ran: a request that only reads so (the authentication epoch and a
finished feed page, the commonest request) costs no BEGIN and no COMMIT round trip, and the first
``conn()`` turns the transaction on for the rest (its BEGIN then costs a round trip of its own, which is
why other views keep the BEGIN pipelined with authentication's first read).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import psycopg
from flask import Flask, Response, current_app, g, request

from services.web.problems import RETRY_AFTER_SECONDS, problem_response
from services.web.state import state

log = logging.getLogger(__name__)
READS_FIRST_ATTR = "_paperfeed_reads_first"


def conn() -> psycopg.Connection:
    """This request's connection, in its transaction (opened on first use)."""
    connection = _connection()
    if connection.autocommit:  # only read_conn() has used it so far: idle, so it may switch
        connection.autocommit = False
    return connection


def read_conn() -> psycopg.Connection:
    """This request's connection for a read that needs no transaction: in a ``@reads_first`` view each
    statement on its own (autocommit) until ``conn()`` opens the transaction; otherwise ``conn()``."""
    if "db_conn" not in g:
        connection = _connection()
        if _reads_first():
            connection.autocommit = True
    return g.db_conn


def reads_first(view: Callable) -> Callable:
    """Mark a view whose common case only reads (see the module's docstring)."""
    setattr(view, READS_FIRST_ATTR, True)
    return view


def _reads_first() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, READS_FIRST_ATTR, False))


def _connection() -> psycopg.Connection:
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
        if connection.autocommit:  # only reads_first reads, each committed on its own: nothing to end
            if response.status_code < 400:
                for callback in g.pop("after_commit", []):
                    callback()
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
        # Anything still open here (an unhandled error) is rolled back, never committed; a connection
        # used only for reads goes back to the pool as the pool lends it (autocommit off).
        with contextlib.suppress(psycopg.Error):
            if not connection.closed:
                if connection.autocommit:
                    connection.autocommit = False
                else:
                    connection.rollback()
        with contextlib.suppress(Exception):
            manager.__exit__(None, None, None)
