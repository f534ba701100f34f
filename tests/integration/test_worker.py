"""A task sent through the real broker is executed by a real worker process and recorded."""

import secrets
import subprocess

import pytest

from services.store import jobs, papers
from tests.helpers import PAPERFEED, REPO, cli_env, wait_until
from workers.app import create_celery


@pytest.fixture
def worker_queue(settings):
    """A `paperfeed worker` process consuming a queue unique to this test."""
    queue = f"test-{secrets.token_hex(4)}"
    proc = subprocess.Popen([*PAPERFEED, "worker", "--queues", queue], env=cli_env(settings), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    yield queue
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_job(settings, db, queue: str, task: str, *, timeout: float) -> dict:
    """Send ``task`` to the worker on ``queue`` and wait for its job_runs row to finish."""
    result = create_celery(settings).send_task(task, queue=queue)

    def finished():
        with db.connection() as conn:
            row = jobs.get_by_task(conn, result.id)
        return row if row and row["status"] in ("succeeded", "failed") else None

    return wait_until(finished, timeout=timeout, message=f"{task} finished")


@pytest.mark.slow
def test_catalogue_stats_runs_in_a_real_worker(settings, clean_db, worker_queue):
    with clean_db.connection() as conn:
        papers.upsert_many(conn, [{"id": f"p{i}", "title": f"Paper {i}"} for i in range(7)])
    row = run_job(settings, clean_db, worker_queue, "catalogue.stats", timeout=60)
    assert row["status"] == "succeeded", row["error"]
    assert row["job"] == "catalogue.stats"
    assert row["result"] == {"papers": 7, "papers_including_deleted": 7}
    assert row["started_at"] <= row["finished_at"]


@pytest.mark.slow
def test_feeds_are_ranked_ahead_of_time_for_active_users(settings, clean_db, worker_queue):
    import datetime
    import gzip
    import itertools

    from infra.cli import DEMO_CATALOGUE
    from services.catalog.importer import import_lines
    from services.recommender import pipeline
    from services.recommender.artifacts import ArtifactStore
    from services.store import events

    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        import_lines(clean_db, list(itertools.islice(fh, 300)))
    pipeline.refresh(clean_db, ArtifactStore(settings.artifacts), settings)
    with clean_db.connection() as conn:
        ids = [r["id"] for r in conn.execute("SELECT id FROM papers ORDER BY id LIMIT 6")]
        now = datetime.datetime.now(datetime.UTC)
        events.ingest(conn, [{"user_id": f"active-{i}", "paper_id": pid, "type": "star", "event_id": None,
                              "occurred_at": now, "context": None}
                             for i in range(3) for pid in ids[i * 2: i * 2 + 2]])
    row = run_job(settings, clean_db, worker_queue, "feeds.precompute", timeout=120)
    assert row["status"] == "succeeded", row["error"]
    assert row["result"] == {"candidates": 3, "chunks": 1}  # fanned out as chunk tasks, on the same queue

    def chunk_done():
        with clean_db.connection() as conn:
            return conn.execute("SELECT status, result, error FROM job_runs WHERE job = 'feeds.precompute_chunk' "
                                "AND status IN ('succeeded', 'failed')").fetchone()

    chunk = wait_until(chunk_done, timeout=120, message="the precompute chunk finished")
    assert chunk["status"] == "succeeded", chunk["error"]
    assert chunk["result"]["ranked"] == 3
    with clean_db.connection() as conn:
        stored = conn.execute("SELECT user_id, served, jsonb_array_length(items) AS n FROM feeds "
                              "WHERE reusable ORDER BY user_id").fetchall()
    assert [(r["user_id"], r["served"]) for r in stored] == [(f"active-{i}", 0) for i in range(3)]
    assert all(r["n"] > 0 for r in stored)
