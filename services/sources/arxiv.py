"""The arXiv API (Atom 1.0 with OpenSearch and arxiv: extensions), by category and submission day.

One request asks for one submission day's papers of the configured categories, oldest first, a page
at a time (``start`` / ``max_results``; arXiv API User's Manual, "start and max_results paging"):

    search_query=(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202606300000 TO 202606302359]
    &sortBy=submittedDate&sortOrder=ascending&start=0&max_results=100

Parsing is feedparser's. A paper's id is its arXiv id without the version (``2606.15956``), so a new
version updates the paper instead of adding one. A response arXiv marks as an error (an entry whose id
is ``.../api/errors#...``), a malformed or truncated document, or one whose entries have vanished
against ``opensearch:totalResults`` raises SourceError: the page is not stored and the cursor stays.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import feedparser

from services.sources.fetch import Request, SourceError
from services.sources.pages import Page
from services.sources.spec import SourceSpec
from services.sources.text import clean_text, map_categories, normalise_text

_ABS_ID = re.compile(r"arxiv\.org/abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")
# arXiv's wording on a withdrawn version: comment "This paper has been withdrawn by the author(s)"
# (older) or "withdrawn" in the comment; the abstract is then replaced by a note saying so.
_WITHDRAWN = re.compile(r"\b(has been )?withdrawn\b", re.IGNORECASE)


def request(spec: SourceSpec, day: date, start: int) -> Request:
    """The API request for ``day``'s papers from offset ``start``."""
    parts = []
    if spec.categories:
        parts.append("(" + " OR ".join(f"cat:{c}" for c in spec.categories) + ")")
    if spec.query:
        parts.append(f"({spec.query})")
    stamp = day.strftime("%Y%m%d")
    parts.append(f"submittedDate:[{stamp}0000 TO {stamp}2359]")
    return Request(spec.url, {"search_query": " AND ".join(parts), "sortBy": "submittedDate",
                              "sortOrder": "ascending", "start": start, "max_results": spec.page_size})


def parse(body: bytes, spec: SourceSpec, start: int) -> Page:
    """One Atom response → a Page; raises SourceError when the response cannot be trusted whole."""
    feed = feedparser.parse(body)
    if feed.bozo:
        raise SourceError(f"malformed Atom response: {feed.bozo_exception}")
    if "opensearch_totalresults" not in feed.feed:
        raise SourceError("not an arXiv API response (no opensearch:totalResults)")
    for entry in feed.entries:
        if "/api/errors" in entry.get("id", ""):
            raise SourceError(f"arXiv API error: {clean_text(entry.get('summary'))}")
    total = int(feed.feed.opensearch_totalresults)
    page = Page()
    for entry in feed.entries:
        paper = _paper(entry, spec)
        if isinstance(paper, str):
            page.rejected.append(paper)
            continue
        page.papers.append(paper)
        if _WITHDRAWN.search(paper.get("comment") or "") or paper["abstract"].lower().startswith(
                ("this paper has been withdrawn", "withdrawn")):
            page.withdrawn.append(paper["id"])
    seen = start + len(feed.entries)
    page.next_start = seen if feed.entries and seen < total else None
    return page


def _paper(entry: Any, spec: SourceSpec) -> dict[str, Any] | str:
    """An entry → a paper dict, or the reason it was rejected (no id, no title)."""
    match = _ABS_ID.search(entry.get("id", "").strip())
    title = normalise_text(entry.get("title"))
    if match is None:
        return f"entry without an arXiv id (title {title[:80]!r})"
    paper_id = match.group("id").replace("/", "_")  # old-style ids (hep-th/9901001): '/' is not allowed
    if not title:
        return f"{paper_id}: no title"
    links = entry.get("links", [])
    abs_url = next((link["href"] for link in links if link.get("rel") == "alternate"), None)
    code_urls = [link["href"] for link in links
                 if link.get("rel") == "related" and "github.com" in link.get("href", "")]
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    terms = [primary, *(t.get("term") for t in entry.get("tags", []))] if primary else \
        [t.get("term") for t in entry.get("tags", [])]
    return {
        "id": paper_id,
        "title": title,
        "abstract": normalise_text(entry.get("summary")),
        "authors": [clean_text(a.get("name")) for a in entry.get("authors", []) if clean_text(a.get("name"))],
        "categories": map_categories([t for t in terms if t], spec.labels),
        "published_at": entry.get("published"),
        "url": re.sub(r"v\d+$", "", abs_url) if abs_url else f"https://arxiv.org/abs/{match.group('id')}",
        "code_urls": code_urls,
        "comment": clean_text(entry.get("arxiv_comment")) or None,
    }
