"""Instant alerts written by COPY across connections (services.alerts.instant_store) on real PostgreSQL:
the outbox's rules still hold, and a batch decided twice (a crash after the rows, before the papers'
stamp) is stored without errors or duplicates."""

from __future__ import annotations

import numpy as np
import pytest

from services.alerts import matching, profile_index
from services.app import create_app
from services.store import papers as papers_store
from services.store import subscriptions as subscriptions_store

USERS = [f"reader{i}" for i in range(8)]  # enough for both shards to hold rows


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def client(settings, clean_db):
    return create_app(settings, db=clean_db).test_client()


def _rows(db):
    with db.connection() as conn:
        return conn.execute("SELECT user_id, subscription_id, paper_id, channel, score, reasons, status, attempts, "
                            "created_at, delivered_at FROM alerts ORDER BY user_id, paper_id").fetchall()


def test_copied_instant_alerts_keep_the_outbox_rules_and_a_repeat_is_harmless(client, headers, clean_db, settings):
    with clean_db.connection() as conn:
        papers_store.upsert_many(conn, [{"id": pid, "title": f"Title\\of {pid}\t“quoted”", "abstract": "x",
                                         "authors": ["Ann"], "categories": ["cs.LG"]}
                                        for pid in ("anchor", "new-a", "new-b")])
    for user in USERS:
        assert client.put(f"/v1/users/{user}/subscriptions/now", json={"kind": "instant", "channel": "inbox"},
                          headers=headers["write"]).status_code == 201
    with clean_db.connection() as conn:  # reader7 is told by email (its confirmation is another test's subject)
        conn.execute("UPDATE subscriptions SET channel = 'email' WHERE user_id = 'reader7'")
    rows = [{"user_id": u, "vector": _unit(1, 0.1 * i).tobytes(), "anchor_paper_id": "anchor"}
            for i, u in enumerate(USERS)]
    with clean_db.connection() as conn:
        index = profile_index.build_profile_index(rows, subscriptions_store.instant(conn))
    # After the index was built: reader1 deletes the subscription, reader2 stars new-a.
    assert client.delete("/v1/users/reader1/subscriptions/now", headers=headers["write"]).status_code == 204
    assert client.post("/v1/events", json={"events": [{"user_id": "reader2", "paper_id": "new-a", "type": "star"}]},
                       headers=headers["write"]).status_code == 202

    paper_ids = ["new-a", "new-b"]
    vectors = np.stack([_unit(1, 0), _unit(1, 0.2)])
    two = settings.replace(alert_store_connections=2)
    with clean_db.connection() as conn:
        decided = matching.apply_rules(conn, index, paper_ids,
                                       matching.instant_decisions(index, vectors, default_min_score=0.5))
        assert matching.store_instant(clean_db, conn, two, index, paper_ids, decided) == 2 * 8 - 2 - 1
    stored = _rows(clean_db)
    got = {(r["user_id"], r["paper_id"]) for r in stored}
    assert got == {(u, p) for u in USERS for p in paper_ids} - {("reader1", "new-a"), ("reader1", "new-b"),
                                                                ("reader2", "new-a")}
    # The columns are what the general path writes: the reason names the anchor and survives COPY escaping.
    first = next(r for r in stored if (r["user_id"], r["paper_id"]) == ("reader0", "new-a"))
    assert first["channel"] == "inbox" and first["subscription_id"] == "now"
    # Inbox alerts are delivered as they are stored (one write, no outbox pass); email waits for the outbox.
    for r in stored:
        inbox = r["user_id"] != "reader7"
        assert (r["channel"], r["status"], r["attempts"], r["delivered_at"] == r["created_at"]) == (
            ("inbox", "delivered", 1, True) if inbox else ("email", "pending", 0, False)), r
    assert first["score"] == pytest.approx(1.0, abs=1e-5)
    assert first["reasons"] == [{"kind": "matches_your_interests", "paper_id": "anchor",
                                 "detail": "close to your interest in “Title\\of anchor\t“quoted””"}]

    # The same batch decided again (its rows committed, the papers' stamp lost in a crash): the COPY is
    # refused by the unique index, and the general path stores nothing twice.
    with clean_db.connection() as conn:
        assert matching.store_instant(clean_db, conn, two, index, paper_ids, decided) == 0
    assert _rows(clean_db) == stored

