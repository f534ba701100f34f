"""PostgreSQL restarted while events are posted: 503 with Retry-After (never a 500) while it is down,
every event answered 202 stored exactly once, and the same API processes recover on their own."""

from __future__ import annotations

import re
import uuid

import pytest

from services.db import Database
from tests.faults.conftest import load_catalogue, write_key
from tests.faults.processes import Load, api_server
from tests.helpers import wait_until

CLIENTS = 4


@pytest.mark.slow
def test_a_postgres_restart_costs_503s_and_loses_nothing(fault_settings, private_postgres, tmp_path):
    settings = fault_settings.replace(database_url=private_postgres.url)
    db = Database(private_postgres.url, min_size=0, max_size=2)
    paper_ids = [p["id"] for p in load_catalogue(db, 20)]
    auth = write_key(private_postgres.url)
    run = uuid.uuid4().hex[:8]
    sent: dict[tuple[int, int], str] = {}
    answers: dict[tuple[int, int], object] = {}

    with api_server(settings, tmp_path / "api.log") as api:
        workers = api.workers()

        def post(client: int, n: int):
            event_id = sent[(client, n)] = f"{run}-{client}-{n}"
            event = {"user_id": f"u{client}", "paper_id": paper_ids[n % len(paper_ids)], "type": "read",
                     "event_id": event_id}
            answer = answers[(client, n)] = api.call("POST", "/v1/events", body={"events": [event]}, headers=auth)
            return answer

        with Load(post, CLIENTS) as load:
            wait_until(lambda: load.count(lambda o: o == 202) >= 50, 60, message="events accepted")
            private_postgres.server.stop()
            wait_until(lambda: load.count(lambda o: o == 503) >= 20, 60, message="503s while PostgreSQL is down")
            private_postgres.restart_later()
            recovered_from = load.count(lambda o: o == 202)
            wait_until(lambda: load.count(lambda o: o == 202) >= recovered_from + 100, 90,
                       message="events accepted again after the restart")
        assert api.workers() == workers, "recovered without restarting any API process"
        outcomes = load.outcomes

    statuses = {status for _, _, status in outcomes}
    assert statuses <= {202, 503}, statuses  # no 500, no dropped connection
    unavailable = [answers[(c, n)] for c, n, status in outcomes if status == 503]
    assert all(a.headers.get("retry-after", "").isdigit() for a in unavailable)
    assert all(a.headers["content-type"].startswith("application/problem+json") for a in unavailable)

    with db.connection() as conn:
        stored = {r["event_id"]: r["n"] for r in conn.execute(
            "SELECT event_id, count(*) AS n FROM events WHERE event_id LIKE %s GROUP BY event_id", (f"{run}-%",))}
    db.close()
    accepted = [sent[(c, n)] for c, n, status in outcomes if status == 202]
    assert all(stored.get(event_id) == 1 for event_id in accepted)
    # The service logged the outage, each line naming the request it answered.
    outage_lines = [line for line in (tmp_path / "api.log").read_text().splitlines() if "database unavailable" in line]
    assert outage_lines and all(re.search(r"request_id=[0-9a-f]{32}", line) for line in outage_lines)
    # A 503 may still have been committed (the server died between commit and answer): never twice.
    assert all(count == 1 for count in stored.values())
