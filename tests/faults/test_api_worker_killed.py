"""kill -9 of a gunicorn worker under load: only requests in flight may fail, the master replaces the
worker, and every event that was answered 202 is stored exactly once."""

from __future__ import annotations

import os
import signal
import uuid

import pytest

from tests.faults.processes import Load, api_server
from tests.helpers import wait_until

CLIENTS = 6


def _stored(db, event_ids: list[str]) -> dict[str, int]:
    with db.connection() as conn:
        rows = conn.execute("SELECT event_id, count(*) AS n FROM events WHERE event_id = ANY(%s) GROUP BY event_id",
                            (event_ids,)).fetchall()
    return {r["event_id"]: r["n"] for r in rows}


@pytest.mark.slow
def test_killing_a_worker_fails_only_requests_in_flight(fault_settings, clean_db, catalogue, headers, tmp_path):
    paper_ids = [p["id"] for p in catalogue[:50]]
    sent: dict[tuple[int, int], str] = {}
    run = uuid.uuid4().hex[:8]

    with api_server(fault_settings, tmp_path / "api.log") as api:

        def request(client: int, n: int):
            if n % 2:  # half reads, half writes
                return api.call("GET", f"/v1/papers?limit=5&category=cs.LG&n={n}", headers=headers["read"])
            event_id = sent[(client, n)] = f"{run}-{client}-{n}"
            event = {"user_id": f"u{client}", "paper_id": paper_ids[n % len(paper_ids)], "type": "read",
                     "event_id": event_id}
            return api.call("POST", "/v1/events", body={"events": [event]}, headers=headers["write"])

        before = api.workers()
        assert len(before) == fault_settings.api_workers
        with Load(request, CLIENTS) as load:
            wait_until(lambda: load.count(lambda o: o in (200, 202)) >= 200, 60, message="load under way")
            os.kill(before[0], signal.SIGKILL)
            wait_until(lambda: before[0] not in api.workers() and len(api.workers()) == len(before), 60,
                       message="the master replaced the killed worker")
            served_at_replacement = load.count(lambda o: o in (200, 202))
            wait_until(lambda: load.count(lambda o: o in (200, 202)) >= served_at_replacement + 300, 60,
                       message="requests served after the replacement")
        assert api.proc.poll() is None  # the master itself never went down

    outcomes = load.outcomes
    failed = [o for o in outcomes if o[2] not in (200, 202)]
    # Each client has at most one request in flight, so at most CLIENTS requests can have been on the
    # killed worker; anything more (or any HTTP error status) means the kill hurt other requests.
    assert len(failed) <= CLIENTS, failed
    assert all(isinstance(status, str) for _, _, status in failed), failed
    accepted = [sent[(c, n)] for c, n, status in outcomes if status == 202]
    stored = _stored(clean_db, list(sent.values()))
    assert all(stored.get(event_id) == 1 for event_id in accepted)
    assert all(count == 1 for count in stored.values())
    assert len(accepted) > 150
