"""The pool's check before lending a connection: no round trip for a live one, a dead one never lent."""

from __future__ import annotations

import psycopg
import pytest

from services.db import Database, check_idle_connection
from tests.helpers import wait_until


def terminate(admin: psycopg.Connection, pid: int) -> None:
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    wait_until(lambda: not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone(), 10,
               message="backend gone")


def test_a_quiet_connection_is_lent_without_a_query_and_a_terminated_one_is_caught(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn, psycopg.connect(database_url, autocommit=True) as admin:
        conn.execute("SELECT 'last query'")
        check_idle_connection(conn)  # alive and quiet: lent without sending anything
        last = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (conn.info.backend_pid,)).fetchone()
        assert last[0] == "SELECT 'last query'"
        terminate(admin, conn.info.backend_pid)
        with pytest.raises(psycopg.OperationalError):
            check_idle_connection(conn)


def test_the_pool_replaces_a_connection_the_server_ended(database_url):
    db = Database(database_url, min_size=1, max_size=1)
    try:
        with db.connection() as conn:
            pid = conn.info.backend_pid
        with psycopg.connect(database_url, autocommit=True) as admin:
            terminate(admin, pid)
        with db.connection() as conn:  # the dead one is checked, thrown away and a new one lent
            assert conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"] != pid
    finally:
        db.close()
