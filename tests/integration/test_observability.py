"""What an operator watches: the contract's Prometheus series after real traffic, /metrics kept private,
the client address behind a proxy, and JSON logs carrying the request id."""

from __future__ import annotations

import json
import secrets

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services import keys
from services.app import create_app
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
from tests.faults.conftest import load_catalogue
from tests.faults.processes import api_server

TOKEN = secrets.token_urlsafe(32)


def _samples(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


@pytest.fixture
def engine(settings, clean_db, tmp_path):
    engine = settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0)
    load_catalogue(clean_db, 120)
    pipeline.refresh(clean_db, ArtifactStore(engine.artifacts), engine)
    return engine


def test_metrics_show_feeds_models_queues_and_the_outbox_after_real_traffic(engine, clean_db, headers):
    client = create_app(engine, db=clean_db).test_client()
    assert client.put("/v1/users/ada", json={}, headers=headers["write"]).status_code == 201
    for _ in range(2):  # ranked now, then its first page served again finished (held by this process)
        assert client.get("/v1/users/ada/feed?limit=5", headers=headers["read"]).status_code == 200
    # Another page size: read from the stored list
    assert client.get("/v1/users/ada/feed?limit=4", headers=headers["read"]).status_code == 200
    page = client.get("/v1/users/ada/feed?limit=5", headers=headers["read"]).get_json()
    if page["next_cursor"]:
        client.get(f"/v1/users/ada/feed?limit=5&cursor={page['next_cursor']}", headers=headers["read"])

    response = client.get("/metrics")
    assert response.status_code == 200
    samples = _samples(response.get_data(as_text=True))

    served = {s.labels["served_from"]: s.value for s in samples["paperfeed_feed_requests_total"]}
    assert served["ranked"] >= 1 and served.get("stored", 0) >= 1 and served.get("held", 0) >= 1
    sizes = {s.labels["served_from"]: s.value for s in samples["paperfeed_feed_items_sum"]}
    assert sizes["held"] == served["held"] * sizes["ranked"] / served["ranked"]  # a kept page's items counted
    assert any(s.labels["served_from"] == "ranked" for s in samples["paperfeed_feed_duration_seconds_count"])
    assert sum(s.value for s in samples["paperfeed_feed_items_sum"]) >= 5
    live = {s.labels["kind"]: s.labels["version"] for s in samples["paperfeed_model_live"]}
    assert "index" in live
    assert all(s.value >= 0 for s in samples["paperfeed_model_age_seconds"])
    assert [s.labels["queue"] for s in samples["paperfeed_queue_depth"]] == ["default"]
    assert "paperfeed_http_requests_total" in samples
    text = response.get_data(as_text=True)
    assert "# TYPE paperfeed_alerts_outbox gauge" in text and "# TYPE paperfeed_alerts_delivered_24h gauge" in text


def test_metrics_are_private_by_default_and_token_protected_when_configured(settings, clean_db):
    open_app = create_app(settings, db=clean_db).test_client()
    assert open_app.get("/metrics").status_code == 200  # the test client is a loopback client
    assert open_app.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 403

    guarded = create_app(settings.replace(metrics_token=TOKEN), db=clean_db).test_client()
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                     environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert ok.status_code == 200 and b"paperfeed_http_requests_total" in ok.data


def test_the_client_address_behind_trusted_proxies(settings, clean_db):
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    direct = create_app(settings, db=clean_db).test_client()
    # Not behind a proxy: the header is the client's own claim and changes nothing.
    assert direct.get("/metrics", headers=forwarded).status_code == 200
    behind = create_app(settings.replace(trusted_proxies=1), db=clean_db).test_client()
    # Behind one proxy (here, loopback): the client is the forwarded address, which is not local.
    assert behind.get("/metrics", headers=forwarded).status_code == 403
    assert behind.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


@pytest.mark.slow
def test_gunicorn_workers_log_json_and_scrape_together(settings, clean_db, tmp_path):
    with clean_db.connection() as conn:
        read = {"Authorization": f"Bearer {keys.create(conn, name='obs', scopes=['read'])}"}
    log = tmp_path / "api.log"
    with api_server(settings.replace(data_dir=tmp_path / "data", api_workers=2, api_threads=1,
                                     log_format="json"), log) as api:
        for n in range(6):
            answer = api.call("GET", "/v1/users/zoe/feed?limit=3", headers={**read, "X-Request-Id": f"obs-{n}"})
            assert answer.status == 200
        scraped = _samples(api.call("GET", "/metrics").body.decode())
    assert sum(s.value for s in scraped["paperfeed_feed_requests_total"]) == 6  # summed over both workers
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert lines, log.read_text()[-2000:]
    assert {"time", "level", "logger", "message", "request_id"} <= set(lines[0])
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert any("obs-3" in line["message"] for line in access)
