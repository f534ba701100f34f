"""Subscriptions, instant matching, follows, digests and the inbox on real PostgreSQL and real artifacts."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json

import numpy as np
import pytest

from infra.cli import DEMO_CATALOGUE
from services.alerts import digests, matching, outbox, profiles
from services.app import create_app
from services.catalog.importer import import_lines
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore

N_OLD, N_NEW = 600, 1000


@pytest.fixture
def engine_settings(settings, tmp_path):
    return settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0,
                            webhook_allow_private=False, alert_min_score_default=0.5)


@pytest.fixture
def lines():
    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        return list(itertools.islice(fh, N_OLD + N_NEW))


@pytest.fixture
def catalogue(clean_db, engine_settings, lines):
    """N_OLD papers imported, embedded, indexed and already considered for alerts."""
    import_lines(clean_db, lines[:N_OLD])
    pipeline.refresh(clean_db, ArtifactStore(engine_settings.artifacts), engine_settings)
    matching.match_new_papers(clean_db, engine_settings)
    return [json.loads(line) for line in lines[:N_OLD]]


@pytest.fixture
def client(engine_settings, clean_db):
    return create_app(engine_settings, db=clean_db).test_client()


def put_sub(client, headers, user, sub, **body):
    return client.put(f"/v1/users/{user}/subscriptions/{sub}", json=body, headers=headers["write"])


def star(client, headers, user, *paper_ids):
    response = client.post("/v1/events", json={"events": [
        {"user_id": user, "paper_id": p, "type": "star"} for p in paper_ids]}, headers=headers["write"])
    assert response.status_code == 202 and response.get_json()["accepted"] == len(paper_ids)


def test_subscription_validation_names_the_field(client, headers):
    cases = [
        ({"kind": "author", "channel": "inbox"}, "author"),
        ({"kind": "instant", "channel": "inbox", "author": "Ada"}, "author"),
        ({"kind": "gossip", "channel": "inbox"}, "kind"),
        ({"kind": "digest", "channel": "pigeon"}, "channel"),
        ({"kind": "digest", "channel": "inbox", "frequency": "hourly"}, "frequency"),
        ({"kind": "instant", "channel": "inbox", "min_score": 3}, "min_score"),
        ({"kind": "instant", "channel": "webhook"}, "webhook_url"),
        ({"kind": "instant", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"}, "webhook_url"),
        ({"kind": "instant", "channel": "webhook", "webhook_url": "http://10.1.2.3/hook"}, "webhook_url"),
        ({"kind": "instant", "channel": "webhook", "webhook_url": "file:///etc/passwd"}, "webhook_url"),
        ({"kind": "instant", "channel": "inbox", "webhook_url": "https://example.org/x"}, "webhook_url"),
        ({"kind": "digest", "channel": "email"}, "channel"),  # the user has no email address
    ]
    for body, field in cases:
        response = put_sub(client, headers, "val", "s", **body)
        assert response.status_code == 422, (body, response.get_json())
        assert response.content_type == "application/problem+json"
        assert field in response.get_json()["errors"], (body, response.get_json())
    assert client.get("/v1/users/val/subscriptions", headers=headers["read"]).get_json()["items"] == []


def test_subscription_crud_and_paging(client, headers, user_token):
    for i in range(5):
        assert put_sub(client, headers, "ann", f"c{i}", kind="category", channel="inbox",
                       category=f"cs.{i}").status_code == 201
    replaced = put_sub(client, headers, "ann", "c0", kind="digest", channel="inbox", frequency="weekly")
    assert replaced.status_code == 200 and replaced.get_json()["kind"] == "digest"
    seen, cursor = [], None
    while True:
        page = client.get("/v1/users/ann/subscriptions?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=headers["read"]).get_json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"c{i}" for i in range(5)]
    mine = client.get("/v1/me/subscriptions", headers=user_token("ann")).get_json()
    assert len(mine["items"]) == 5
    assert client.delete("/v1/users/ann/subscriptions/c3", headers=headers["write"]).status_code == 204
    assert client.delete("/v1/users/ann/subscriptions/c3", headers=headers["write"]).status_code == 404
    assert client.get("/v1/users/ann/subscriptions/c3", headers=headers["read"]).status_code == 404
    assert client.put("/v1/users/ann/subscriptions/x", json={"kind": "digest", "channel": "inbox"},
                      headers=headers["read"]).status_code == 403


def _vectors(db, embedder, ids):
    with db.connection() as conn:
        rows = conn.execute("SELECT paper_id, vector FROM paper_embeddings WHERE embedder = %s AND paper_id = ANY(%s)",
                            (embedder, list(ids))).fetchall()
    return {r["paper_id"]: np.frombuffer(r["vector"], dtype=np.float32) for r in rows}


def _alerts(db, user=None):
    with db.connection() as conn:
        return conn.execute("SELECT * FROM alerts WHERE %(u)s::text IS NULL OR user_id = %(u)s ORDER BY id",
                            {"u": user}).fetchall()


@pytest.mark.slow
def test_new_papers_alert_exactly_the_users_whose_profile_matches(client, headers, clean_db, engine_settings,
                                                                   catalogue, lines):
    # Three readers with different tastes (by category), one who will be deleted, one with no stars.
    by_category: dict[str, list[str]] = {}
    for paper in catalogue:
        by_category.setdefault(paper["categories"][0], []).append(paper["id"])
    tastes = sorted(by_category, key=lambda c: -len(by_category[c]))[:3]
    users = {f"reader-{i}": by_category[c][:6] for i, c in enumerate(tastes)}
    users["leaver"] = by_category[tastes[0]][6:12]
    for user, papers in users.items():
        star(client, headers, user, *papers)
        assert put_sub(client, headers, user, "instant", kind="instant", channel="inbox",
                       min_score=0.2).status_code == 201
    assert put_sub(client, headers, "newcomer", "instant", kind="instant", channel="inbox").status_code == 201
    author = json.loads(lines[N_OLD + 3])["authors"][0]
    assert put_sub(client, headers, "fan", "a", kind="author", channel="inbox", author=author).status_code == 201
    assert put_sub(client, headers, "fan", "q", kind="query", channel="inbox", query="reinforcement learning"
                   ).status_code == 201
    assert client.delete("/v1/users/leaver", headers=headers["write"]).status_code == 204

    import_lines(clean_db, lines[N_OLD:])
    pipeline.refresh(clean_db, ArtifactStore(engine_settings.artifacts), engine_settings)
    assert profiles.refresh(clean_db, engine_settings)["refreshed"] == 4  # three readers + the newcomer
    result = matching.match_new_papers(clean_db, engine_settings)
    assert result["papers"] == N_NEW

    # The oracle: brute force over every (user, new paper) against the stored profiles.
    embedder = profiles.live_embedder(clean_db)
    new_ids = [json.loads(line)["id"] for line in lines[N_OLD:]]
    new_vectors = _vectors(clean_db, embedder, new_ids)
    with clean_db.connection() as conn:
        stored = conn.execute("SELECT user_id, vector FROM user_profiles WHERE embedder = %s", (embedder,)).fetchall()
    counts = {}
    for user in [u for u in users if u != "leaver"]:
        profile = np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in stored if r["user_id"] == user])
        expected = {pid for pid, v in new_vectors.items() if float(np.max(profile @ v)) >= 0.2 - 1e-5}
        got = {a["paper_id"] for a in _alerts(clean_db, user) if a["subscription_id"] == "instant"}
        assert got == expected, (user, result)
        counts[user] = len(got)
    # Selective: readers hear of some new papers, none of most.
    assert sum(counts.values()) > 0 and all(n < N_NEW // 4 for n in counts.values()), counts
    assert _alerts(clean_db, "newcomer") == [] and _alerts(clean_db, "leaver") == []
    fan = {a["subscription_id"]: a for a in _alerts(clean_db, "fan")}
    assert set(fan) == {"a", "q"}
    assert fan["a"]["reasons"][0]["kind"] == "followed_author"
    # Only new papers: the old catalogue was considered before the subscriptions existed.
    assert all(a["paper_id"] in new_vectors for a in _alerts(clean_db))

    # Instant inbox alerts are delivered as they are stored (the row is the inbox item); follows wait
    # for the outbox.
    stored = _alerts(clean_db)
    for a in stored:
        delivered = a["subscription_id"] == "instant"
        assert (a["status"], a["attempts"], a["delivered_at"] == a["created_at"]) == (
            ("delivered", 1, True) if delivered else ("pending", 0, False)), a

    # Running again decides nothing new, without reading anyone's profile (the beat runs it every
    # minute; at 100k subscribers the profiles are hundreds of MB); delivery to the inbox is one pass
    # and also idempotent.
    again = matching.match_new_papers(clean_db, engine_settings)
    assert (again["papers"], again["profiles"], again["profile_seconds"]) == (0, 0, 0), again
    assert result["profiles"] == result["profile_rows_held"] >= 4 and result["profile_seconds"] > 0, result
    assert outbox.deliver_due(clean_db, engine_settings, {})["inbox"] == sum(a["status"] == "pending" for a in stored) > 0
    assert outbox.deliver_due(clean_db, engine_settings, {})["inbox"] == 0
    assert {a["status"] for a in _alerts(clean_db)} == {"delivered"}


def test_inbox_lists_pages_filters_and_marks_read(client, headers, clean_db, engine_settings, catalogue, lines,
                                                  user_token):
    assert put_sub(client, headers, "ina", "cat", kind="category", channel="inbox",
                   category=json.loads(lines[N_OLD])["categories"][0]).status_code == 201
    import_lines(clean_db, lines[N_OLD:N_OLD + 200])
    with clean_db.connection() as conn:  # no vectors needed for follows: let the grace period pass
        conn.execute("UPDATE papers SET created_at = now() - interval '1 hour' WHERE alerts_matched_at IS NULL")
    matching.match_new_papers(clean_db, engine_settings)
    outbox.deliver_due(clean_db, engine_settings, {})
    total = len(_alerts(clean_db, "ina"))
    assert total >= 3

    first = client.get("/v1/users/ina/alerts?limit=2", headers=headers["read"]).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    item = first["items"][0]
    assert item["reasons"][0]["kind"] == "new_in_followed_category" and item["paper"]["id"]
    assert client.post(f"/v1/users/ina/alerts/{item['id']}/read", headers=headers["write"]).status_code == 204
    assert client.post(f"/v1/users/other/alerts/{item['id']}/read", headers=headers["write"]).status_code == 404
    assert client.post("/v1/users/ina/alerts/abc/read", headers=headers["write"]).status_code == 422
    unread = client.get("/v1/me/alerts?unread=true&limit=100", headers=user_token("ina")).get_json()
    assert len(unread["items"]) == total - 1 and item["id"] not in {i["id"] for i in unread["items"]}
    assert client.get("/v1/users/ina", headers=headers["read"]).get_json()["counts"]["unread_alerts"] == total - 1


def test_digests_compose_once_per_local_period(client, headers, clean_db, engine_settings, catalogue, lines):
    star(client, headers, "dee", *[p["id"] for p in catalogue[:5]])
    client.put("/v1/users/dee", json={"timezone": "Asia/Tokyo"}, headers=headers["write"])
    assert put_sub(client, headers, "dee", "daily", kind="digest", channel="inbox").status_code == 201
    assert put_sub(client, headers, "cold", "weekly", kind="digest", channel="inbox", frequency="weekly"
                   ).status_code == 201
    profiles.refresh(clean_db, engine_settings)
    # 07:30 in Tokyo: before DIGEST_LOCAL_HOUR (8): nothing yet.
    early = dt.datetime(2026, 11, 26, 22, 30, tzinfo=dt.UTC)
    assert digests.compose_due(clean_db, engine_settings, now=early)["composed"] == 1  # only "cold" (UTC 22:30)
    assert {a["user_id"] for a in _alerts(clean_db)} == {"cold"}
    late = early + dt.timedelta(hours=1)
    result = digests.compose_due(clean_db, engine_settings, now=late)
    assert result["composed"] == 1
    dee = _alerts(clean_db, "dee")
    assert len(dee) == engine_settings.digest_size
    assert {a["digest_key"] for a in dee} == {"2026-11-27"}
    starred = {p["id"] for p in catalogue[:5]}
    assert not starred & {a["paper_id"] for a in dee}
    assert any(r["kind"] == "matches_your_interests" for a in dee for r in a["reasons"]), [a["reasons"] for a in dee]
    assert digests.compose_due(clean_db, engine_settings, now=late + dt.timedelta(hours=3))["composed"] == 0
    assert _alerts(clean_db, "cold")[0]["digest_key"] == "2026-W48"
