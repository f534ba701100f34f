"""The outbox without foreign keys (migration 0018) on real PostgreSQL: deleting a subscription, a user
or a paper still deletes their alerts; a delete that races a writer of alerts waits for it, so no alert
is ever left without its subscription or paper; parent keys cannot change."""

from __future__ import annotations

import threading
import time

import numpy as np
import psycopg
import pytest

from services.alerts import matching, profile_index
from services.store import alerts as alerts_store
from services.store import papers as papers_store
from services.store import profiles as profiles_store
from services.store import subscriptions as subscriptions_store

USERS = [f"reader{i}" for i in range(6)]
PAPERS = ["anchor", "new-a", "new-b"]
WAIT_SECONDS = 30


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def outbox(client, headers, clean_db):
    """Three papers; every reader with an instant and a category subscription, all on the inbox."""
    with clean_db.connection() as conn:
        papers_store.upsert_many(conn, [{"id": pid, "title": f"Title of {pid}", "abstract": "x", "authors": ["Ann"],
                                         "categories": ["cs.LG"]} for pid in PAPERS])
    for user in USERS:
        for sub, body in (("now", {"kind": "instant", "channel": "inbox"}),
                          ("lg", {"kind": "category", "category": "cs.LG", "channel": "inbox"})):
            assert client.put(f"/v1/users/{user}/subscriptions/{sub}", json=body,
                              headers=headers["write"]).status_code == 201
    return clean_db


def _alerts(db) -> set[tuple[str, str, str]]:
    with db.connection() as conn:
        return {(r["user_id"], r["subscription_id"], r["paper_id"])
                for r in conn.execute("SELECT user_id, subscription_id, paper_id FROM alerts")}


def _orphans(db) -> int:
    with db.connection() as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM alerts a "
            "WHERE NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = a.paper_id) "
            "OR NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = a.user_id AND s.id = a.subscription_id)"
        ).fetchone()["n"]


def _follow_alerts(db) -> None:
    with db.connection() as conn:
        assert alerts_store.insert_follow_matches(conn, ["new-a", "new-b"]) == len(USERS) * 2


class BlockedDelete:
    """A DELETE on its own connection and thread that must wait for a lock held elsewhere: started,
    then seen waiting on a lock in pg_stat_activity (not guessed from a sleep)."""

    def __init__(self, db, sql: str, params: tuple) -> None:
        self.db, self.error, self.deleted = db, None, None
        self.pid: int | None = None
        self.thread = threading.Thread(target=self._run, args=(sql, params), daemon=True)
        self.thread.start()
        self._wait_until_blocked()

    def _run(self, sql: str, params: tuple) -> None:
        try:
            with self.db.connection() as conn:
                self.pid = conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
                self.deleted = conn.execute(sql, params).rowcount
        except psycopg.Error as exc:  # pragma: no cover - reported by join()
            self.error = exc

    def _wait_until_blocked(self) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.pid is not None:
                with self.db.connection() as conn:
                    row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                                       (self.pid,)).fetchone()
                if row and row["wait_event_type"] == "Lock":
                    return
            assert self.thread.is_alive(), f"the delete did not wait for the writer's lock ({self.error})"
            time.sleep(0.02)
        raise AssertionError("the delete never waited for the writer's lock")

    def join(self) -> int:
        self.thread.join(WAIT_SECONDS)
        assert not self.thread.is_alive() and self.error is None, self.error
        return self.deleted


def test_deleting_a_subscription_a_user_or_a_paper_deletes_their_alerts(outbox, client, headers):
    _follow_alerts(outbox)
    assert client.delete("/v1/users/reader0/subscriptions/lg", headers=headers["write"]).status_code == 204
    assert client.delete("/v1/users/reader1", headers=headers["write"]).status_code == 204
    with outbox.connection() as conn:  # the service never hard-deletes a paper; an operator's SQL may
        conn.execute("DELETE FROM papers WHERE id = 'new-b'")
    expected = {(u, "lg", "new-a") for u in USERS} - {("reader0", "lg", "new-a"), ("reader1", "lg", "new-a")}
    assert _alerts(outbox) == expected and _orphans(outbox) == 0
    with outbox.connection() as conn:
        conn.execute("TRUNCATE papers CASCADE")
    assert _alerts(outbox) == set()


def test_a_parent_key_cannot_change_under_its_alerts(outbox):
    _follow_alerts(outbox)
    for sql in ("UPDATE subscriptions SET id = 'renamed' WHERE user_id = 'reader0' AND id = 'lg'",
                "UPDATE papers SET id = 'renamed' WHERE id = 'new-a'"):
        with pytest.raises(psycopg.errors.ForeignKeyViolation), outbox.connection() as conn:
            conn.execute(sql)
    assert len(_alerts(outbox)) == len(USERS) * 2 and _orphans(outbox) == 0


def test_a_subscription_deleted_during_an_instant_batch_waits_and_takes_its_alerts(outbox, settings):
    rows = [{"user_id": u, "vector": _unit(1, 0.1 * i).tobytes(), "anchor_paper_id": "anchor"}
            for i, u in enumerate(USERS)]
    with outbox.connection() as conn:
        index = profile_index.build_profile_index(rows, subscriptions_store.instant(conn))
    paper_ids = ["new-a", "new-b"]
    vectors = np.stack([_unit(1, 0), _unit(1, 0.2)])
    two = settings.replace(alert_store_connections=2)
    with outbox.connection() as conn:  # the claiming transaction
        decided = matching.apply_rules(conn, index, paper_ids,
                                       matching.instant_decisions(index, vectors, default_min_score=0.5))
        # reader3 unsubscribes while the batch is being decided: the delete waits for the batch.
        delete = BlockedDelete(outbox, "DELETE FROM subscriptions WHERE user_id = %s AND id = %s",
                               ("reader3", "now"))
        assert matching.store_instant(outbox, conn, two, index, paper_ids, decided) == len(USERS) * 2
        assert delete.thread.is_alive()  # the shards committed; the claiming transaction still holds it
    assert delete.join() == 1
    assert _alerts(outbox) == {(u, "now", p) for u in USERS for p in paper_ids if u != "reader3"}
    assert _orphans(outbox) == 0


@pytest.mark.parametrize("writer", ["follow", "general"])
def test_a_delete_racing_the_other_writers_waits_for_them(outbox, writer):
    with outbox.connection() as conn:
        if writer == "follow":
            assert alerts_store.insert_follow_matches(conn, ["new-a"]) == len(USERS)
        else:
            assert alerts_store.insert_many(conn, [
                alerts_store.NewAlert(u, "now", "new-a", "inbox", 0.9, []) for u in USERS]) == len(USERS)
        user_delete = BlockedDelete(outbox, "DELETE FROM users WHERE id = %s", ("reader4",))
        paper_delete = BlockedDelete(outbox, "DELETE FROM papers WHERE id = %s", ("new-a",))
    assert user_delete.join() == 1 and paper_delete.join() == 1
    assert _alerts(outbox) == set() and _orphans(outbox) == 0


def test_the_held_index_keeps_its_subscriptions_until_the_batch_commits(outbox):
    """The first batch of a run does not read the subscriptions twice: ``HeldProfiles.current`` reads them
    locked in the claiming transaction, so a delete still waits for the batch."""
    with outbox.connection() as conn:
        profiles_store.replace(conn, "lsa:1", USERS, [(u, 0, _unit(1, 0.1 * i).tobytes(), 1.0, "anchor")
                                                      for i, u in enumerate(USERS)])
    with outbox.connection() as conn:
        index, _ = profile_index.HeldProfiles().current(conn, "lsa:1")
        delete = BlockedDelete(outbox, "DELETE FROM subscriptions WHERE user_id = %s AND id = %s",
                               ("reader5", "now"))
        assert index is not None and len(index.sub_id) == len(USERS)
    assert delete.join() == 1
