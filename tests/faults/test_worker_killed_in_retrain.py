"""The worker's pool process killed in the middle of a retrain: the task is redelivered (acks_late +
reject_on_worker_lost) and completes, the live model stays live throughout, and the killed attempt
leaves no version behind."""

from __future__ import annotations

import secrets
import signal
import uuid

import pytest

from services.recommender import pipeline
from services.recommender.artifacts import ArtifactKind, ArtifactStore
from services.store import jobs, models
from tests.faults.conftest import post_reads
from tests.faults.processes import celery_worker, pool_processes
from tests.helpers import wait_until
from workers.app import create_celery

USERS, EVENTS_PER_USER = 1000, 12


def _job(db, task_id: str) -> dict | None:
    with db.connection() as conn:
        return jobs.get_by_task(conn, task_id)


def _cf_versions(db) -> tuple[str | None, list[str]]:
    with db.connection() as conn:
        live = models.live(conn, ArtifactKind.CF)
        every = [r["version"] for r in models.recent(conn, kind=ArtifactKind.CF)]
    return (live["version"] if live else None), every


@pytest.mark.slow
def test_a_retrain_killed_midway_is_retried_and_the_live_model_stays(
        fault_settings, clean_db, catalogue, client, headers, tmp_path):
    post_reads(client, headers, [p["id"] for p in catalogue], users=USERS, per_user=EVENTS_PER_USER)
    store = ArtifactStore(fault_settings.artifacts)
    first = pipeline.retrain_cf(clean_db, store, fault_settings.replace(cf_iterations=3))
    assert first["published"]
    live_before, _ = _cf_versions(clean_db)

    queue, task_id = f"faults-{secrets.token_hex(4)}", str(uuid.uuid4())
    # Enough iterations that the fit takes seconds: the kill must land inside it.
    with celery_worker(fault_settings, queue, tmp_path / "worker.log", CF_ITERATIONS="500") as worker:
        wait_until(lambda: pool_processes(worker), 60, message="the worker's pool process")
        create_celery(fault_settings).send_task("ml.retrain_cf", queue=queue, task_id=task_id)
        wait_until(lambda: (_job(clean_db, task_id) or {}).get("status") == "running", 60,
                   message="the retrain started")
        victims = pool_processes(worker)
        for process in victims:
            process.send_signal(signal.SIGKILL)
        live_at_kill, versions_at_kill = _cf_versions(clean_db)
        assert versions_at_kill == [live_before], "the retrain finished before the kill: the test proves nothing"
        assert live_at_kill == live_before

        wait_until(lambda: (_job(clean_db, task_id) or {}).get("status") == "succeeded", 120, interval=0.5,
                   message="the redelivered retrain finished")
        assert worker.poll() is None
        assert all(p.pid not in {q.pid for q in pool_processes(worker)} for p in victims)

    result = _job(clean_db, task_id)["result"]
    live_after, versions = _cf_versions(clean_db)
    assert sorted(versions) == sorted([live_before, result["version"]])  # the killed attempt left nothing
    assert live_after == (result["version"] if result["published"] else live_before)
    assert store.manifest(ArtifactKind.CF, live_after)["files"]
