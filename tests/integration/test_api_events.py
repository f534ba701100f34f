"""Contract of POST /v1/events, stars and history (API.md, Events)."""

import pytest

from tests.integration.test_api_papers import PAPER


@pytest.fixture
def catalogue(client, headers):
    papers = [{**PAPER, "id": f"p{i}", "title": f"Paper {i}"} for i in range(5)]
    assert client.post("/v1/papers/batch", json={"papers": papers}, headers=headers["write"]).status_code == 200


def post(client, headers, events):
    return client.post("/v1/events", json={"events": events}, headers=headers)


def test_batch_accepts_rejects_per_item_and_creates_users(client, headers, catalogue, clean_db):
    response = post(client, headers["write"], [
        {"user_id": "alice", "paper_id": "p1", "type": "read", "event_id": "e1"},
        {"user_id": "alice", "paper_id": "nope", "type": "read"},
        {"user_id": "bob", "paper_id": "p2", "type": "teleport"},
        {"user_id": "bob", "paper_id": "p2", "type": "star", "occurred_at": "2999-01-01T00:00:00Z"},
        {"user_id": "carol", "paper_id": "p3", "type": "click", "context": {"feed_id": "f1", "position": 3}},
        42,
    ])
    assert response.status_code == 202
    body = response.get_json()
    assert body["accepted"] == 2 and body["duplicates"] == 0
    rejected = {r["index"]: r["errors"] for r in body["rejected"]}
    assert set(rejected) == {1, 2, 3, 5}
    assert "paper_id" in rejected[1] and "type" in rejected[2] and "occurred_at" in rejected[3]
    with clean_db.connection() as conn:
        assert {r["id"] for r in conn.execute("SELECT id FROM users")} == {"alice", "carol"}
        assert conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"] == 2


def test_retries_are_idempotent(client, headers, catalogue, clean_db):
    events = [{"user_id": "u", "paper_id": "p1", "type": "read", "event_id": f"e{i}"} for i in range(3)]
    first = post(client, headers["write"], events).get_json()
    again = post(client, headers["write"], events + [events[0]]).get_json()
    assert (first["accepted"], first["duplicates"]) == (3, 0)
    assert (again["accepted"], again["duplicates"]) == (0, 4)
    # the same event id from another user is another event
    other = post(client, headers["write"], [{**events[0], "user_id": "v"}]).get_json()
    assert other["accepted"] == 1
    with clean_db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"] == 4


def test_duplicate_inside_one_batch(client, headers, catalogue):
    event = {"user_id": "u", "paper_id": "p1", "type": "star", "event_id": "same"}
    body = post(client, headers["write"], [event, event]).get_json()
    assert (body["accepted"], body["duplicates"]) == (1, 1)


def _starred(client, headers, user):
    return [i["paper"]["id"] for i in client.get(f"/v1/users/{user}/stars", headers=headers).get_json()["items"]]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_star_unstar_out_of_order_latest_occurred_at_wins(client, headers, catalogue, order):
    timeline = [
        {"user_id": "u", "paper_id": "p1", "type": "star", "occurred_at": "2026-05-01T10:00:00Z"},
        {"user_id": "u", "paper_id": "p1", "type": "unstar", "occurred_at": "2026-05-01T11:00:00Z"},
        {"user_id": "u", "paper_id": "p1", "type": "star", "occurred_at": "2026-05-01T12:00:00Z"},
    ]
    for i in order:  # one batch per event, arriving in a shuffled order
        assert post(client, headers["write"], [timeline[i]]).status_code == 202
    assert _starred(client, headers["read"], "u") == ["p1"]
    post(client, headers["write"], [{**timeline[1], "occurred_at": "2026-05-01T09:00:00Z"}])  # stale unstar
    assert _starred(client, headers["read"], "u") == ["p1"]
    post(client, headers["write"], [{**timeline[1], "occurred_at": "2026-05-01T13:00:00Z"}])
    assert _starred(client, headers["read"], "u") == []


def test_star_and_unstar_in_one_batch(client, headers, catalogue):
    post(client, headers["write"], [
        {"user_id": "u", "paper_id": "p2", "type": "unstar", "occurred_at": "2026-05-02T00:00:00Z"},
        {"user_id": "u", "paper_id": "p2", "type": "star", "occurred_at": "2026-05-01T00:00:00Z"},
        {"user_id": "u", "paper_id": "p3", "type": "star", "occurred_at": "2026-05-01T00:00:00Z"},
    ])
    assert _starred(client, headers["read"], "u") == ["p3"]


def test_batch_size_and_shape_errors(client, headers, catalogue):
    too_many = [{"user_id": "u", "paper_id": "p1", "type": "read"}] * 1001
    for body in ({"events": too_many}, {"events": []}, {"events": "x"}, {}, {"events": [{}] * 2, "x": 1}):
        response = client.post("/v1/events", json=body, headers=headers["write"])
        if body.get("events") == [{}] * 2:
            assert response.status_code == 202 and len(response.get_json()["rejected"]) == 2
        else:
            assert response.status_code == 422 and "events" in response.get_json()["errors"], body
    malformed = client.post("/v1/events", data=b'{"events": [', headers={**headers["write"],
                                                                        "Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.mimetype == "application/problem+json"


def test_history_and_stars_paginate_newest_first(client, headers, catalogue):
    events = [{"user_id": "h", "paper_id": f"p{i % 5}", "type": "read" if i % 2 else "star",
               "occurred_at": f"2026-05-01T00:{i:02d}:00Z"} for i in range(25)]
    post(client, headers["write"], events)
    seen, cursor = [], None
    while True:
        url = "/v1/users/h/history?limit=10" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers["read"]).get_json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 25 and len({i["id"] for i in seen}) == 25
    assert [i["occurred_at"] for i in seen] == sorted((i["occurred_at"] for i in seen), reverse=True)
    reads = client.get("/v1/users/h/history?type=read&limit=100", headers=headers["read"]).get_json()["items"]
    assert len(reads) == 12 and {i["type"] for i in reads} == {"read"}
    stars = client.get("/v1/users/h/stars?limit=2", headers=headers["read"]).get_json()
    assert len(stars["items"]) == 2 and stars["next_cursor"]
    assert client.get("/v1/users/nobody/history", headers=headers["read"]).status_code == 404
    # a cursor from one list is refused by another
    assert client.get(f"/v1/users/h/stars?cursor={body and cursor or ''}x", headers=headers["read"]).status_code == 422
