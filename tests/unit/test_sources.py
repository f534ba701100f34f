"""Sources without I/O beyond reading the fixtures: SOURCES parsing, text gates, the parsers, back-off."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from services.config import Settings, SettingsError
from services.sources import arxiv, hf_daily
from services.sources.fetch import SourceError, retry_after_seconds
from services.sources.runner import Backoff
from services.sources.spec import SourceKind, parse_sources, sources_json
from services.sources.text import map_categories, normalise_text
from tests.replay import FIXTURES


def test_sources_setting_round_trips_and_fills_defaults():
    raw = json.dumps([{"name": "arxiv-ml", "kind": "arxiv", "categories": ["cs.LG"]},
                      {"name": "hf", "kind": "hf_daily", "every_seconds": 600}])
    arxiv_spec, hf = Settings.from_env({"SOURCES": raw}).sources
    assert arxiv_spec.kind is SourceKind.ARXIV and arxiv_spec.url == "https://export.arxiv.org/api/query"
    assert arxiv_spec.delay_seconds == 3.0 and arxiv_spec.settle_days == 3
    assert hf.every_seconds == 600 and hf.url == "https://huggingface.co/api/daily_papers"
    assert parse_sources(sources_json((arxiv_spec, hf))) == (arxiv_spec, hf)
    assert Settings.from_env({}).sources == ()


@pytest.mark.parametrize(("raw", "says"), [
    ("{", "JSON list"),
    ('{"name": "x"}', "JSON list"),
    ('[{"name": "Bad Name", "kind": "arxiv"}]', "name"),
    ('[{"name": "a", "kind": "rss"}]', "kind must be one of"),
    ('[{"name": "a", "kind": "arxiv"}]', "needs categories or a query"),
    ('[{"name": "a", "kind": "arxiv", "categories": ["cs LG"]}]', "categories"),
    ('[{"name": "a", "kind": "hf_daily", "every_seconds": 0}]', "every_seconds must be from 1"),
    ('[{"name": "a", "kind": "hf_daily", "page_size": "10"}]', "page_size must be a number"),
    ('[{"name": "a", "kind": "hf_daily", "url": "ftp://x"}]', "url"),
    ('[{"name": "a", "kind": "hf_daily", "colour": 1}]', "unknown field 'colour'"),
    ('[{"name": "a", "kind": "hf_daily"}, {"name": "a", "kind": "hf_daily"}]', "unique"),
])
def test_bad_sources_are_refused_naming_the_field(raw, says):
    with pytest.raises(SettingsError, match="SOURCES") as error:
        Settings.from_env({"SOURCES": raw})
    assert says in str(error.value)


@pytest.mark.parametrize(("raw", "clean"), [
    ("Deep\n   Learning  for\tGraphs", "Deep Learning for Graphs"),
    ("Q&amp;A &amp;amp; more", "Q&A & more"),
    ("a <b>bold</b> move <i>here</i>.", "a bold move here."),
    (r"$\alpha$-stable noise in $O(n^{2})$", "α-stable noise in O(n^2)"),
    (r"a $\mathcal{O}(\log n)$ bound, $k \leq 10$", "a O(log n) bound, k ≤ 10"),
    (r"\textbf{Fast} and \emph{exact}: 5\% faster", "Fast and exact: 5% faster"),
    (r"keeps \unknowncommand{x} as is", r"keeps \unknowncommand{x} as is"),
    ("costs $5 and $6", "costs $5 and $6"),
])
def test_text_is_normalised_readably(raw, clean):
    assert normalise_text(raw) == clean


def test_categories_map_to_catalogue_labels():
    assert map_categories(["cs.LG", "math.IT", "I.2.6", "68T05", "cs.IT", "stat.ML"]) == ["cs.LG", "cs.IT", "stat.ML"]
    assert map_categories(["cs.LG", "cs.AI"], {"cs.AI": "ai"}) == ["cs.LG", "ai"]


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after_seconds("120") == 120
    at = datetime(2026, 7, 1, 10, 0, tzinfo=UTC).timestamp()
    assert retry_after_seconds("Wed, 01 Jul 2026 10:02:00 GMT", now=at) == 120
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_backoff_doubles_up_to_its_cap_and_honours_retry_after():
    backoff = Backoff(base_seconds=60, max_seconds=300)
    assert [backoff.delay(n, None) for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]
    assert backoff.delay(1, 900) == 900


def _spec(kind: str):
    extra = {"categories": ["cs.LG", "cs.CL"]} if kind == "arxiv" else {}
    return parse_sources(json.dumps([{"name": "s", "kind": kind, "page_size": 2, **extra}]))[0]


def test_arxiv_request_asks_for_one_submission_day_oldest_first():
    request = arxiv.request(_spec("arxiv"), date(2026, 6, 29), 2)
    assert request.params == {"search_query": "(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202606290000 TO "
                                              "202606292359]", "sortBy": "submittedDate", "sortOrder": "ascending",
                              "start": 2, "max_results": 2}


def test_arxiv_pages_parse_to_versionless_ids_and_the_next_offset():
    first = arxiv.parse((FIXTURES / "arxiv-2026-06-29-p0.xml").read_bytes(), _spec("arxiv"), 0)
    assert [p["id"] for p in first.papers] == ["2606.90001", "2606.90002"] and first.next_start == 2
    assert first.papers[0]["url"] == "https://arxiv.org/abs/2606.90001"
    assert first.papers[0]["authors"] == ["Ada Example", "Ben Placeholder"]
    assert first.papers[1]["code_urls"] == ["https://github.com/example/tokfree"]
    last = arxiv.parse((FIXTURES / "arxiv-2026-06-29-p1.xml").read_bytes(), _spec("arxiv"), 2)
    assert last.next_start is None
    empty = arxiv.parse((FIXTURES / "arxiv-2026-06-30-p0.xml").read_bytes(), _spec("arxiv"), 0)
    assert empty.papers == [] and empty.next_start is None
    withdrawn = arxiv.parse((FIXTURES / "arxiv-2026-07-01-p0.xml").read_bytes(), _spec("arxiv"), 0)
    assert withdrawn.withdrawn == ["2607.90004"]
    untitled = arxiv.parse((FIXTURES / "arxiv-2026-07-01-p1.xml").read_bytes(), _spec("arxiv"), 2)
    assert untitled.papers == [] and untitled.rejected == ["2607.90005: no title"]


@pytest.mark.parametrize("name", ["arxiv-truncated.xml", "arxiv-error.xml"])
def test_arxiv_untrustworthy_documents_raise(name):
    with pytest.raises(SourceError):
        arxiv.parse((FIXTURES / name).read_bytes(), _spec("arxiv"), 0)


def test_daily_papers_parse_with_upvotes_and_reject_items_without_id():
    page = hf_daily.parse((FIXTURES / "hf-2026-06-30.json").read_bytes(), _spec("hf_daily"), date(2026, 6, 30))
    assert [p["id"] for p in page.papers] == ["2606.90002", "2606.90010"] and page.fill_only
    assert [(u.paper_id, u.upvotes) for u in page.upvotes] == [("2606.90002", 31), ("2606.90010", 12)]
    assert len(page.rejected) == 1
    assert hf_daily.parse(b"[]", _spec("hf_daily"), date(2026, 7, 1)).papers == []
    for bad in (b"[{", b'{"error": "Invalid date"}', b'"x"'):
        with pytest.raises(SourceError):
            hf_daily.parse(bad, _spec("hf_daily"), date(2026, 7, 1))
