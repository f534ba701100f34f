"""Fixtures of the fault tests: settings for real processes, a catalogue, and private servers.

Tests that stop PostgreSQL or Redis use servers of their own (infra/embedded.py, under the test's tmp
dir, on free ports), never the shared ones other suites and agents are using.
"""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra import migrate
from infra.cli import DEMO_CATALOGUE
from infra.embedded import EmbeddedPostgres, EmbeddedRedis
from services import keys
from services.catalog.importer import import_lines
from services.config import Settings
from services.db import Database


@pytest.fixture
def fault_settings(settings: Settings, tmp_path) -> Settings:
    """The session's servers with this test's own artifacts and data dir, short database waits (a
    request gives up after 2 s and answers 503) and rate limits no test load reaches."""
    return settings.replace(artifact_dir=tmp_path / "artifacts", data_dir=tmp_path / "data",
                            artifact_refresh_seconds=0.2, db_timeout_seconds=2.0, api_workers=2, api_threads=4,
                            rate_limit_key="100000/minute", log_level="INFO")


def load_catalogue(db: Database, n: int) -> list[dict]:
    """The first ``n`` demo papers, stored; returns them as dicts."""
    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        lines = list(itertools.islice(fh, n))
    assert import_lines(db, lines).counts.created == n
    return [json.loads(line) for line in lines]


@pytest.fixture
def catalogue(clean_db: Database) -> list[dict]:
    return load_catalogue(clean_db, 200)


def post_reads(client, headers: dict[str, dict[str, str]], paper_ids: list[str], *, users: int,
               per_user: int) -> None:
    """``users`` readers reading ``per_user`` papers each, through the API (enough for CF to train on)."""
    events = [{"user_id": f"r{u}", "paper_id": paper_ids[(u * 7 + k * 13) % len(paper_ids)], "type": "read"}
              for u in range(users) for k in range(per_user)]
    for start in range(0, len(events), 1000):
        response = client.post("/v1/events", json={"events": events[start:start + 1000]}, headers=headers["write"])
        assert response.status_code == 202, response.get_json()


@dataclass
class PrivatePostgres:
    server: EmbeddedPostgres
    url: str
    port: int

    def restart_later(self) -> None:
        """Start again on the same port (clients keep their URL)."""
        self.server.start(port=self.port)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL of this test's own, migrated, on a free port.

    Its data lives outside pytest's tmp dirs: as root the server runs as another user, which must
    traverse the parent folders, and any pytest session starting meanwhile resets
    /tmp/pytest-of-root to 0700 (so a restart there would fail with "Permission denied")."""
    root = Path(tempfile.mkdtemp(prefix="paperfeed-faults-pg-"))
    root.chmod(0o755)
    server = EmbeddedPostgres(root)
    try:
        url = server.start()
        migrate.upgrade(url)
        yield PrivatePostgres(server, url, int(url.rsplit(":", 1)[1].split("/")[0]))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class PrivateRedis:
    server: EmbeddedRedis
    url: str
    port: int


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    try:
        yield PrivateRedis(server, url, int(url.rsplit(":", 1)[1].split("/")[0]))
    finally:
        server.stop()


def write_key(url: str) -> dict[str, str]:
    """Authorization headers of a new write key in the database at ``url``."""
    db = Database(url, min_size=0, max_size=1)
    try:
        with db.connection() as conn:
            return {"Authorization": f"Bearer {keys.create(conn, name='faults', scopes=['write'])}"}
    finally:
        db.close()
