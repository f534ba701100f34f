"""The embedded PostgreSQL and Redis on a shared host (audit finding 9): other local accounts can reach
127.0.0.1, so both servers ask for generated passwords kept in a data directory closed to them."""

from __future__ import annotations

import secrets
import shutil
import stat

import psutil
import psycopg
import pytest
import redis

from infra.embedded import EmbeddedServices
from tests.helpers import REPO


@pytest.fixture
def services():
    # Outside pytest's tmp dirs: PostgreSQL runs as its own user when we are root, and must reach it.
    root = REPO / ".paperfeed" / f"creds-{secrets.token_hex(4)}"
    embedded = EmbeddedServices(root)
    yield embedded
    embedded.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_embedded_servers_refuse_connections_without_their_passwords(services):
    pg_url = services.postgres.start()
    redis_url = services.redis.start()
    pg_port, redis_port = services.postgres.running_port(), services.redis.running_port()

    with pytest.raises(psycopg.OperationalError):  # what any other local account would try
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{pg_port}/paperfeed", connect_timeout=5)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1

    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=redis_port, socket_timeout=5).ping()
    assert redis.Redis.from_url(redis_url, socket_timeout=5).ping()

    root = services.root
    assert stat.S_IMODE(root.stat().st_mode) & 0o007 == 0  # nothing for other accounts
    for name in ("postgres.password", "redis.password", "redis.conf"):
        assert stat.S_IMODE((root / name).stat().st_mode) == 0o600, name
    password = services.redis.password()
    redis_pid = int(services.redis.pidfile.read_text())
    assert password not in " ".join(psutil.Process(redis_pid).cmdline())  # not visible in `ps`
