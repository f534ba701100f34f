"""Damaged artifacts and a full artifact disk: a bad version is refused, the previous one keeps
serving, and /readyz says why; a publish that runs out of space leaves nothing behind."""

from __future__ import annotations

import os
import resource
import secrets
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from services.app import create_app
from services.recommender import pipeline
from services.recommender.artifacts import STALE_SCRATCH_SECONDS, ArtifactKind, ArtifactStore
from services.store import jobs, models
from tests.faults.conftest import post_reads
from tests.faults.processes import celery_worker
from tests.helpers import wait_until
from workers.app import create_celery

USERS, PER_USER = 300, 10


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _fewer_rows(path: Path) -> None:
    np.save(path, np.load(path)[:-1])  # a valid .npy that no longer matches the id map


DAMAGE: dict[str, tuple[str, str, Callable[[Path], None]]] = {
    "cf factors truncated": (ArtifactKind.CF, "item_factors.npy", _truncate),
    "cf id map truncated": (ArtifactKind.CF, "users.json", _truncate),
    "cf factors one row short": (ArtifactKind.CF, "user_factors.npy", _fewer_rows),
    "cf file missing": (ArtifactKind.CF, "items.json", Path.unlink),
    "index truncated": (ArtifactKind.INDEX, "index.faiss", _truncate),
    "index vectors truncated": (ArtifactKind.INDEX, "vectors.npy", _truncate),
}


@pytest.fixture
def engine_settings(fault_settings):
    return fault_settings.replace(artifact_refresh_seconds=0.0)  # the app looks for new versions every request


@pytest.fixture
def trained(engine_settings, clean_db, catalogue, client, headers) -> ArtifactStore:
    """A live index and a live CF model, built from real reads."""
    post_reads(client, headers, [p["id"] for p in catalogue], users=USERS, per_user=PER_USER)
    store = ArtifactStore(engine_settings.artifacts)
    pipeline.refresh(clean_db, store, engine_settings)
    assert pipeline.retrain_cf(clean_db, store, engine_settings.replace(cf_iterations=3))["published"]
    return store


def _publish_again(kind: str, db, store: ArtifactStore, settings) -> str:
    if kind == ArtifactKind.CF:
        result = pipeline.retrain_cf(db, store, settings.replace(cf_iterations=3))
        assert result["published"]  # same data, same seed: not worse, so it goes live
        return result["version"]
    return pipeline.rebuild_index(db, store, settings)["version"]


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_version_is_refused_and_the_previous_keeps_serving(
        damage, engine_settings, clean_db, trained, headers, caplog):
    kind, file, harm = DAMAGE[damage]
    client = create_app(engine_settings, db=clean_db).test_client()
    before = client.get("/readyz").get_json()
    assert before["status"] == "ready" and "warnings" not in before
    serving = before["serving"][kind]

    bad = _publish_again(kind, clean_db, trained, engine_settings)
    harm(trained.path(kind, bad) / file)

    feed = client.get("/v1/users/r1/feed?limit=10", headers=headers["read"])
    assert feed.status_code == 200 and feed.get_json()["items"]
    ready = client.get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 200 and body["serving"][kind] == serving
    assert bad in body["warnings"][kind] and "refused" in body["warnings"][kind]
    for _ in range(3):  # later refreshes neither retry the refused version nor log it again
        assert client.get("/readyz").get_json()["warnings"][kind] == body["warnings"][kind]
    refusals = [r for r in caplog.records if r.name == "services.recommender.serving" and "refused" in r.message]
    assert len(refusals) == 1, [r.message for r in refusals]

    with clean_db.connection() as conn:  # an operator rolls back to the version still serving
        row = next(r for r in models.recent(conn, kind=kind) if r["version"] == serving)
        models.make_live(conn, row["id"])
    assert "warnings" not in client.get("/readyz").get_json()


def test_a_damaged_first_index_makes_readyz_say_why(engine_settings, clean_db, catalogue, headers):
    store = ArtifactStore(engine_settings.artifacts)
    version = pipeline.refresh(clean_db, store, engine_settings)["index"]["version"]
    _truncate(store.path(ArtifactKind.INDEX, version) / "index.faiss")
    client = create_app(engine_settings, db=clean_db).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert version in ready.get_json()["checks"]["index"] and "refused" in ready.get_json()["checks"]["index"]
    similar = client.get(f"/v1/papers/{catalogue[0]['id']}/similar", headers=headers["read"])
    assert similar.status_code == 503 and similar.headers["Retry-After"]


def test_scratch_folders_of_dead_publishes_are_pruned(tmp_path):
    """A publish killed midway leaves its hidden scratch folder; a later prune removes it once it is
    clearly abandoned, and never touches one that may still be in progress."""
    store = ArtifactStore(tmp_path)
    for version in ("v1", "v2"):
        store.publish("cf", version, lambda folder: (folder / "f.bin").write_bytes(b"x") and {})
    dead, busy = tmp_path / "cf" / ".tmp-dead", tmp_path / "cf" / ".tmp-busy"
    for scratch in (dead, busy):
        scratch.mkdir()
        (scratch / "part.npy").write_bytes(b"half")
    old = time.time() - STALE_SCRATCH_SECONDS - 60
    os.utime(dead, (old, old))
    assert store.prune("cf", keep=5, protect={"v2"}) == []
    assert not dead.exists() and busy.exists()
    assert store.manifest("cf", "v1") and store.manifest("cf", "v2")


FILE_LIMIT_BYTES = 32 * 1024  # far below the CF factors of USERS readers (USERS × 64 factors × 4 bytes)


def _small_disk() -> None:
    """In the worker process: no file may grow past FILE_LIMIT_BYTES, so writes fail with EFBIG as
    they would with ENOSPC on a full disk (Python ignores SIGXFSZ, so the write raises)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT_BYTES, FILE_LIMIT_BYTES))


@pytest.mark.slow
def test_a_full_artifact_disk_fails_the_publish_and_the_live_model_keeps_serving(
        engine_settings, clean_db, trained, headers, tmp_path):
    with clean_db.connection() as conn:
        live = models.live(conn, ArtifactKind.CF)["version"]
    client = create_app(engine_settings, db=clean_db).test_client()
    assert client.get("/readyz").get_json()["serving"][ArtifactKind.CF] == live

    queue, task_id = f"faults-{secrets.token_hex(4)}", str(uuid.uuid4())
    with celery_worker(engine_settings, queue, tmp_path / "worker.log", preexec=_small_disk, CF_ITERATIONS="3"):
        create_celery(engine_settings).send_task("ml.retrain_cf", queue=queue, task_id=task_id)

        def finished() -> dict | None:
            with clean_db.connection() as conn:
                run = jobs.get_by_task(conn, task_id)
            return run if run and run["status"] in ("succeeded", "failed") else None

        run = wait_until(finished, 90, message="the retrain ran")
    # numpy reports the short write ("N requested and M written"); the worker's log holds the EFBIG.
    assert run["status"] == "failed" and run["error"].startswith("OSError"), run

    with clean_db.connection() as conn:
        assert models.live(conn, ArtifactKind.CF)["version"] == live
        assert [r["version"] for r in models.recent(conn, kind=ArtifactKind.CF)] == [live]
    cf_folder = trained.root / ArtifactKind.CF
    assert sorted(p.name for p in cf_folder.iterdir()) == [live]  # no half-written scratch folder left
    assert trained.manifest(ArtifactKind.CF, live)
    ready = client.get("/readyz").get_json()
    assert ready["serving"][ArtifactKind.CF] == live and "warnings" not in ready
    assert client.get("/v1/users/r1/feed", headers=headers["read"]).status_code == 200
