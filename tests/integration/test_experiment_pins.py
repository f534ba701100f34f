"""An experiment's variant pinning a model version (FEED_PIN_INDEX): its readers' feeds are ranked with,
and recorded as coming from, the pinned index while the others get the live one; pins are checked
against what was published; promoting the pinned variant makes its version live."""

from __future__ import annotations

import pytest

from services.app import create_app
from services.recommender import experiments, pipeline
from services.recommender.artifacts import ArtifactStore
from services.web.state import state
from tests.integration.dashboard_support import *  # noqa: F403 (fixtures)


@pytest.fixture
def app(engine_settings, clean_db):
    return create_app(engine_settings, db=clean_db)


def _live_index(clean_db) -> str:
    with clean_db.connection() as conn:
        return conn.execute("SELECT version FROM model_versions WHERE kind = 'index' AND is_live").fetchone()["version"]


def _experiment(client, headers, body, status):
    response = client.post("/v1/admin/experiments", json=body, headers=headers["admin"])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _body(pin: str, mode: str = "split") -> dict:
    return {"name": f"pin-{mode}", "mode": mode, "variants": [
        {"name": "live", "share": 0.5, "overrides": {}},
        {"name": "old", "share": 0.5, "overrides": {"FEED_PIN_INDEX": pin}}]}


def test_a_pinned_variant_is_ranked_and_recorded_with_its_version(app, headers, engine_settings,
                                                                 indexed_catalogue, clean_db):
    old = _live_index(clean_db)
    pipeline.rebuild_index(clean_db, ArtifactStore(engine_settings.artifacts), engine_settings)
    new = _live_index(clean_db)
    assert new != old
    client = app.test_client()

    bad = client.post("/v1/admin/experiments", json=_body("20990101T000000000000-abcdef"), headers=headers["admin"])
    assert bad.status_code == 422
    assert "variants.1.overrides.FEED_PIN_INDEX" in bad.get_json()["errors"]
    interleaved = client.post("/v1/admin/experiments", json=_body(old, "interleave"), headers=headers["admin"])
    assert interleaved.status_code == 422
    assert "variants.1.overrides.FEED_PIN_INDEX" in interleaved.get_json()["errors"]
    malformed = client.post("/v1/admin/experiments", json=_body("../etc"), headers=headers["admin"])
    assert malformed.status_code == 422

    made = _experiment(client, headers, _body(old), 201)
    row = experiments.Experiment.from_row({**made, "starts_at": None, "ends_at": None})
    seen = {}
    star = indexed_catalogue[0]["id"]
    for n in range(16):
        user = f"p{n}"
        client.post("/v1/events", json={"events": [{"user_id": user, "paper_id": star, "type": "star"}]},
                    headers=headers["write"])
        body = client.get(f"/v1/users/{user}/feed?limit=5", headers=headers["read"]).get_json()
        variant = experiments.assign(row, user).name
        seen.setdefault(variant, set()).add(body["model_version"])
    assert set(seen) == {"live", "old"}  # 16 readers: both variants drawn (the hash is fixed, so this is too)
    assert all(f"index:{old}" in v for v in seen["old"])
    assert all(f"index:{new}" in v for v in seen["live"])
    served = state(app).models
    assert served.versions()["index"] == new  # the process still serves the live one to everyone else

    promoted = client.post(f"/v1/admin/experiments/{made['id']}/promote", json={"variant": "old", "force": True},
                           headers=headers["admin"])
    assert promoted.status_code == 200, promoted.get_json()
    assert _live_index(clean_db) == old  # promoting a pin is a rollback, not a pin for every reader
    defaults = client.get("/v1/admin/experiments/defaults", headers=headers["admin"])
    assert defaults.status_code == 200 and "FEED_PIN_INDEX" not in str(defaults.get_json())
