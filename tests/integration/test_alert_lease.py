"""The sending lease of the outbox on real PostgreSQL: a live worker whose batch outlasts
ALERT_SENDING_TIMEOUT_SECONDS skips the deliveries the sweeper took back instead of sending them a second
time (found by tests/faults/test_worker_killed_in_delivery.py with two workers)."""

from __future__ import annotations

from services.alerts import outbox
from services.app import create_app
from services.store import alerts as alerts_store
from services.store import papers as papers_store
from tests.helpers import confirm_email


class RecordingChannel:
    """The far side of the email channel: keeps the delivery id of every message it is handed, and
    runs ``during_first_send`` while the first one is in flight."""

    name = "email"

    def __init__(self, during_first_send) -> None:
        self.sent: list[str] = []
        self.during_first_send = during_first_send

    def send(self, message) -> None:
        self.sent.append(message.delivery_id)
        if len(self.sent) == 1:
            self.during_first_send(message)


def _queue(settings, db, headers, users: list[str]) -> None:
    client = create_app(settings, db=db).test_client()
    for user in users:
        assert client.put(f"/v1/users/{user}", json={"email": f"{user}@example.org"},
                          headers=headers["write"]).status_code == 201
        confirm_email(db, user)
        assert client.put(f"/v1/users/{user}/subscriptions/s", json={"kind": "instant", "channel": "email"},
                          headers=headers["write"]).status_code == 201
    with db.connection() as conn:
        papers_store.upsert_many(conn, [{"id": pid, "title": f"Paper {pid}", "abstract": "On attention.",
                                         "authors": ["Ann Lee"], "categories": ["cs.LG"]} for pid in ("lp1", "lp2")])
        alerts_store.insert_many(conn, [alerts_store.NewAlert(user, "s", pid, "email", 0.9, [])
                                        for user in users for pid in ("lp1", "lp2")])


def _statuses(db) -> dict[str, str]:
    with db.connection() as conn:
        return {r["user_id"]: r["status"] for r in conn.execute("SELECT user_id, status FROM alerts")}


def test_a_batch_that_outlasts_its_lease_skips_what_the_sweeper_took_back(settings, clean_db, headers):
    _queue(settings, clean_db, headers, ["la", "lb", "lc"])
    other_run: list[dict] = []

    def lease_expires(message) -> None:
        # While the first delivery is being sent, the rest of the batch waits past the sending timeout
        # (their claim is made old: time passing), the sweeper hands them back, and another worker
        # delivers them.
        with clean_db.connection() as conn:
            conn.execute("UPDATE alerts SET claimed_at = claimed_at - interval '1 hour' "
                         "WHERE status = 'sending' AND delivery_id <> %s", (message.delivery_id,))
        assert outbox.release_stale(clean_db, settings) == 4  # two deliveries of two rows; not the one in flight
        other_run.append(outbox.deliver_due(clean_db, settings, {"email": channel}))

    channel = RecordingChannel(lease_expires)
    first_run = outbox.deliver_due(clean_db, settings, {"email": channel})
    assert sorted(channel.sent) == sorted(set(channel.sent)) and len(channel.sent) == 3  # each delivery once
    assert (first_run["delivered"], first_run["lease_lost"]) == (1, 2)
    assert (other_run[0]["delivered"], other_run[0]["lease_lost"]) == (2, 0)
    assert set(_statuses(clean_db).values()) == {"delivered"}


def test_a_lease_is_renewed_only_by_the_claim_that_holds_it(settings, clean_db, headers):
    _queue(settings, clean_db, headers, ["ma"])
    with clean_db.connection() as conn:
        [first] = alerts_store.claim_deliveries(conn, limit=10)
    with clean_db.connection() as conn:
        conn.execute("UPDATE alerts SET claimed_at = claimed_at - interval '1 hour'")
        assert alerts_store.release_stale(conn, older_than_seconds=60) == 2
    with clean_db.connection() as conn:
        [second] = alerts_store.claim_deliveries(conn, limit=10)
    assert second["delivery_id"] == first["delivery_id"]  # the same delivery, claimed again
    with clean_db.connection() as conn:
        assert not alerts_store.renew_claim(conn, first["delivery_id"], first["claimed_at"], rows=2)
        assert not alerts_store.renew_claim(conn, second["delivery_id"], second["claimed_at"], rows=3)
        assert alerts_store.renew_claim(conn, second["delivery_id"], second["claimed_at"], rows=2)


def test_a_retried_delivery_goes_out_whole_when_the_claim_limit_cuts_through_it(settings, clean_db, headers):
    # Two deliveries of two rows each, claimed, then handed back (a dead worker's, or retried after a
    # failure): they keep their ids. A claim whose row limit ends inside the second must not send part
    # of it under its id, or a receiver dropping repeated ids would drop the rest as a repeat.
    _queue(settings, clean_db, headers, ["na", "nb"])
    with clean_db.connection() as conn:
        first = {d["delivery_id"]: d["alert_ids"] for d in alerts_store.claim_deliveries(conn, limit=10)}
        conn.execute("UPDATE alerts SET claimed_at = claimed_at - interval '1 hour'")
        assert alerts_store.release_stale(conn, older_than_seconds=60) == 4
    with clean_db.connection() as conn:
        again = {d["delivery_id"]: d["alert_ids"] for d in alerts_store.claim_deliveries(conn, limit=3)}
    assert again == first
