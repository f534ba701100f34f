"""What to poll: the SOURCES setting (a JSON list) parsed into typed SourceSpecs.

Example::

    SOURCES='[{"name": "arxiv-ml", "kind": "arxiv", "categories": ["cs.LG", "cs.CL"], "backfill_days": 3},
              {"name": "hf-daily", "kind": "hf_daily"}]'

Nothing here does I/O; ``parse_sources`` raises ValueError naming the entry and field at fault.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SourceKind(StrEnum):
    ARXIV = "arxiv"
    HF_DAILY = "hf_daily"


DEFAULT_URLS = {
    SourceKind.ARXIV: "https://export.arxiv.org/api/query",
    SourceKind.HF_DAILY: "https://huggingface.co/api/daily_papers",
}
# arXiv's API terms ask for no more than one request every three seconds.
DEFAULT_DELAY_SECONDS = {SourceKind.ARXIV: 3.0, SourceKind.HF_DAILY: 1.0}
# A day stays open (re-read from its start at every poll) until it is this many days old: arXiv
# announces a day's submissions a day or more later (three over a weekend), Daily Papers upvotes
# keep growing for a day or two.
DEFAULT_SETTLE_DAYS = {SourceKind.ARXIV: 3, SourceKind.HF_DAILY: 2}
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
CATEGORY = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")
MAX_SOURCES = 32


@dataclass(frozen=True)
class SourceSpec:
    """One configured source. ``every_seconds`` is its beat interval; ``backfill_days`` how far back a
    fresh cursor starts; ``page_size`` papers per request; ``delay_seconds`` the pause between two
    requests of one poll; ``max_requests`` bounds one poll (the next one resumes from the cursor);
    ``labels`` maps a source's category term to the catalogue's label; ``categories`` are the arXiv
    categories asked for (arxiv) or the labels given to papers that carry none (hf_daily)."""

    name: str
    kind: SourceKind
    url: str
    categories: tuple[str, ...] = ()
    query: str | None = None
    every_seconds: int = 3600
    backfill_days: int = 3
    settle_days: int = 3
    page_size: int = 100
    delay_seconds: float = 3.0
    max_requests: int = 20
    timeout_seconds: float = 30.0
    labels: dict[str, str] = field(default_factory=dict)


_LIMITS: dict[str, tuple[type, float, float]] = {
    "every_seconds": (int, 1, 7 * 86400),
    "backfill_days": (int, 0, 365),
    "settle_days": (int, 0, 30),
    "page_size": (int, 1, 2000),
    "delay_seconds": (float, 0, 600),
    "max_requests": (int, 1, 10_000),
    "timeout_seconds": (float, 0.1, 600),
}
_KNOWN = {"name", "kind", "url", "categories", "query", "labels", *_LIMITS}


def parse_sources(raw: str) -> tuple[SourceSpec, ...]:
    """The SOURCES value → specs (empty string or ``[]``: none)."""
    if not raw.strip():
        return ()
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"expected a JSON list of sources ({exc.msg} at column {exc.colno})") from None
    if not isinstance(items, list):
        raise ValueError("expected a JSON list of sources")
    if len(items) > MAX_SOURCES:
        raise ValueError(f"at most {MAX_SOURCES} sources")
    specs = [_one(i, item) for i, item in enumerate(items)]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError("source names must be unique")
    return tuple(specs)


def _one(index: int, item: Any) -> SourceSpec:
    where = f"source {index}"
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected an object")
    unknown = set(item) - _KNOWN
    if unknown:
        raise ValueError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    name = item.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"{where}: name must be 1-64 of a-z, 0-9, '-', '_'")
    where = f"source {name!r}"
    try:
        kind = SourceKind(item.get("kind"))
    except ValueError:
        raise ValueError(f"{where}: kind must be one of {', '.join(k.value for k in SourceKind)}") from None
    url = item.get("url", DEFAULT_URLS[kind])
    if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
        raise ValueError(f"{where}: url must be an http(s) URL")
    categories = item.get("categories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) and CATEGORY.match(c) for c in categories):
        raise ValueError(f"{where}: categories must be a list of arXiv categories such as 'cs.LG'")
    if kind is SourceKind.ARXIV and not categories and not item.get("query"):
        raise ValueError(f"{where}: an arxiv source needs categories or a query")
    query = item.get("query")
    if query is not None and (not isinstance(query, str) or not 0 < len(query) <= 1000):
        raise ValueError(f"{where}: query must be an arXiv search_query of 1-1000 characters")
    labels = item.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        raise ValueError(f"{where}: labels must map category terms to labels")
    numbers: dict[str, Any] = {"delay_seconds": DEFAULT_DELAY_SECONDS[kind], "settle_days": DEFAULT_SETTLE_DAYS[kind]}
    for key, (cast, lo, hi) in _LIMITS.items():
        if key not in item:
            continue
        value = item[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or (cast is int and value != int(value)):
            raise ValueError(f"{where}: {key} must be a number")
        if not lo <= value <= hi:
            raise ValueError(f"{where}: {key} must be from {lo:g} to {hi:g}")
        numbers[key] = cast(value)
    return SourceSpec(name=name, kind=kind, url=url, categories=tuple(categories), query=query,
                      labels=dict(labels), **numbers)


def sources_json(specs: Sequence[SourceSpec]) -> str:
    """Specs → the SOURCES value that parses back to them (for child processes)."""
    return json.dumps([{k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(s).items()
                        if not (k == "query" and v is None)} for s in specs])
