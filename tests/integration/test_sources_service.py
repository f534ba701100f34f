"""The issue's "done when": a fresh service (real worker and beat) configured with two sources, arXiv and
Daily Papers both stood in for by the local replay server, ingests the days, alerts the subscribers those
papers match, rides out an outage (503 with Retry-After) without gaps or duplicates, and shows it all on
the dashboard and in /metrics."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import subprocess

import pytest

from infra.cli import DEMO_CATALOGUE
from services.alerts import matching
from services.app import create_app
from services.catalog.importer import import_lines
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
from services.sources.spec import parse_sources
from tests.helpers import PAPERFEED, REPO, cli_env, wait_until
from tests.integration import dashboard_support as ds
from tests.integration.dashboard_support import operators  # noqa: F401 - a fixture
from tests.replay import ReplayServer

FIXTURE_FIRST_DAY = dt.date(2026, 6, 29)
ARXIV_IDS = {"2606.90001", "2606.90002", "2606.90003", "2607.90004"}


@pytest.fixture
def replay():
    # The recorded days become five to three days ago: two settled days and one still open.
    today = dt.datetime.now(dt.UTC).date()
    server = ReplayServer(day_offset=(today - dt.timedelta(days=5) - FIXTURE_FIRST_DAY).days)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def service_settings(settings, tmp_path, replay):
    sources = json.dumps([
        {"name": "arxiv-ml", "kind": "arxiv", "url": replay.arxiv_url, "categories": ["cs.LG", "cs.CL"],
         "page_size": 2, "backfill_days": 7, "delay_seconds": 0.2, "every_seconds": 4},
        {"name": "hf-daily", "kind": "hf_daily", "url": replay.hf_url, "backfill_days": 7, "delay_seconds": 0.2,
         "every_seconds": 4, "categories": ["cs.CV"]},
    ])
    return settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0, data_dir=tmp_path,
                            sources=parse_sources(sources), embed_debounce_seconds=1.0,
                            source_retry_base_seconds=2.0, source_retry_max_seconds=10.0,
                            alert_match_every_seconds=0, embed_every_seconds=0)


def _spawn(settings, command):
    return subprocess.Popen([*PAPERFEED, command], env=cli_env(settings), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
@pytest.mark.usefixtures("operators")
def test_two_sources_ingest_alert_survive_an_outage_and_show_on_the_dashboard(service_settings, clean_db, replay,
                                                                              headers):
    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        import_lines(clean_db, list(itertools.islice(fh, 200)))
    pipeline.refresh(clean_db, ArtifactStore(service_settings.artifacts), service_settings)
    matching.match_new_papers(clean_db, service_settings)
    app = create_app(service_settings, db=clean_db)
    client = app.test_client()
    for user, sub in (("moe-fan", {"kind": "query", "query": "mixture of experts"}),
                      ("vision-fan", {"kind": "category", "category": "cs.CV"})):
        assert client.put(f"/v1/users/{user}/subscriptions/s", json={**sub, "channel": "inbox"},
                          headers=headers["write"]).status_code == 201
    # The outage: arXiv's first requests get 503 with Retry-After: 1, twice (the poll, then its retry).
    replay.fail(2, 503, retry_after="1")
    processes = [_spawn(service_settings, "worker"), _spawn(service_settings, "beat")]
    try:
        def ingested():
            with clean_db.connection() as conn:
                rows = {r["name"]: r for r in conn.execute("SELECT * FROM sources")}
            done = (len(rows) == 2 and all(r["last_success_at"] for r in rows.values())
                    and rows["arxiv-ml"]["papers_created"] >= 4)
            return rows if done else None

        rows = wait_until(ingested, timeout=120, interval=0.5, message="both sources ingested")

        def inbox(user):
            return {i["paper"]["id"] for i in client.get(f"/v1/users/{user}/alerts",
                                                         headers=headers["read"]).get_json()["items"]}

        wait_until(lambda: "2606.90001" in inbox("moe-fan") and "2606.90010" in inbox("vision-fan"),
                   timeout=60, interval=0.5, message="the subscribers' alerts")
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()

    arxiv = rows["arxiv-ml"]
    assert arxiv["last_error"].startswith("HTTP 503")  # the outage is on record ...
    assert arxiv["failures"] == 0  # ... and over
    # No gap: every paper of the recorded days is there; no duplicate: each created once (ids are stable).
    with clean_db.connection() as conn:
        stored = {r["id"] for r in conn.execute("SELECT id FROM papers WHERE id LIKE '260%%.9%%'")}
        upvotes = {r["paper_id"]: r["upvotes"] for r in conn.execute("SELECT * FROM paper_upvotes")}
    assert stored == ARXIV_IDS | {"2606.90010"}
    assert arxiv["papers_created"] == 4 and rows["hf-daily"]["papers_created"] == 1
    assert upvotes == {"2606.90002": 31, "2606.90010": 12}
    settled = [q for p, q in replay.requests if p == "/api/query"
               and f"submittedDate:[{(dt.datetime.now(dt.UTC).date() - dt.timedelta(days=5)):%Y%m%d}"
               in q["search_query"][0]]
    assert sorted(q["start"][0] for q in settled) == ["0", "2"]  # each page of a settled day exactly once

    admin = app.test_client()
    assert ds.sign_in(admin, ds.ADMIN).status_code == 302
    page = admin.get("/admin/sources").get_data(as_text=True)
    assert 'data-source="arxiv-ml"' in page and 'data-source="hf-daily"' in page
    assert "HTTP 503" in page and "failing (" not in page
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'paperfeed_source_papers_created_total{source="arxiv-ml"} 4.0' in metrics
    assert 'paperfeed_source_consecutive_failures{source="arxiv-ml"} 0.0' in metrics
