"""Sources against a real local HTTP server replaying arXiv API and Daily Papers responses
(tests/replay.py, tests/fixtures/sources): paging, cursors, quality gates, and every failure shape."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.sources import runner
from services.sources.spec import parse_sources
from tests.replay import FIXTURES, ReplayServer

TODAY = date(2026, 7, 6)
BACKOFF = runner.Backoff(base_seconds=60, max_seconds=3600)


@pytest.fixture
def replay():
    server = ReplayServer()
    yield server
    server.shutdown()
    server.server_close()


def specs(replay: ReplayServer, **arxiv_overrides):
    arxiv = {"name": "arxiv-ml", "kind": "arxiv", "url": replay.arxiv_url, "categories": ["cs.LG", "cs.CL"],
             "page_size": 2, "backfill_days": 7, "delay_seconds": 3, **arxiv_overrides}
    hf = {"name": "hf-daily", "kind": "hf_daily", "url": replay.hf_url, "backfill_days": 7,
          "categories": ["cs.CV"]}
    return parse_sources(json.dumps([arxiv, hf]))


def paper(db, paper_id):
    with db.connection() as conn:
        return conn.execute("SELECT * FROM papers WHERE id = %s", (paper_id,)).fetchone()


def source_row(db, name):
    with db.connection() as conn:
        return conn.execute("SELECT * FROM sources WHERE name = %s", (name,)).fetchone()


def paper_count(db):
    with db.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]


def test_arxiv_backfills_day_by_day_page_by_page_politely(clean_db, replay):
    arxiv, _ = specs(replay)
    pauses = []
    result = runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, sleep=pauses.append)
    # 06-29 (2 pages), 06-30 (empty day), 07-01 (2 pages), then 07-02 .. 07-06 one (empty) page each.
    assert result.requests == 10 and replay.count("/api/query") == 10
    assert pauses == [3.0] * 9  # one pause between two requests, none before the first
    assert (result.created, result.updated, result.rejected, result.withdrawn) == (4, 1, 1, 1)
    assert result.error is None
    # Days older than settle_days (3) are done: the cursor points at the first day still open.
    assert result.cursor == {"day": "2026-07-03", "start": 0}
    row = source_row(clean_db, "arxiv-ml")
    assert row["cursor"] == {"day": "2026-07-03", "start": 0}
    assert (row["papers_created"], row["papers_updated"], row["papers_rejected"]) == (4, 1, 1)
    assert row["last_success_at"] is not None and row["failures"] == 0 and row["last_error"] is None

    changed = paper(clean_db, "2606.90001")  # v2 listed on 07-01 replaced v1's text: one paper, updated
    assert changed["title"] == "Sparse Mixture Routing for Streaming Language Models (revised)"
    assert changed["comment"] == "14 pages, 5 figures"
    assert paper(clean_db, "2607.90004")["hidden"]  # withdrawn
    assert paper(clean_db, "2607.90005") is None  # no title: rejected, counted
    gated = paper(clean_db, "2606.90002")
    assert gated["title"] == "Tokenizer-Free Retrieval & Ranking"  # entities decoded
    assert "β-weighted" in gated["abstract"] and "<i>" not in gated["abstract"]
    assert gated["categories"] == ["cs.CL", "cs.IT"]  # math.IT is cs.IT's alias
    assert paper(clean_db, "2606.90003")["categories"] == ["cs.LG"]  # the MSC code 68T05 is not a label

    again = runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, sleep=pauses.append)
    assert again.requests == 4  # only the open days 07-03 .. 07-06 are read again
    assert (again.created, again.updated) == (0, 0) and paper_count(clean_db) == 4


def test_a_503_outage_keeps_the_cursor_and_loses_or_repeats_nothing(clean_db, replay):
    arxiv, _ = specs(replay)
    replay.fail(2, 503, retry_after="120", after=2)  # the third request (06-30) fails, and its retry
    failed = runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, sleep=lambda s: None)
    assert failed.error.startswith("HTTP 503") and failed.retry_in_seconds == 120  # Retry-After > base 60
    assert failed.requests == 2 and failed.created == 3
    row = source_row(clean_db, "arxiv-ml")
    assert row["cursor"] == {"day": "2026-06-30", "start": 0}  # past the stored day, at the failed one
    assert row["failures"] == 1 and "503" in row["last_error"] and row["next_attempt_at"] is not None

    assert runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY).skipped.startswith("backing off")
    second = runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, sleep=lambda s: None, force=True)
    assert second.error and second.retry_in_seconds == 120  # max(Retry-After 120, 60 × 2)
    assert source_row(clean_db, "arxiv-ml")["failures"] == 2

    recovered = runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, sleep=lambda s: None, force=True)
    assert recovered.error is None and recovered.cursor == {"day": "2026-07-03", "start": 0}
    day_one = [q for p, q in replay.requests if p == "/api/query" and "20260629" in q["search_query"][0]]
    assert len(day_one) == 2  # the day stored before the outage was not fetched again
    assert paper_count(clean_db) == 4
    row = source_row(clean_db, "arxiv-ml")
    assert (row["papers_created"], row["failures"]) == (4, 0) and row["last_error"].startswith("HTTP 503")


@pytest.mark.parametrize("body", [(FIXTURES / "arxiv-truncated.xml").read_bytes(),
                                  (FIXTURES / "arxiv-error.xml").read_bytes(), b"Rate exceeded."],
                         ids=["truncated", "arxiv-error", "plain-text"])
def test_a_malformed_page_is_not_stored_in_part(clean_db, replay, body):
    arxiv, _ = specs(replay)
    replay.fail(1, 200, body=body)
    result = runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, sleep=lambda s: None)
    assert result.error and result.requests == 0 and result.retry_in_seconds == 60
    assert paper_count(clean_db) == 0
    assert source_row(clean_db, "arxiv-ml")["cursor"] == {}  # still the fresh source's start
    assert runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, sleep=lambda s: None,
                       force=True).created == 4


def test_server_errors_and_refused_connections_back_off_exponentially(clean_db, replay):
    arxiv, _ = specs(replay)
    replay.fail(3, 500)
    delays = [runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, force=True).retry_in_seconds
              for _ in range(3)]
    assert delays == [60, 120, 240]
    gone, _ = specs(replay, url="http://127.0.0.1:9/api/query")  # nothing listens on port 9
    refused = runner.poll(clean_db, gone, backoff=BACKOFF, today=TODAY, force=True)
    assert "ConnectionError" in refused.error


def test_daily_papers_bring_upvotes_and_fill_only_what_arxiv_left_empty(clean_db, replay):
    arxiv, hf = specs(replay)
    runner.poll(clean_db, arxiv, backoff=BACKOFF, today=TODAY, sleep=lambda s: None)
    result = runner.poll(clean_db, hf, backoff=BACKOFF, today=TODAY, sleep=lambda s: None)
    assert result.error is None and result.requests == 8  # 06-29 .. 07-06, one request a day
    assert (result.created, result.rejected, result.upvotes) == (1, 1, 2)
    # The arXiv listing stays the authority: categories and title kept, the repository link added.
    both = paper(clean_db, "2606.90002")
    assert both["categories"] == ["cs.CL", "cs.IT"] and both["title"] == "Tokenizer-Free Retrieval & Ranking"
    assert both["code_urls"] == ["https://github.com/example/tokfree", "https://github.com/example/tokfree-hf"]
    new = paper(clean_db, "2606.90010")
    assert new["categories"] == ["cs.CV"] and new["title"] == "Small Vision Models that Count Objects"
    assert "α-scaled" in new["abstract"]
    with clean_db.connection() as conn:
        upvotes = {r["paper_id"]: r["upvotes"] for r in conn.execute("SELECT * FROM paper_upvotes")}
    assert upvotes == {"2606.90002": 31, "2606.90010": 12}
    again = runner.poll(clean_db, hf, backoff=BACKOFF, today=TODAY, sleep=lambda s: None)
    assert again.requests == 3 and (again.created, again.updated) == (0, 0)  # open days: 07-04 .. 07-06


def test_daily_papers_upvotes_trend_on_day_one_and_explain_themselves(clean_db, settings, tmp_path, headers):
    """A deployment with no readers yet: trending and a newcomer's feed come from Daily Papers upvotes."""
    import datetime as dt
    import gzip
    import itertools

    from infra.cli import DEMO_CATALOGUE
    from services.app import create_app
    from services.catalog.importer import import_lines
    from services.recommender import pipeline
    from services.recommender.artifacts import ArtifactStore

    today = dt.datetime.now(dt.UTC).date()
    server = ReplayServer(day_offset=(today - dt.timedelta(days=2) - date(2026, 6, 30)).days)  # hf-06-30: 2 days ago
    try:
        _, hf = specs(server)
        engine = settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0)
        with gzip.open(DEMO_CATALOGUE, "rt") as fh:
            import_lines(clean_db, list(itertools.islice(fh, 100)))
        assert runner.poll(clean_db, hf, backoff=BACKOFF, sleep=lambda s: None).upvotes == 2
    finally:
        server.shutdown()
        server.server_close()
    pipeline.refresh(clean_db, ArtifactStore(engine.artifacts), engine)
    assert pipeline.recompute_trending(clean_db, engine)["rows"]["week"] == 2
    client = create_app(engine, db=clean_db).test_client()
    items = client.get("/v1/trending?window=week", headers=headers["read"]).get_json()["items"]
    assert [(i["paper"]["id"], i["upvotes"]) for i in items] == [("2606.90002", 31), ("2606.90010", 12)]
    assert pipeline.recompute_trending(clean_db, engine.replace(trending_weight_upvote=0))["rows"] == {}

    feed = client.get("/v1/users/newcomer/feed?limit=20", headers=headers["read"]).get_json()["items"]
    reasons = {i["paper"]["id"]: {r["kind"]: r["detail"] for r in i["reasons"]} for i in feed}
    assert reasons["2606.90002"]["upvoted_on_daily_papers"] == "31 upvotes on Hugging Face Daily Papers this week"
    off = create_app(engine.replace(feed_weight_upvoted=0), db=clean_db).test_client()
    feed = off.get("/v1/users/other/feed?limit=20", headers=headers["read"]).get_json()["items"]
    assert all(r["kind"] != "upvoted_on_daily_papers" for i in feed for r in i["reasons"])
