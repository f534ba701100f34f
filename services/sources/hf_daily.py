"""Hugging Face Daily Papers (``GET https://huggingface.co/api/daily_papers?date=YYYY-MM-DD``).

The response is a JSON list, one item per curated paper::

    [{"paper": {"id": "2606.15956", "title": ..., "summary": ..., "authors": [{"name": ...}, ...],
                "publishedAt": "...Z", "upvotes": 42, "githubRepo": "https://github.com/...", ...},
      "publishedAt": "...Z", "title": ..., "numComments": 3, "submittedBy": {...}}, ...]

``paper.id`` is the arXiv id, so a Daily Paper and the same arXiv listing are one catalogue paper; the
Daily Papers record only fills what the catalogue lacks (``Page.fill_only``). ``paper.upvotes`` (with
the day it was put on the list) becomes an Upvote, the trending signal of its own. One request is the
whole day, so a Page never has a next page.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from services.sources.fetch import Request, SourceError
from services.sources.pages import Page, Upvote
from services.sources.spec import SourceSpec
from services.sources.text import clean_text, map_categories, normalise_text


def request(spec: SourceSpec, day: date, start: int) -> Request:
    return Request(spec.url, {"date": day.isoformat()})


def parse(body: bytes, spec: SourceSpec, day: date) -> Page:
    try:
        items = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"malformed Daily Papers response: {exc}") from None
    if isinstance(items, dict) and "error" in items:
        raise SourceError(f"Daily Papers error: {str(items['error'])[:200]}")
    if not isinstance(items, list):
        raise SourceError("malformed Daily Papers response: expected a JSON list")
    page = Page(fill_only=True)
    listed = datetime(day.year, day.month, day.day, tzinfo=UTC)
    for item in items:
        paper = item.get("paper") if isinstance(item, dict) else None
        if not isinstance(paper, dict):
            page.rejected.append("item without a paper object")
            continue
        record = _paper(item, paper, spec)
        if isinstance(record, str):
            page.rejected.append(record)
            continue
        page.papers.append(record)
        upvotes = paper.get("upvotes")
        if isinstance(upvotes, int) and not isinstance(upvotes, bool) and upvotes >= 0:
            page.upvotes.append(Upvote(record["id"], upvotes, _when(paper.get("submittedOnDailyAt")) or listed))
    return page


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _paper(item: dict[str, Any], paper: dict[str, Any], spec: SourceSpec) -> dict[str, Any] | str:
    paper_id = paper.get("id")
    title = normalise_text(paper.get("title") if isinstance(paper.get("title"), str) else item.get("title"))
    if not isinstance(paper_id, str) or not paper_id.strip() or "/" in paper_id:
        return f"item without a usable paper id (title {title[:80]!r})"
    paper_id = paper_id.strip()
    if not title:
        return f"{paper_id}: no title"
    authors = [clean_text(a.get("name")) for a in paper.get("authors") or [] if isinstance(a, dict)]
    repo = paper.get("githubRepo")
    return {
        "id": paper_id,
        "title": title,
        "abstract": normalise_text(paper.get("summary") if isinstance(paper.get("summary"), str) else ""),
        "authors": [a for a in authors if a],
        "categories": map_categories(spec.categories, spec.labels),
        "published_at": paper.get("publishedAt") if isinstance(paper.get("publishedAt"), str) else None,
        "url": f"https://arxiv.org/abs/{paper_id}",
        "code_urls": [repo] if isinstance(repo, str) and repo.startswith(("https://", "http://")) else [],
    }
