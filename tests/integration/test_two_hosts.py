"""Two API hosts and a worker host that share only PostgreSQL and Redis (ARTIFACT_URL=postgresql), each
with a local artifact folder of its own: every host serves the version the worker published, and a
rollback reaches both, without any shared filesystem."""

from __future__ import annotations

import time

import pytest

from services import keys
from services.store import models
from tests.faults.conftest import load_catalogue
from tests.faults.processes import api_server, celery_worker
from tests.helpers import wait_until

pytestmark = pytest.mark.slow
REFRESH_SECONDS = 0.5


def _serving(api, kind: str) -> str | None:
    return (api.call("GET", "/readyz").json().get("serving") or {}).get(kind)


def _live(db, kind: str) -> dict:
    with db.connection() as conn:
        return models.live(conn, kind)


def test_two_api_hosts_follow_the_worker_through_the_shared_store(settings, clean_db, tmp_path):
    load_catalogue(clean_db, 200)
    with clean_db.connection() as conn:
        admin = {"Authorization": f"Bearer {keys.create(conn, name='two-hosts', scopes=['admin'])}"}
    shared = settings.replace(artifact_url="postgresql", artifact_refresh_seconds=REFRESH_SECONDS,
                              data_dir=tmp_path / "data", api_workers=1, api_threads=2,
                              rate_limit_key="100000/minute")
    host = {name: shared.replace(artifact_dir=tmp_path / name) for name in ("worker", "api-a", "api-b")}

    with celery_worker(host["worker"], "default", tmp_path / "worker.log"), \
            api_server(host["api-a"], tmp_path / "api-a.log") as api_a, \
            api_server(host["api-b"], tmp_path / "api-b.log") as api_b:

        def publish(job: str) -> dict:
            before = (_live(clean_db, "index") or {}).get("version")
            assert api_a.call("POST", "/v1/admin/jobs", body={"job": job}, headers=admin).status == 202
            return wait_until(lambda: (row := _live(clean_db, "index")) and row["version"] != before and row,
                              120, message=f"{job}: a new live index")

        def both_serve(version: str) -> float:
            started = time.monotonic()
            wait_until(lambda: _serving(api_a, "index") == version and _serving(api_b, "index") == version,
                       30, message=f"both API hosts serving {version}")
            return time.monotonic() - started

        first = publish("embed")
        both_serve(first["version"])
        assert first["path"] == f"index/{first['version']}"  # relative: no host's folder is recorded
        second = publish("reindex")
        both_serve(second["version"])
        for name in ("api-a", "api-b"):  # each host fetched its own copy; none reads the worker's folder
            assert (tmp_path / name / "index" / second["version"] / "manifest.json").is_file()

        with clean_db.connection() as conn:
            models.make_live(conn, first["id"])
        both_serve(first["version"])

        feed = api_b.call("GET", "/v1/users/reader/feed?limit=5", headers=admin)
        assert feed.status == 200, feed.body
