"""A deleted user's CF factors (audit finding 11): kept model versions hold a row of factors per user
trained on, and a rollback can make any of them live again. After a delete no loaded version serves
that row, a rollback included, and the next publish removes it from every kept version's files."""

from __future__ import annotations

import gzip
import itertools
import json

import numpy as np
import pytest

from infra.cli import DEMO_CATALOGUE
from services.app import create_app
from services.catalog.importer import import_lines
from services.recommender import cf, pipeline
from services.recommender.artifacts import ArtifactKind, ArtifactStore
from services.web.state import state
from tests.integration import dashboard_support as ds

VICTIM = "a0"


@pytest.fixture
def engine_settings(settings, tmp_path):
    return settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0, cf_min_interactions=10,
                            cf_factors=8, cf_iterations=5, cf_new_item_neighbours=0, cf_itemknn_neighbours=0,
                            cf_publish_tolerance=1.0)


@pytest.fixture
def app(engine_settings, clean_db):
    return create_app(engine_settings, db=clean_db)


def _read_events(papers, users, seed):
    rng = np.random.default_rng(seed)
    return [{"user_id": user, "paper_id": str(pid), "type": "read"}
            for user in users for pid in rng.choice(papers, size=8, replace=False)]


def _post(api, headers, items):
    for start in range(0, len(items), 1000):
        response = api.post("/v1/events", json={"events": items[start:start + 1000]}, headers=headers["write"])
        assert response.status_code == 202 and not response.get_json()["rejected"]


def _users_in(store, version):
    folder = store.path(ArtifactKind.CF, version)
    users = json.loads((folder / "users.json").read_text())
    assert np.load(folder / "user_factors.npy").shape[0] == len(users)
    store.manifest(ArtifactKind.CF, version)  # checksums still match the rewritten files
    return set(users)


def test_a_deleted_users_factors_are_never_served_again_and_leave_the_files(
        app, dashboard_client, headers, engine_settings, clean_db):
    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        lines = list(itertools.islice(fh, 60))
    import_lines(clean_db, lines)
    papers = [json.loads(line)["id"] for line in lines]
    api, store = app.test_client(), ArtifactStore(engine_settings.artifacts)
    _post(api, headers, _read_events(papers, [f"a{n}" for n in range(30)], seed=1))
    older = pipeline.retrain_cf(clean_db, store, engine_settings)
    _post(api, headers, _read_events(papers, [f"b{n}" for n in range(30)], seed=2))
    newer = pipeline.retrain_cf(clean_db, store, engine_settings)
    assert older["published"] and newer["published"]
    live = state(app).models
    assert api.get("/v1/users/a1/feed", headers=headers["read"]).status_code == 200  # loads the live CF
    with clean_db.connection() as conn:
        assert live.cf(conn).version == newer["version"] and live.cf(conn).recommend(VICTIM, 5)

    assert api.delete(f"/v1/users/{VICTIM}", headers=headers["write"]).status_code == 204
    with clean_db.connection() as conn:
        # Recorded by a hash of the id (the database's sha256 and cf.user_hash agree), never the id.
        assert [r["user_hash"] for r in conn.execute("SELECT user_hash FROM cf_forgotten")] == [cf.user_hash(VICTIM)]
        assert live.cf(conn).recommend(VICTIM, 5) == []  # this process dropped the row at its next refresh
        assert live.cf(conn).recommend("a1", 5)
        first_id = conn.execute("SELECT id FROM model_versions WHERE kind = 'cf' AND version = %s",
                                (older["version"],)).fetchone()["id"]

    admin = dashboard_client("admin")
    assert ds.post(admin, f"/admin/models/{first_id}/rollback", {"confirm": "yes"}).status_code == 302
    with clean_db.connection() as conn:
        rolled_back = live.cf(conn)
        assert rolled_back.version == older["version"]
        assert VICTIM not in rolled_back.user_index and rolled_back.recommend(VICTIM, 5) == []
        assert rolled_back.recommend("a1", 5)
    # The victim comes back under the same id and reads enough for CF: still nothing from the old row.
    assert api.put(f"/v1/users/{VICTIM}", json={}, headers=headers["write"]).status_code == 201
    _post(api, headers, _read_events(papers, [VICTIM], seed=3))
    body = api.get(f"/v1/users/{VICTIM}/feed", headers=headers["read"]).get_json()
    assert all(r["kind"] != "liked_by_similar_readers" for item in body["items"] for r in item["reasons"])

    # Until the next publish the files still hold the row; after it, no kept version does.
    assert VICTIM in _users_in(store, older["version"])
    latest = pipeline.retrain_cf(clean_db, store, engine_settings)
    assert latest["purged"]["versions_rewritten"] == 2
    for version in (older["version"], newer["version"], latest["version"]):
        users = _users_in(store, version)
        assert VICTIM not in users and "a1" in users
    with clean_db.connection() as conn:
        # Kept versions made before the delete remain, so the record stays (a stale copy elsewhere is
        # still filtered), and the live, rolled-back version reloads clean.
        assert conn.execute("SELECT count(*) AS n FROM cf_forgotten").fetchone()["n"] == 1
        assert VICTIM not in live.cf(conn).user_index
