"""The synthetic demo community: topical readers that make trending, CF and feed reasons alive on a first
run, marked as demo and removable in one command."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.cli import DEMO_CATALOGUE
from services.app import create_app
from services.catalog import demo
from services.catalog.importer import import_lines, open_text
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
from tests.helpers import cli_env, run_cli


@pytest.mark.slow
@pytest.mark.timeout(900)  # the whole demo catalogue is embedded and indexed, CF trained (shared machine)
def test_demo_readers_bring_trending_cf_and_explained_feeds_and_go_in_one_command(settings, clean_db, tmp_path,
                                                                                   headers):
    engine = settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0,
                              lsa_dimensions=64)
    with open_text(DEMO_CATALOGUE) as lines:
        import_lines(clean_db, lines, batch_size=1000)
    made = demo.seed(clean_db, readers=300, now=datetime.now(UTC))
    assert made.readers == 300 and made.showcase == "demo-reader-001"
    assert 900 <= made.stars <= 300 * 2 * 6 and made.reads >= 1200
    assert demo.seed(clean_db, readers=300, now=datetime.now(UTC)).readers == 300  # again: nothing doubles
    with clean_db.connection() as conn:
        counts = conn.execute("SELECT count(*) FILTER (WHERE u.demo) AS demo, count(*) AS users, "
                              "(SELECT count(*) FROM events) AS events, "
                              "(SELECT min(occurred_at) FROM events) AS oldest FROM users u").fetchone()
    assert counts["demo"] == counts["users"] == 300 and counts["events"] == made.stars + made.reads
    assert (datetime.now(UTC) - counts["oldest"]).days >= 14  # spread over the last weeks

    pipeline.refresh(clean_db, ArtifactStore(engine.artifacts), engine)
    trending = pipeline.recompute_trending(clean_db, engine)["rows"]
    assert trending["week"] > 50 and trending["month"] > trending["week"]
    cf = pipeline.retrain_cf(clean_db, ArtifactStore(engine.artifacts), engine)
    assert cf["published"], cf
    client = create_app(engine, db=clean_db).test_client()
    feed = client.get(f"/v1/users/{made.showcase}/feed?limit=10", headers=headers["read"]).get_json()["items"]
    kinds = {r["kind"] for item in feed for r in item["reasons"]}
    assert kinds & {"similar_to_starred", "matches_your_interest", "similar_to_read"}, kinds
    top = client.get("/v1/trending?window=week&limit=5", headers=headers["read"]).get_json()["items"]
    assert len(top) == 5 and top[0]["stars"] + top[0]["reads"] >= 3

    removed = run_cli(["demo", "remove"], cli_env(engine))
    assert removed.returncode == 0, removed.stderr
    assert "300 demo readers removed" in removed.stdout
    with clean_db.connection() as conn:
        left = conn.execute("SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM events) AS events, "
                            "(SELECT count(*) FROM stars) AS stars").fetchone()
    assert left == {"users": 0, "events": 0, "stars": 0}
    assert pipeline.recompute_trending(clean_db, engine)["rows"] == {}
