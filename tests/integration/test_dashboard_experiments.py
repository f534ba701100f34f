"""Dashboard experiments: an operator starts, watches, pauses, stops and promotes an experiment; the
SRM warning shows when the split is broken; viewers only look."""

from __future__ import annotations

import random
import uuid

import pytest
from psycopg.types.json import Jsonb

from tests.integration import dashboard_support as ds
from tests.integration.dashboard_support import *  # noqa: F403 (fixtures)
from tests.integration.test_experiments import FRESH_ONLY, TRENDING_ONLY, catalogue, simulate

FORM = {"name": "weights", "description": "cf heavier", "mode": "split", "primary_metric": "ctr", "days": "7",
        "variants": "control 0.5\nheavier 0.5 FEED_WEIGHT_CF=0.9 FEED_MMR_LAMBDA=0.8"}


def test_start_pause_resume_stop_from_the_dashboard(admin_client, clean_db):
    started = ds.post(admin_client, "/admin/experiments", FORM)
    assert started.status_code == 302, started.get_data(as_text=True)
    page = admin_client.get(started.headers["Location"]).get_data(as_text=True)
    assert "weights" in page and "FEED_WEIGHT_CF=0.9" in page and "Against the control" in page
    assert "no decision is made yet" in page
    listing = admin_client.get("/admin/experiments").get_data(as_text=True)
    assert "weights" in listing and "running" in listing
    experiment_id = started.headers["Location"].rsplit("/", 1)[1]
    assert ds.post(admin_client, f"/admin/experiments/{experiment_id}/pause").status_code == 302
    assert ds.post(admin_client, f"/admin/experiments/{experiment_id}/resume").status_code == 302
    confirm = ds.post(admin_client, f"/admin/experiments/{experiment_id}/stop")
    assert confirm.status_code == 200 and "Stop this experiment" in confirm.get_data(as_text=True)
    assert ds.post(admin_client, f"/admin/experiments/{experiment_id}/stop", {"confirm": "yes"}).status_code == 302
    assert "stopped" in admin_client.get(f"/admin/experiments/{experiment_id}").get_data(as_text=True)
    with clean_db.connection() as conn:
        actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-4:] == ["experiment.create", "experiment.pause", "experiment.resume", "experiment.stop"]


@pytest.mark.parametrize(("variants", "shown"), [
    ("control 0.5\nb 0.5 FEED_WEIGHT_CF=500", "variants.1.overrides.FEED_WEIGHT_CF: expected a number from 0.0 to 100.0"),
    ("control 0.5\nb 0.5 SECRET_KEY=x", "variants.1.overrides.SECRET_KEY"),
    ("control 0.5\nb 0.5 FEED_WEIGHT_CF", "is not SETTING=value"),
    ("control 0.8\nb 0.8", "shares must sum to at most 1"),
])
def test_bad_variants_are_shown_on_the_form(admin_client, clean_db, variants, shown):
    response = ds.post(admin_client, "/admin/experiments", {**FORM, "variants": variants})
    assert response.status_code in (200, 422) and shown in response.get_data(as_text=True)
    with clean_db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM experiments").fetchone()["n"] == 0


def test_viewers_cannot_start_experiments(viewer_client):
    assert ds.post(viewer_client, "/admin/experiments", FORM).status_code == 403


def test_a_broken_split_shows_the_srm_warning(admin_client, clean_db):
    started = ds.post(admin_client, "/admin/experiments", FORM)
    experiment_id = started.headers["Location"].rsplit("/", 1)[1]
    with clean_db.connection() as conn:  # 120 readers logged in one variant, 40 in the other
        for n in range(160):
            user = f"u{n}"
            conn.execute("INSERT INTO users (id) VALUES (%s)", (user,))
            conn.execute("INSERT INTO feeds (id, user_id, items, served, assignments) VALUES (%s, %s, '[]', 10, %s)",
                         (uuid.uuid4(), user, Jsonb({experiment_id: "control" if n < 120 else "heavier"})))
    page = admin_client.get(f"/admin/experiments/{experiment_id}").get_data(as_text=True)
    assert "Sample-ratio mismatch" in page and "120 / 40" in page


@pytest.mark.slow
def test_promote_the_winner_from_the_dashboard(app, admin_client, headers, clean_db, engine_settings):
    api = app.test_client()
    topic = catalogue(api, headers, clean_db, engine_settings)
    started = ds.post(admin_client, "/admin/experiments", {
        **FORM, "name": "fresh", "variants": "trending 0.5 " + " ".join(f"{k}={v}" for k, v in TRENDING_ONLY.items())
        + "\nfresh 0.5 " + " ".join(f"{k}={v}" for k, v in FRESH_ONLY.items())})
    experiment_id = started.headers["Location"].rsplit("/", 1)[1]
    simulate(api, headers, topic, 300, random.Random(3))
    page = admin_client.get(f"/admin/experiments/{experiment_id}").get_data(as_text=True)
    assert "Promote fresh" in page and "Sample-ratio mismatch" not in page
    assert ds.post(admin_client, f"/admin/experiments/{experiment_id}/promote", {"variant": "fresh"}).status_code == 200
    done = ds.post(admin_client, f"/admin/experiments/{experiment_id}/promote", {"variant": "fresh", "confirm": "yes"})
    assert done.status_code == 302
    listing = admin_client.get("/admin/experiments").get_data(as_text=True)
    assert "FEED_WEIGHT_TRENDING" in listing and f"operator:{ds.ADMIN}" in listing
    body = api.get("/v1/users/newcomer/feed?limit=10", headers=headers["read"]).get_json()
    assert {topic[i["paper"]["id"]] for i in body["items"]} == {"wanted"}
