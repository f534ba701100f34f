"""Reads must not write without bound (audit finding 11): a read-scope feed request for an unknown user
id creates no user and stores no feed; a known user's stored feeds are capped per user."""

from __future__ import annotations

import random
import string

from services.app import create_app

PAPERS = [f"2604.{n:05d}" for n in range(1, 13)]


def _catalogue(client, headers):
    for n, paper_id in enumerate(PAPERS):
        paper = {"title": f"Paper {n}", "abstract": f"About topic {n}.", "authors": ["Ada"],
                 "categories": ["cs.LG" if n % 2 else "cs.CL"], "published_at": f"2026-04-{n + 1:02d}T00:00:00Z"}
        assert client.put(f"/v1/papers/{paper_id}", json=paper, headers=headers["write"]).status_code in (200, 201)


def _counts(db) -> tuple[int, int]:
    with db.connection() as conn:
        row = conn.execute("SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM feeds) AS feeds"
                           ).fetchone()
    return row["users"], row["feeds"]


def test_feeds_of_made_up_user_ids_create_no_users_and_store_no_feeds(client, headers, clean_db):
    _catalogue(client, headers)
    assert client.put("/v1/users/ada", json={}, headers=headers["write"]).status_code == 201
    before = _counts(clean_db)
    rng = random.Random(15)
    variants = [{}, {"category": "cs.LG"}, {"category": "cs.CL"}, {"exclude": PAPERS[0]},
                {"category": "cs.LG", "exclude": ",".join(PAPERS[1:4])}, {"limit": 3}]
    for n in range(100):
        user_id = "".join(rng.choices(string.ascii_lowercase + string.digits, k=12))
        query = variants[n % len(variants)]
        response = client.get(f"/v1/users/{user_id}/feed", query_string=query, headers=headers["read"])
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["items"] and body["feed_id"]  # the cold-start feed, in the usual shape
        if "category" in query:
            assert all(query["category"] in item["paper"]["categories"] for item in body["items"])
        if "exclude" in query:
            assert not {item["paper"]["id"] for item in body["items"]} & set(query["exclude"].split(","))
    assert _counts(clean_db) == before


def test_an_unknown_users_feed_pages_without_being_stored(client, headers, clean_db):
    _catalogue(client, headers)
    excluded = {PAPERS[-1], PAPERS[-3]}
    first = client.get("/v1/users/newcomer/feed", query_string={"limit": 3, "exclude": ",".join(excluded)},
                       headers=headers["read"]).get_json()
    seen = [item["paper"]["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get("/v1/users/newcomer/feed", query_string={"limit": 3, "cursor": cursor},
                          headers=headers["read"])
        assert page.status_code == 200, page.get_data(as_text=True)
        body = page.get_json()
        assert body["feed_id"] == first["feed_id"]
        seen += [item["paper"]["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert len(seen) == len(set(seen)) == len(PAPERS) - len(excluded)  # nothing repeated, skipped or excluded
    assert not set(seen) & excluded
    assert _counts(clean_db) == (0, 0)
    # Another user's id cannot continue it, and the cursor of a list that changed is refused, not re-cut.
    again = client.get("/v1/users/newcomer/feed", query_string={"limit": 3}, headers=headers["read"]).get_json()
    events = [{"user_id": "newcomer", "paper_id": again["items"][0]["paper"]["id"], "type": "read", "event_id": "r1"}]
    assert client.post("/v1/events", json={"events": events}, headers=headers["write"]).status_code == 202
    stale = client.get("/v1/users/newcomer/feed", query_string={"limit": 3, "cursor": again["next_cursor"]},
                       headers=headers["read"])
    assert stale.status_code == 422 and "cursor" in stale.get_json()["errors"]


def test_a_known_users_stored_feeds_are_capped(settings, headers, clean_db):
    client = create_app(settings.replace(feed_snapshots_per_user=5), db=clean_db).test_client()
    _catalogue(client, headers)
    assert client.put("/v1/users/ada", json={}, headers=headers["write"]).status_code == 201
    first = client.get("/v1/users/ada/feed", query_string={"limit": 2, "category": "cs.LG"},
                       headers=headers["read"]).get_json()
    for n in range(30):
        query = {"category": ("cs.LG", "cs.CL")[n % 2], "exclude": PAPERS[n % len(PAPERS)]}
        assert client.get("/v1/users/ada/feed", query_string=query, headers=headers["read"]).status_code == 200
    assert _counts(clean_db) == (1, 5)
    latest = client.get("/v1/users/ada/feed", query_string={"limit": 2, "category": "cs.CL"},
                        headers=headers["read"]).get_json()
    assert client.get("/v1/users/ada/feed", query_string={"cursor": latest["next_cursor"]},
                      headers=headers["read"]).status_code == 200
    # The oldest was deleted to make room: its cursor answers like an expired feed.
    assert client.get("/v1/users/ada/feed", query_string={"cursor": first["next_cursor"]},
                      headers=headers["read"]).status_code == 422
