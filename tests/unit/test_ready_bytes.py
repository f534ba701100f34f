"""The feed's ready bytes (services/api/ready.py) say exactly what the marshmallow contract says."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc

import pytest
from marshmallow import ValidationError
from werkzeug.http import generate_etag

from schemas.feed import FeedPage, FeedQuery
from schemas.papers import PAPER_ALWAYS, PAPER_OPTIONAL, PaperPage, PaperSearchQuery
from services.api.ready import HeldPages, PaperFragments, feed_page_bytes, json_response, select
from services.recommender.feed_cache import HeldPage

AT = dt.datetime(2026, 4, 1, 12, 30, 5, 123456, tzinfo=dt.UTC)
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


def paper(paper_id: str, **overrides) -> dict:
    row = {"id": paper_id, "title": "A title", "abstract": "Some words.", "authors": ["Ada Lovelace"],
           "categories": ["cs.LG"], "published_at": AT, "url": f"https://arxiv.org/abs/{paper_id}",
           "code_urls": [], "comment": None, "created_at": AT, "updated_at": AT}
    return {**row, **overrides}


PAPERS = [
    paper("2604.00001"),
    # unicode everywhere, JSON-special characters, line separators, emoji outside the BMP
    paper("2604.00002", title="Théorie des «graphes» — 图神经网络 \"quoted\" \\ back\\slash 🚀",
          abstract="Line one\nline two\u2028sep\ttab; zero-width\u200bjoin; control \x01",
          authors=["Zoë Ångström", "李雷", "O'Brien"], comment="12 pages, 3 figures ✓",
          published_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=PLUS_TWO)),
    # nulls and empty lists
    paper("2604.00003", abstract="", authors=[], categories=[], published_at=None, url=None, code_urls=[],
          comment=None, updated_at=AT + dt.timedelta(microseconds=1)),
    # many authors, several code links, a whole-second timestamp (no microseconds)
    paper("2604.00004", authors=[f"Author {i}" for i in range(300)],
          code_urls=["https://github.com/a/b", "https://gitlab.com/c/d"],
          created_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)),
]
REASONS = [
    [{"kind": "similar_to_starred", "detail": "Like “Graph nets” you starred", "paper_id": "2604.00009"}],
    [{"kind": "trending", "detail": "Trending this week"}, {"kind": "fresh", "detail": "New"}],
    [],
    [{"kind": "matches_your_interest", "detail": "Matches your interest in 图", "paper_id": None}],
]


def feed_page(**envelope) -> dict:
    items = [{"paper": p, "score": s, "reasons": r}
             for p, s, r in zip(PAPERS, (0.987654, 1, 1e-7, 0.0), REASONS, strict=True)]
    return {"items": items, "next_cursor": "ZmVlZA.abc", "model_version": "cf:2026;index:2026",
            "feed_id": "0b6f7a0e-8f43-4c2a-9e63-1c1a3b9d2f10", "served_from": "stored", **envelope}


@pytest.mark.parametrize("envelope", [{}, {"next_cursor": None, "model_version": None}])
def test_the_ready_bytes_equal_the_schema_dump(envelope):
    page = feed_page(**envelope)
    fast = feed_page_bytes(page, PaperFragments())
    assert json.loads(fast) == FeedPage().dump(page)
    assert b"served_from" not in fast  # only the schema's fields go out
    # The envelope and each item keep the schema's order of fields.
    assert list(json.loads(fast)) == list(FeedPage().dump(page))
    assert list(json.loads(fast)["items"][0]) == ["paper", "score", "reasons"]


def test_a_selection_keeps_the_required_fields_and_the_named_ones():
    page = feed_page()
    selected = FeedQuery().load({"fields": "id,title,authors,reasons"})["selection"]
    assert selected == ("authors",)
    fast = json.loads(feed_page_bytes(page, PaperFragments(), selected))
    dumped = FeedPage().dump(page)
    for item in dumped["items"]:
        item["paper"] = {k: v for k, v in item["paper"].items() if k in ("id", "title", "authors")}
    assert fast == dumped
    assert all(set(i["paper"]) == {"id", "title", "authors"} for i in fast["items"])


def test_a_paper_changed_is_a_new_fragment_and_the_cache_is_bounded():
    cache = PaperFragments(capacity=3)
    page = feed_page()
    first = json.loads(feed_page_bytes(page, cache))
    assert len(cache) == 3 and cache.misses == 4  # four papers, three kept
    edited = {**PAPERS[0], "title": "An edited title", "updated_at": AT + dt.timedelta(seconds=1)}
    page["items"][0] = {**page["items"][0], "paper": edited}
    again = json.loads(feed_page_bytes(page, cache))
    assert first["items"][0]["paper"]["title"] == "A title"
    assert again["items"][0]["paper"]["title"] == "An edited title"
    assert again == FeedPage().dump(page)
    assert len(cache) == 3
    roomy = PaperFragments()
    feed_page_bytes(page, roomy)
    assert (roomy.hits, roomy.misses) == (0, 4)
    assert feed_page_bytes(page, roomy) == feed_page_bytes(page, PaperFragments())
    assert (roomy.hits, roomy.misses) == (4, 4)  # the same versions come from the cache


def test_a_kept_fragment_costs_its_length_not_the_encoders_buffer():
    # orjson >= 3.12 returns bytes that keep its whole write buffer (16 KB for a paper with an abstract);
    # the cache holds thousands per API worker, so it must keep copies of exactly their length.
    papers = [paper(f"2605.{n:05d}", abstract="word " * 300) for n in range(400)]
    cache = PaperFragments(capacity=len(papers))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = sum(len(cache.paper(p, None)) for p in papers)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(cache) == len(papers) and kept > 400 * 1500
    # The bytes themselves plus each entry's key and link: well under twice the content.
    assert grown < 1.5 * kept, (grown, kept)


def test_unknown_fields_are_rejected_naming_the_parameter():
    for schema in (FeedQuery(), PaperSearchQuery()):
        with pytest.raises(ValidationError) as raised:
            schema.load({"fields": "id,title,bogus"})
        assert list(raised.value.messages) == ["fields"] and "bogus" in raised.value.messages["fields"][0]
        with pytest.raises(ValidationError):
            schema.load({"fields": "id," * 600})
    assert PaperSearchQuery().load({"fields": "score, abstract ,,"})["selection"] == ("abstract",)


def test_search_items_keep_what_is_always_sent_and_what_was_named():
    rows = [{**p, "score": 0.5, "listed_at": AT} for p in PAPERS]
    kept = select(rows, (*PAPER_ALWAYS, "score"), ("categories",))
    dumped = PaperPage().dump({"items": kept, "next_cursor": None})
    assert all(set(i) == {"id", "title", "score", "categories"} for i in dumped["items"])
    assert select(rows, PAPER_ALWAYS, None) == rows
    assert set(PAPER_OPTIONAL).isdisjoint(PAPER_ALWAYS)


def held(feed_id: str, size: int) -> HeldPage:
    return HeldPage(feed_id, dt.datetime(2026, 12, 3, tzinfo=dt.UTC), b"x" * size, 1)


def test_held_pages_stay_within_their_bytes_dropping_the_least_recently_used():
    pages = HeldPages(max_bytes=100)
    pages.put("a", "v", held("fa", 40))
    pages.put("b", "v", held("fb", 40))
    assert pages.get("a", "v").feed_id == "fa"  # a is now the most recently used
    pages.put("c", "v", held("fc", 40))  # 120 > 100: b goes
    assert pages.get("b", "v") is None and pages.get("a", "v") and pages.get("c", "v")
    assert pages.size_bytes == 80 and len(pages) == 2
    pages.put("a", "v", held("fa2", 10))  # replacing an entry counts only its new bytes
    assert pages.size_bytes == 50 and pages.get("a", "v").feed_id == "fa2"
    assert pages.get("a", "other variant") is None
    pages.put("d", "v", held("fd", 101))  # larger than the whole store: not held, nothing dropped
    assert pages.get("d", "v") is None and pages.size_bytes == 50


def test_a_page_is_held_with_the_tag_of_its_bytes():
    pages = HeldPages()
    page = held("f", 30)
    pages.put("a", "v", page)
    assert pages.get("a", "v").etag == generate_etag(page.body)  # what conditional's add_etag would set
    response = json_response(page.body, pages.get("a", "v").etag)
    assert response.get_etag() == (generate_etag(page.body), False)
