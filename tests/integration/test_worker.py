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


@pytest.mark.slow
def test_catalogue_stats_runs_in_a_real_worker(settings, clean_db, worker_queue):
    with clean_db.connection() as conn:
        papers.upsert_many(conn, [{"id": f"p{i}", "title": f"Paper {i}"} for i in range(7)])
    client = create_celery(settings)
    result = client.send_task("catalogue.stats", queue=worker_queue)

    def finished():
        with clean_db.connection() as conn:
            row = jobs.get_by_task(conn, result.id)
        return row if row and row["status"] in ("succeeded", "failed") else None

    row = wait_until(finished, timeout=60, message="job_runs row finished")
    assert row["status"] == "succeeded", row["error"]
    assert row["job"] == "catalogue.stats"
    assert row["result"] == {"papers": 7, "papers_including_deleted": 7}
    assert row["started_at"] <= row["finished_at"]
