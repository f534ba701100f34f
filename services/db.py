"""PostgreSQL connection pool lifecycle.

A ``Database`` is created by a factory but opens no connection until ``open()`` is called; gunicorn
workers and Celery worker processes call it after fork (a pool shared across a fork hands the same socket
to two processes). ``connection()`` yields one connection inside one transaction: committed when the
block ends normally, rolled back when it raises. Store functions take that connection as their first
argument and never commit themselves.
"""

from __future__ import annotations

import logging
import os
import select
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL could not be reached in time; the API answers 503 with Retry-After."""


def check_idle_connection(conn: psycopg.Connection) -> None:
    """The pool's check before lending ``conn``: raises if it is dead, without a round trip when it looks
    alive. An idle connection's socket has nothing to read unless the server sent something, and a
    server that ends the session (restart, pg_terminate_backend, idle timeout) sends its reason and
    closes the socket; so a readable socket (or a connection not in a good state) gets the full check,
    an empty query, and a quiet one is lent at once (the check used to cost every request a round trip)."""
    if conn.closed or conn.pgconn.status != psycopg.pq.ConnStatus.OK:
        ConnectionPool.check_connection(conn)  # raises for a closed or broken connection
        return
    poller = select.poll()  # not select.select: it fails for descriptors past 1,024
    poller.register(conn.fileno(), select.POLLIN)
    if poller.poll(0):  # readable, hung up or in error
        ConnectionPool.check_connection(conn)


class Database:
    """A lazily opened psycopg 3 pool, one per process."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8, timeout: float = 5.0) -> None:
        self.url = url
        self.min_size = min_size
        self.max_size = max_size
        self.timeout = timeout
        self._pool: ConnectionPool | None = None
        self._pid: int | None = None

    def open(self) -> None:
        """Open the pool in this process. Safe to call again; reopens after a fork."""
        if self._pool is not None and self._pid == os.getpid():
            return
        self._pool = ConnectionPool(
            self.url,
            min_size=self.min_size,
            max_size=self.max_size,
            timeout=self.timeout,
            kwargs={"row_factory": dict_row, "connect_timeout": max(1, int(self.timeout))},
            # Connections die when PostgreSQL restarts; check before handing one out.
            check=check_idle_connection,
            open=False,
            name="paperfeed",
        )
        # wait=False: a process must start even while the database is down; requests then get 503.
        self._pool.open(wait=False)
        self._pid = os.getpid()

    def close(self) -> None:
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        self._pool = None
        self._pid = None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """One connection, one transaction. Raises DatabaseUnavailable if none can be had in time."""
        self.open()
        assert self._pool is not None  # nosec B101  # narrows a type for the checker; callers guarantee it
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise DatabaseUnavailable(f"no database connection within {self.timeout:g}s") from exc
        except psycopg.OperationalError as exc:
            if conn_is_broken(exc):
                raise DatabaseUnavailable(str(exc).strip().splitlines()[0]) from exc
            raise

    @contextmanager
    def advisory_lock(self, name: str) -> Iterator[bool]:
        """Try to take a session-level lock named ``name`` for the block; yields whether it was taken.

        For jobs that span many transactions (embedding, index builds): a second runner sees False
        and skips instead of building the same artifact twice. Released when the block ends, and by
        PostgreSQL itself if the process dies.
        """
        with self.connection() as conn:
            taken = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s)) AS ok", (name,)).fetchone()["ok"]
            conn.commit()
            try:
                yield taken
            finally:
                if taken:
                    conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))

    def ping(self) -> None:
        """Raise DatabaseUnavailable unless a trivial query succeeds."""
        with self.connection() as conn:
            conn.execute("SELECT 1")


def conn_is_broken(exc: psycopg.OperationalError) -> bool:
    """True for errors that mean the server is gone rather than that the query was wrong."""
    sqlstate = getattr(exc, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate.startswith("57P")


def connect_once(url: str, *, timeout: float = 5.0) -> psycopg.Connection:
    """A single autocommit-off connection outside any pool, for CLI commands that run once."""
    try:
        return psycopg.connect(url, row_factory=dict_row, connect_timeout=max(1, int(timeout)))
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect to the database: {str(exc).strip().splitlines()[0]}") from exc
