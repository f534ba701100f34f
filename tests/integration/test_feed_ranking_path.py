"""The ranked feed's in-process parts against real PostgreSQL and real artifacts: which events make a stored
list stale, and the hidden/deleted set kept current by the catalogue's change stamp."""

from __future__ import annotations

from services.store import papers as papers_store
from tests.integration.test_feed import catalogue, client, engine_settings, events, feed  # noqa: F401


def test_a_click_leaves_the_stored_list_valid_and_a_dismiss_does_not(client, headers, catalogue):  # noqa: F811
    # A known reader: an unknown id's feed is ranked on the spot and stored nowhere (cold_feed).
    assert client.put("/v1/users/c", json={}, headers=headers["write"]).status_code == 201
    first = feed(client, headers["read"], user="c", limit=5)
    shown = [i["paper"]["id"] for i in first["items"]]
    events(client, headers["write"], {"user_id": "c", "paper_id": shown[0], "type": "click",
                                      "context": {"feed_id": first["feed_id"]}})
    # The ranking never reads clicks: the same list is served again, with its feed_id (click credit).
    assert feed(client, headers["read"], user="c", limit=5)["feed_id"] == first["feed_id"]
    events(client, headers["write"], {"user_id": "c", "paper_id": shown[1], "type": "dismiss"})
    after = feed(client, headers["read"], user="c", limit=5)
    assert after["feed_id"] != first["feed_id"] and shown[1] not in {i["paper"]["id"] for i in after["items"]}


def test_a_paper_hidden_or_deleted_now_is_gone_from_the_next_ranked_feed(client, headers, catalogue,  # noqa: F811
                                                                         clean_db):
    assert client.put("/v1/users/h", json={}, headers=headers["write"]).status_code == 201  # ranked, not cold
    first = feed(client, headers["read"], user="h", limit=20, exclude="none")
    hidden, deleted = first["items"][0]["paper"]["id"], first["items"][1]["paper"]["id"]
    with clean_db.connection() as conn:
        assert papers_store.set_flag(conn, hidden, "hidden", True)
    assert client.delete(f"/v1/papers/{deleted}", headers=headers["admin"]).status_code == 204
    # exclude= ranks anew: the process's hidden set must have followed the change stamp.
    again = [i["paper"]["id"] for i in feed(client, headers["read"], user="h", limit=100, exclude="none")["items"]]
    assert again and hidden not in again and deleted not in again
    with clean_db.connection() as conn:
        papers_store.set_flag(conn, hidden, "hidden", False)
    back = [i["paper"]["id"] for i in feed(client, headers["read"], user="h", limit=100, exclude="none")["items"]]
    assert hidden in back and deleted not in back
