"""Instant means seconds: a paper PUT through the API reaches a matching instant subscriber's inbox
through a real worker (debounced embedding → matching → delivery), without waiting for any beat."""

from __future__ import annotations

import gzip
import itertools
import json
import subprocess
import time

import pytest

from infra.cli import DEMO_CATALOGUE
from services.alerts import matching
from services.app import create_app
from services.catalog.importer import import_lines
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
from tests.helpers import PAPERFEED, REPO, cli_env, wait_until

N_PAPERS = 300
# The bound: a matching instant subscriber has the paper in the inbox within this many seconds.
INSTANT_BOUND_SECONDS = 30


@pytest.fixture
def engine_settings(settings, tmp_path):
    # No beat runs in this test: whatever reaches the inbox got there by the write's own tasks.
    return settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0,
                            embed_debounce_seconds=1.0)


@pytest.fixture
def worker(engine_settings):
    """A `paperfeed worker` on the default queue (where the API and the tasks send their work)."""
    proc = subprocess.Popen([*PAPERFEED, "worker"], env=cli_env(engine_settings), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    yield proc
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.slow
@pytest.mark.parametrize("path", ["put", "batch"])
def test_a_paper_written_through_the_api_reaches_a_matching_instant_inbox_in_seconds(
        engine_settings, clean_db, headers, worker, path):
    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        lines = list(itertools.islice(fh, N_PAPERS))
    import_lines(clean_db, lines)
    pipeline.refresh(clean_db, ArtifactStore(engine_settings.artifacts), engine_settings)
    matching.match_new_papers(clean_db, engine_settings)  # the catalogue is old news
    papers = [json.loads(line) for line in lines]
    liked = [p for p in papers if p["categories"][0] == "cs.CL"][:5]
    client = create_app(engine_settings, db=clean_db).test_client()
    response = client.post("/v1/events", json={"events": [
        {"user_id": "reader", "paper_id": p["id"], "type": "star"} for p in liked]}, headers=headers["write"])
    assert response.status_code == 202
    assert client.put("/v1/users/reader/subscriptions/now", json={"kind": "instant", "channel": "inbox",
                                                                   "min_score": 0.3},
                      headers=headers["write"]).status_code == 201
    # A new paper on the reader's topic: a liked paper's text under a new id.
    new = {k: liked[0][k] for k in ("title", "abstract", "authors", "categories")}

    def inbox():
        body = client.get("/v1/users/reader/alerts", headers=headers["read"]).get_json()
        return [item for item in body["items"] if item["paper"]["id"] == "instant-1"]

    assert inbox() == []
    started = time.monotonic()
    if path == "put":
        response = client.put("/v1/papers/instant-1", json=new, headers=headers["write"])
        assert response.status_code == 201
    else:
        response = client.post("/v1/papers/batch", json={"papers": [{**new, "id": "instant-1"}]},
                               headers=headers["write"])
        assert response.get_json()["created"] == 1
    items = wait_until(inbox, timeout=INSTANT_BOUND_SECONDS, interval=0.25, message="the instant alert in the inbox")
    seconds = time.monotonic() - started
    assert items[0]["reasons"], items
    print(f"\n{path}: PUT-to-inbox {seconds:.1f} s")  # shown with -s (docs/sources.md quotes it)
