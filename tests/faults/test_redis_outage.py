"""Redis stopped: events are still accepted and feeds still served (rate limits fail open, ingestion
never touches the broker); asking for a job answers 503 meanwhile; work queued before the outage
survives it and runs once Redis is back, and the same API processes queue new work again."""

from __future__ import annotations

import pytest

from tests.faults.processes import api_server, celery_worker
from tests.helpers import wait_until


def _post_event(api, headers, n: int, paper_id: str):
    event = {"user_id": "reader", "paper_id": paper_id, "type": "star", "event_id": f"redis-{n}"}
    return api.call("POST", "/v1/events", body={"events": [event]}, headers=headers)


def _job_status(api, headers, job_id: str) -> str:
    return api.call("GET", f"/v1/admin/jobs/{job_id}", headers=headers).json()["status"]


@pytest.mark.slow
def test_a_redis_outage_keeps_ingestion_and_feeds_up(fault_settings, private_redis, clean_db, catalogue, headers,
                                                     tmp_path):
    settings = fault_settings.replace(redis_url=private_redis.url)
    admin, write, read = headers["admin"], headers["write"], headers["read"]
    papers = [p["id"] for p in catalogue]
    with api_server(settings, tmp_path / "api.log") as api:
        workers = api.workers()
        assert _post_event(api, write, 0, papers[0]).status == 202
        queued = api.call("POST", "/v1/admin/jobs", body={"job": "trending"}, headers=admin)
        assert queued.status == 202  # nobody consumes it yet: it waits in Redis
        queued_id = queued.json()["job_id"]

        private_redis.server.stop()
        for n in range(1, 21):  # each request checks its rate limit against the absent Redis
            assert _post_event(api, write, n, papers[n]).status == 202
            assert api.call("GET", "/v1/users/reader/feed?limit=5", headers=read).status == 200
        assert api.call("GET", "/v1/papers?limit=3", headers=read).status == 200
        refused = api.call("POST", "/v1/admin/jobs", body={"job": "trending"}, headers=admin)
        assert refused.status == 503 and refused.headers["retry-after"].isdigit()

        private_redis.server.start(port=private_redis.port)
        with celery_worker(settings, "default", tmp_path / "worker.log"):
            wait_until(lambda: _job_status(api, admin, queued_id) == "succeeded", 90,
                       message="the job queued before the outage ran after it")
            again = api.call("POST", "/v1/admin/jobs", body={"job": "trending"}, headers=admin)
            assert again.status == 202
            wait_until(lambda: _job_status(api, admin, again.json()["job_id"]) == "succeeded", 90,
                       message="a job queued after the outage ran")
        assert api.workers() == workers  # no API restart was needed

    with clean_db.connection() as conn:
        stored = conn.execute("SELECT count(*) AS n FROM events WHERE event_id LIKE 'redis-%'").fetchone()["n"]
    assert stored == 21
