"""Incremental re-ranking on real PostgreSQL, artifacts and models: a star, read or dismissal updates the
stored feed instead of ranking it anew (services/recommender/incremental.py)."""

from __future__ import annotations

import pytest

from services.app import create_app
from services.recommender.feed import rank_and_store
from services.recommender.incremental import FIRST_PLACE, GAP
from services.store import feeds as feeds_store
from services.web.state import state
from tests.integration.test_feed import (  # noqa: F401  (fixtures)
    _far_apart_pair,
    _walk,
    catalogue,
    engine_settings,
    events,
    feed,
    kinds,
)

CONTENT_KINDS = {"similar_to_starred", "similar_to_read", "matches_your_interest"}


def app_client(engine_settings, clean_db, **changes):  # noqa: F811
    return create_app(engine_settings.replace(**changes), db=clean_db).test_client()


@pytest.fixture
def client(engine_settings, clean_db):  # noqa: F811
    return app_client(engine_settings, clean_db)


def newest_updates(clean_db, user):
    with clean_db.connection() as conn:
        return conn.execute("SELECT updates FROM feeds WHERE user_id = %s ORDER BY created_at DESC LIMIT 1",
                            (user,)).fetchone()["updates"]


def anchors(items):
    return [next((r["paper_id"] for r in i["reasons"] if r["kind"] == "similar_to_starred"), None) for i in items]


def two_interests(client, headers, catalogue):  # noqa: F811
    group_a, group_b = _far_apart_pair(client, headers["read"], catalogue)
    events(client, headers["write"], *[{"user_id": "two", "paper_id": p, "type": "star"} for p in group_a + group_b])
    return group_a, group_b


def test_a_star_brings_its_neighbours_to_the_next_feed_and_the_other_interest_keeps_its_places(
        client, headers, catalogue, clean_db, engine_settings):  # noqa: F811
    _, group_b = two_interests(client, headers, catalogue)
    before = feed(client, headers["read"], user="two", limit=10)
    assert set(anchors(before["items"])) & set(group_b)
    assert newest_updates(clean_db, "two") == 0  # ranked in full
    starred = next(i["paper"]["id"] for i, a in zip(before["items"], anchors(before["items"]), strict=True)
                   if a not in group_b)
    events(client, headers["write"], {"user_id": "two", "paper_id": starred, "type": "star"})
    after = feed(client, headers["read"], user="two", limit=10)
    assert after["feed_id"] != before["feed_id"] and newest_updates(clean_db, "two") == 1
    shown = [i["paper"]["id"] for i in after["items"]]
    assert starred not in shown
    # Its interest's best candidates enter at the second place and every GAP-th after it (no co-readers
    # here: no CF model), each with a content reason; the rest keeps the full rank's order.
    places = [FIRST_PLACE + i * GAP for i in range(3)]
    arrivals = [shown[at] for at in places]
    assert all(kinds(after["items"][at]) <= CONTENT_KINDS for at in places)
    assert not set(arrivals) & {i["paper"]["id"] for i in before["items"][:FIRST_PLACE]}
    old = [i["paper"]["id"] for i in before["items"] if i["paper"]["id"] not in (starred, *arrivals)]
    assert [p for at, p in enumerate(shown) if at not in places] == old[: len(shown) - len(places)]
    # The other interest keeps its places on the page.
    assert set(anchors(after["items"])) & set(group_b)
    # Served again while nothing else happens, and paged without repeats.
    assert feed(client, headers["read"], user="two", limit=10)["feed_id"] == after["feed_id"]
    seen, feed_ids = _walk(client, headers["read"], "two")
    assert len(seen) == len(set(seen)) and feed_ids == {after["feed_id"]} and starred not in seen
    # The worker's precompute ranks an updated list in full, off the request path.
    with clean_db.connection() as conn:
        assert "two" in feeds_store.users_to_precompute(conn, active_days=1, fresh_seconds=600,
                                                        model_version=after["model_version"], limit=100)
        rank_and_store(conn, state(client.application).models, engine_settings, "two")
        assert "two" not in feeds_store.users_to_precompute(conn, active_days=1, fresh_seconds=600,
                                                            model_version=after["model_version"], limit=100)
    assert newest_updates(clean_db, "two") == 0


def test_a_dismissal_only_removes_the_paper(client, headers, catalogue, clean_db):  # noqa: F811
    two_interests(client, headers, catalogue)
    before = [i["paper"]["id"] for i in feed(client, headers["read"], user="two", limit=20)["items"]]
    events(client, headers["write"], {"user_id": "two", "paper_id": before[3], "type": "dismiss"})
    after = [i["paper"]["id"] for i in feed(client, headers["read"], user="two", limit=19)["items"]]
    assert after == before[:3] + before[4:] and newest_updates(clean_db, "two") == 1


def test_an_unstar_or_too_many_updates_rank_in_full(client, headers, catalogue, clean_db):  # noqa: F811
    group_a, _ = two_interests(client, headers, catalogue)
    feed(client, headers["read"], user="two", limit=10)
    for expected in (1, 2, 3, 0, 1):  # FEED_INCREMENTAL_UPDATES (3) in a row, then a full rank
        shown = feed(client, headers["read"], user="two", limit=10)["items"]
        events(client, headers["write"], {"user_id": "two", "paper_id": shown[-1]["paper"]["id"], "type": "dismiss"})
        feed(client, headers["read"], user="two", limit=10)
        assert newest_updates(clean_db, "two") == expected
    events(client, headers["write"], {"user_id": "two", "paper_id": group_a[0], "type": "unstar"})
    items = feed(client, headers["read"], user="two", limit=10)["items"]
    assert newest_updates(clean_db, "two") == 0 and group_a[0] not in anchors(items)


def test_updates_can_be_turned_off(engine_settings, clean_db, headers, catalogue):  # noqa: F811
    client = app_client(engine_settings, clean_db, feed_incremental_updates=0)
    two_interests(client, headers, catalogue)
    shown = feed(client, headers["read"], user="two", limit=10)["items"]
    events(client, headers["write"], {"user_id": "two", "paper_id": shown[0]["paper"]["id"], "type": "star"})
    feed(client, headers["read"], user="two", limit=10)
    assert newest_updates(clean_db, "two") == 0


def test_a_process_that_has_ranked_nothing_yet_updates_too(engine_settings, clean_db, headers, catalogue):  # noqa: F811
    # Under gunicorn the request after a star may reach another worker, one whose models are not loaded
    # yet: it must compare the stored feed with the live versions, not with none, and update it.
    first = app_client(engine_settings, clean_db)
    two_interests(first, headers, catalogue)
    shown = feed(first, headers["read"], user="two", limit=10)["items"]
    events(first, headers["write"], {"user_id": "two", "paper_id": shown[0]["paper"]["id"], "type": "star"})
    other = app_client(engine_settings, clean_db)
    after = feed(other, headers["read"], user="two", limit=10)
    assert newest_updates(clean_db, "two") == 1
    assert after["model_version"] == feed(first, headers["read"], user="two", limit=10)["model_version"]
