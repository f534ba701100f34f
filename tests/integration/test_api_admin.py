"""/v1/admin: jobs run by a real worker, model versions with metrics, stats."""

import secrets
import subprocess

import pytest

from services.jobs import TaskClient
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
from services.web.state import state
from tests.helpers import PAPERFEED, REPO, cli_env, wait_until
from tests.integration.test_api_papers import PAPER


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/admin/jobs", {"job": "trending"}), ("GET", "/v1/admin/jobs/x", None),
    ("GET", "/v1/admin/models", None), ("GET", "/v1/admin/stats", None)])
def test_admin_routes_need_the_admin_scope(client, headers, method, path, body):
    assert client.open(path, method=method, json=body, headers=headers["write"]).status_code == 403
    assert client.open(path, method=method, json=body).status_code == 401


def test_unknown_job_and_job_id(client, headers):
    response = client.post("/v1/admin/jobs", json={"job": "rm -rf"}, headers=headers["admin"])
    assert response.status_code == 422 and "job" in response.get_json()["errors"]
    assert client.get("/v1/admin/jobs/nope", headers=headers["admin"]).status_code == 404


@pytest.mark.slow
def test_a_requested_job_runs_in_a_real_worker(app, settings, headers, clean_db):
    queue = f"test-{secrets.token_hex(4)}"
    state(app).tasks = TaskClient(settings.redis_url, queue=queue)
    client = app.test_client()
    client.put("/v1/papers/p1", json=PAPER, headers=headers["write"])
    client.post("/v1/events", json={"events": [{"user_id": "u", "paper_id": "p1", "type": "star"}]},
                headers=headers["write"])
    worker = subprocess.Popen([*PAPERFEED, "worker", "--queues", queue], env=cli_env(settings), cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        accepted = client.post("/v1/admin/jobs", json={"job": "trending"}, headers=headers["admin"])
        assert accepted.status_code == 202
        job_id = accepted.get_json()["job_id"]
        queued = client.get(f"/v1/admin/jobs/{job_id}", headers=headers["admin"]).get_json()
        assert queued["job"] == "ml.trending" and queued["status"] in ("queued", "running", "succeeded")
        done = wait_until(lambda: (b := client.get(f"/v1/admin/jobs/{job_id}", headers=headers["admin"])
                                   .get_json())["status"] in ("succeeded", "failed") and b, 60,
                          message="the job finished")
        assert done["status"] == "succeeded" and done["result"]["rows"]["day"] == 1
        assert client.get("/v1/trending?window=day", headers=headers["read"]).get_json()["items"][0]["paper"]["id"] == "p1"
    finally:
        worker.terminate()
        worker.wait(30)


def test_models_list_versions_with_metrics_and_stats_count(client, settings, headers, clean_db, tmp_path):
    for i in range(3):
        client.put(f"/v1/papers/p{i}", json={**PAPER, "title": f"Paper {i} about graphs"}, headers=headers["write"])
    engine = settings.replace(artifact_dir=tmp_path / "artifacts")
    store = ArtifactStore(engine.artifacts)
    pipeline.refresh(clean_db, store, engine)
    pipeline.rebuild_index(clean_db, store, engine)
    first = client.get("/v1/admin/models?limit=2", headers=headers["admin"]).get_json()
    rest = client.get(f"/v1/admin/models?cursor={first['next_cursor']}", headers=headers["admin"]).get_json()
    items = first["items"] + rest["items"]
    assert [(i["kind"], i["live"]) for i in items] == [("index", True), ("index", False), ("embedder", True)]
    assert "build_seconds" in items[0]["metrics"] and items[0]["params"]["papers"] == 3
    client.post("/v1/events", json={"events": [{"user_id": "u", "paper_id": "p1", "type": "star"}]},
                headers=headers["write"])
    stats = client.get("/v1/admin/stats", headers=headers["admin"]).get_json()
    assert (stats["papers"], stats["users"], stats["events"], stats["stars"]) == (3, 1, 1, 1)
    assert stats["active_users_last_24h"] == 1 and set(stats["live_models"]) == {"index", "embedder"}
