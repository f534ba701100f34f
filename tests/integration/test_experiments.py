"""/v1/admin/experiments on real PostgreSQL: validation, lifecycle, stable recorded assignment,
promotion into the feed's defaults, and a synthetic population whose readout must find the variant
that is truly better, with the right sign (split and interleaved)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from services.recommender import experiments, pipeline
from tests.integration.test_api_papers import PAPER

TOPICS = ("wanted", "other")
PER_TOPIC = 40
# The catalogue is built so that the variants show different topics: "wanted" papers are the newest
# (the fresh retriever), "other" papers are trending (starred by fans). Readers click "wanted" papers
# more, so the variant ranking by freshness alone is truly better.
CLICK_PROBABILITY = {"wanted": 0.2, "other": 0.1}
TRENDING_ONLY = {"FEED_WEIGHT_FRESH": "0", "FEED_WEIGHT_TRENDING": "1"}
FRESH_ONLY = {"FEED_WEIGHT_FRESH": "1", "FEED_WEIGHT_TRENDING": "0"}


def admin(client, headers, method, path, body=None, status=200):
    response = client.open(f"/v1/admin/experiments{path}", method=method, json=body, headers=headers["admin"])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def spec(name="exp", **overrides):
    body = {"name": name, "variants": [{"name": "control", "share": 0.5, "overrides": {}},
                                       {"name": "treated", "share": 0.5, "overrides": {"FEED_WEIGHT_CF": "0.8"}}]}
    return {**body, **overrides}


def test_admin_scope_is_required(client, headers):
    assert client.post("/v1/admin/experiments", json=spec(), headers=headers["write"]).status_code == 403
    assert client.get("/v1/admin/experiments").status_code == 401


@pytest.mark.parametrize(("change", "field"), [
    ({"variants": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "overrides": {"FEED_WEIGHT_CF": "-1"}}]},
     "variants.1.overrides.FEED_WEIGHT_CF"),
    ({"variants": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "overrides": {"FEED_FUSION": "sum"}}]},
     "variants.1.overrides.FEED_FUSION"),
    ({"variants": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "overrides": {"SECRET_KEY": "x"}}]},
     "variants.1.overrides.SECRET_KEY"),
    ({"variants": [{"name": "a", "share": 0.5},
                   {"name": "b", "share": 0.5, "overrides": {"FEED_RETENTION_HOURS": "1"}}]},
     "variants.1.overrides.FEED_RETENTION_HOURS"),
    ({"variants": [{"name": "a", "share": 0.7}, {"name": "b", "share": 0.7}]}, "variants"),
    ({"variants": [{"name": "a", "share": 0.5}, {"name": "a", "share": 0.5}]}, "variants"),
    ({"variants": [{"name": "a", "share": 1.0}]}, "variants"),
    ({"variants": [{"name": "a", "share": 0}, {"name": "b", "share": 0.5}]}, "variants.0.share"),
    ({"mode": "bandit"}, "mode"), ({"primary_metric": "revenue"}, "primary_metric"), ({"surface": "mail"}, "surface"),
    ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"), ({"name": ""}, "name"), ({"name": "x" * 101}, "name"),
])
def test_bad_input_is_a_problem_naming_the_field(client, headers, change, field):
    response = client.post("/v1/admin/experiments", json=spec(**change), headers=headers["admin"])
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()


def test_one_running_experiment_per_surface_unless_independent(client, headers):
    first = admin(client, headers, "POST", "", spec("first"), status=201)
    assert first["status"] == "running" and first["variants"][1]["overrides"] == {"FEED_WEIGHT_CF": "0.8"}
    clash = client.post("/v1/admin/experiments", json=spec("second"), headers=headers["admin"])
    assert clash.status_code == 409 and "independent" in clash.get_json()["errors"]
    same_setting = client.post("/v1/admin/experiments", json=spec("third", independent=True), headers=headers["admin"])
    assert same_setting.status_code == 409 and "variants" in same_setting.get_json()["errors"]
    other = spec("fourth", independent=True, variants=[
        {"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "overrides": {"FEED_MMR_LAMBDA": 0.5}}])
    admin(client, headers, "POST", "", other, status=201)
    taken = client.post("/v1/admin/experiments", json=spec("first"), headers=headers["admin"])
    assert taken.status_code == 409
    # Pause frees the surface; resuming while another dependent one runs is refused.
    admin(client, headers, "POST", f"/{first['id']}/pause")
    second = admin(client, headers, "POST", "", spec("second"), status=201)
    assert client.post(f"/v1/admin/experiments/{first['id']}/resume", headers=headers["admin"]).status_code == 409
    admin(client, headers, "POST", f"/{second['id']}/stop")
    assert admin(client, headers, "POST", f"/{first['id']}/resume")["status"] == "running"
    assert client.post(f"/v1/admin/experiments/{second['id']}/stop", headers=headers["admin"]).status_code == 409
    assert client.get("/v1/admin/experiments/999", headers=headers["admin"]).status_code == 404


def test_list_is_paginated_and_filtered(client, headers):
    for i in range(5):
        made = admin(client, headers, "POST", "", spec(f"e{i}", independent=True, variants=[
            {"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "overrides": {}}]), status=201)
        if i % 2:
            admin(client, headers, "POST", f"/{made['id']}/stop")
    first = admin(client, headers, "GET", "?limit=2")
    seen = [e["name"] for e in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = admin(client, headers, "GET", f"?limit=2&cursor={cursor}")
        seen += [e["name"] for e in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ["e4", "e3", "e2", "e1", "e0"]
    assert [e["name"] for e in admin(client, headers, "GET", "?status=stopped")["items"]] == ["e3", "e1"]
    assert client.get("/v1/admin/experiments?status=odd", headers=headers["admin"]).status_code == 422
    assert client.get("/v1/admin/experiments?limit=5000", headers=headers["admin"]).status_code == 422


def catalogue(client, headers, clean_db, settings):
    """PER_TOPIC "other" papers starred by fans (trending), then PER_TOPIC newer "wanted" papers."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    topic = {}
    papers = []
    for t, topic_name in enumerate(("other", "wanted")):
        for i in range(PER_TOPIC):
            pid = f"{topic_name}-{i}"
            topic[pid] = topic_name
            when = start + dt.timedelta(days=t * 100 + i)
            papers.append({**PAPER, "id": pid, "title": f"{topic_name} paper {i}",
                           "published_at": when.isoformat()})
    response = client.post("/v1/papers/batch", json={"papers": papers}, headers=headers["write"])
    assert response.status_code == 200 and not response.get_json()["rejected"], response.get_json()
    stars = [{"user_id": f"fan{j}", "paper_id": f"other-{i}", "type": "star"} for i in range(PER_TOPIC)
             for j in range(1 + (PER_TOPIC - i) % 3)]
    assert client.post("/v1/events", json={"events": stars}, headers=headers["write"]).status_code == 202
    pipeline.recompute_trending(clean_db, settings)
    return topic


def simulate(client, headers, topic, readers, rng, *, prefix="r", limit=20):
    """Each reader asks for a feed once and clicks what it shows with CLICK_PROBABILITY of the topic."""
    for n in range(readers):
        user = f"{prefix}{n}"
        # Known readers: an unknown id's feed is stored nowhere, so it would count in no readout.
        assert client.put(f"/v1/users/{user}", json={}, headers=headers["write"]).status_code == 201
        response = client.get(f"/v1/users/{user}/feed?limit={limit}", headers=headers["read"])
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        clicks = [{"user_id": user, "paper_id": item["paper"]["id"], "type": "click",
                   "context": {"feed_id": body["feed_id"], "position": position}}
                  for position, item in enumerate(body["items"])
                  if rng.random() < CLICK_PROBABILITY[topic[item["paper"]["id"]]]]
        if clicks:
            assert client.post("/v1/events", json={"events": clicks}, headers=headers["write"]).status_code == 202


def test_assignment_is_stable_and_recorded_with_each_feed(client, headers, clean_db, settings):
    topic = catalogue(client, headers, clean_db, settings)
    made = admin(client, headers, "POST", "", spec("stable", variants=[
        {"name": "trending", "share": 0.3, "overrides": TRENDING_ONLY},
        {"name": "fresh", "share": 0.3, "overrides": FRESH_ONLY}]), status=201)
    row = experiments.Experiment.from_row({**made, "starts_at": None, "ends_at": None})
    for n in range(30):
        user = f"s{n}"
        assert client.put(f"/v1/users/{user}", json={}, headers=headers["write"]).status_code == 201
        expected = experiments.assign(row, user)
        ids = set()
        for _ in range(2):  # the second request ranks again (cursor-free, after an event) or reuses
            body = client.get(f"/v1/users/{user}/feed?limit=5&exclude=x", headers=headers["read"]).get_json()
            ids.add(body["feed_id"])
            shown = {topic[i["paper"]["id"]] for i in body["items"]}
            if expected is not None:
                assert shown == ({"other"} if expected.name == "trending" else {"wanted"})
        with clean_db.connection() as conn:
            stored = {r["assignments"] and r["assignments"].get(str(made["id"])) for r in conn.execute(
                "SELECT assignments FROM feeds WHERE id = ANY(%s::uuid[])", (list(ids),))}
        assert stored == {expected.name if expected else None}


@pytest.mark.slow
def test_a_synthetic_population_finds_the_better_variant(client, headers, clean_db, settings):
    topic = catalogue(client, headers, clean_db, settings)
    made = admin(client, headers, "POST", "", spec("fresh-vs-trending", variants=[
        {"name": "trending", "share": 0.5, "overrides": TRENDING_ONLY},
        {"name": "fresh", "share": 0.5, "overrides": FRESH_ONLY}]), status=201)
    simulate(client, headers, topic, 300, random.Random(7))
    readout = admin(client, headers, "GET", f"/{made['id']}/results")
    variants = {v["name"]: v for v in readout["variants"]}
    assert variants["trending"]["readers"] + variants["fresh"]["readers"] == 300
    assert not readout["srm"]["mismatch"] and readout["enough_readers"]
    ctr = next(c for c in readout["comparisons"] if c["metric"] == "ctr")
    assert ctr["variant"] == "fresh" and ctr["decision"] == "better", ctr
    assert ctr["always_valid"][0] > 0 and ctr["ci"][0] > 0 and ctr["always_valid"][0] <= ctr["ci"][0]
    assert readout["winner"] == "fresh" and not readout["frozen"]
    # Promote: the winner's overrides become the defaults, the experiment stops with its readout frozen,
    # and a reader outside any experiment is now ranked with them.
    assert client.post(f"/v1/admin/experiments/{made['id']}/promote", json={"variant": "trending"},
                       headers=headers["admin"]).status_code == 409
    promoted = admin(client, headers, "POST", f"/{made['id']}/promote", {"variant": "fresh"})
    assert promoted["status"] == "stopped" and promoted["promoted"] == "fresh"
    assert {d["name"]: d["value"] for d in admin(client, headers, "GET", "/defaults")["items"]} == FRESH_ONLY
    assert admin(client, headers, "GET", f"/{made['id']}/results")["frozen"]
    body = client.get("/v1/users/newcomer/feed?limit=10", headers=headers["read"]).get_json()
    assert {topic[i["paper"]["id"]] for i in body["items"]} == {"wanted"}
    assert client.delete("/v1/admin/experiments/defaults", headers=headers["admin"]).status_code == 204
    body = client.get("/v1/users/newcomer2/feed?limit=10", headers=headers["read"]).get_json()
    assert "other" in {topic[i["paper"]["id"]] for i in body["items"]}


@pytest.mark.slow
def test_interleaving_credits_the_contributing_variant(client, headers, clean_db, settings):
    topic = catalogue(client, headers, clean_db, settings)
    made = admin(client, headers, "POST", "", spec("interleaved", mode="interleave", variants=[
        {"name": "trending", "share": 0.5, "overrides": TRENDING_ONLY},
        {"name": "fresh", "share": 0.5, "overrides": FRESH_ONLY}]), status=201)
    simulate(client, headers, topic, 120, random.Random(11), prefix="i")
    with clean_db.connection() as conn:
        items = conn.execute("SELECT items FROM feeds WHERE assignments ? %s LIMIT 1", (str(made["id"]),)
                             ).fetchone()["items"]
    assert {e["t"] for e in items} == {"trending", "fresh"}
    assert all(e["t"] == ("fresh" if topic[e["p"]] == "wanted" else "trending") for e in items)
    readout = admin(client, headers, "GET", f"/{made['id']}/results")
    preference = readout["comparisons"][0]
    assert readout["mode"] == "interleave" and preference["metric"] == "click_preference"
    assert preference["variant"] == "fresh" and preference["estimate"] > 0
    assert preference["decision"] == "better" and readout["winner"] == "fresh", preference


def test_out_of_range_times_and_ids_are_refused_not_crashed(client, headers):
    far = client.post("/v1/admin/experiments", json=spec(starts_at="9999-12-01T00:00:00Z"), headers=headers["admin"])
    assert far.status_code == 422 and "starts_at" in far.get_json()["errors"]
    past = client.post("/v1/admin/experiments", json=spec(starts_at="2001-01-01T00:00:00Z"), headers=headers["admin"])
    assert past.status_code == 422 and "starts_at" in past.get_json()["errors"]
    assert client.get(f"/v1/admin/experiments/{2 ** 70}/results", headers=headers["admin"]).status_code == 404
    assert client.post(f"/v1/admin/experiments/{2 ** 64}/stop", headers=headers["admin"]).status_code == 404
