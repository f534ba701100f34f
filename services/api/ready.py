"""Ready response bytes: a paper's API form serialised once per version, feed pages assembled from it,
finished first pages held.

Dumping 20 papers field by field through marshmallow on every feed request cost more CPU than the rest
of a stored feed's path. A paper's API form changes only when the paper does, and every write to a
paper sets its ``updated_at``; so its JSON (``PaperOut``'s dump, encoded by orjson) is kept per
(id, updated_at, selected fields) in a bounded in-process LRU, and a feed page is the concatenation of
those fragments with the per-item score and reasons. A changed paper gets a new key (the old entry
ages out); nothing has to be told.

marshmallow stays the contract: each fragment *is* ``PaperOut().dump(row)``, the envelope follows
``FeedPage``'s fields in their order, and tests/unit/test_ready_bytes.py checks that the assembled JSON
equals ``FeedPage().dump`` of the same data. The route still declares ``FeedPage`` for the OpenAPI
document.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from flask import Flask, Response, current_app
from werkzeug.http import generate_etag

from schemas.feed import FeedPage, Reason
from schemas.papers import PAPER_ALWAYS, PaperOut
from services.recommender.feed_cache import HeldPage

EXTENSION = "paperfeed.paper_fragments"
HELD_EXTENSION = "paperfeed.held_pages"
# Finished first pages held per process, by their bytes: ~40 KB a page, so ~400 readers' first pages.
# Only a page PostgreSQL still finds valid is served from here (services/recommender/feed_cache.py).
HELD_PAGE_BYTES = 16 * 1024 * 1024
# Fragments kept per process: a full paper is ~2 KB, so ~8 MB at most (trimmed, see PaperFragments.paper); a feed page rotates over far
# fewer distinct papers than this (200 readers' first pages share most of theirs).
FRAGMENT_CAPACITY = 4096
JSON_MIMETYPE = "application/json"

_REASON_KEYS = tuple(Reason._declared_fields)
_PAGE_KEYS = tuple(FeedPage._declared_fields)
_ITEMS = "items"
# The shape of a feed page's JSON: part of every kept page's variant, so pages kept by a release with
# other fields are never served by this one (services/recommender/feed_cache.py).
PAGE_FORMAT = hashlib.sha256(repr((tuple(PaperOut._declared_fields), _REASON_KEYS, _PAGE_KEYS)).encode()
                             ).hexdigest()[:12]


class PaperFragments:
    """Bounded LRU: (paper id, updated_at, selected optional fields or None for all) → JSON bytes."""

    def __init__(self, capacity: int = FRAGMENT_CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()  # gthread workers: several requests share one process
        self._schema = PaperOut()
        self.hits = self.misses = 0

    def paper(self, row: Mapping[str, Any], selected: tuple[str, ...] | None) -> bytes:
        """The JSON of ``PaperOut().dump(row)``, reduced to PAPER_ALWAYS + ``selected`` when given."""
        key = (row["id"], row.get("updated_at"), selected)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
        dumped = self._schema.dump(row)
        if selected is not None:
            keep = set(PAPER_ALWAYS).union(selected)
            dumped = {k: v for k, v in dumped.items() if k in keep}
        # A copy of exactly its length: orjson ≥ 3.12 returns bytes that keep its whole write buffer (4 KB
        # at least, 16 KB for a paper with its abstract; ijl/orjson never shrinks it), and this cache holds
        # thousands of them: 55 vs 7 MB per API worker at 4,096 papers (docs/benchmarks.md).
        encoded = memoryview(orjson.dumps(dumped)).tobytes()
        with self._lock:
            self.misses += 1
            self._entries[key] = encoded
            if len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return encoded

    def __len__(self) -> int:
        return len(self._entries)


class HeldPages:
    """Bounded LRU of finished first pages answered by this process: (user id, variant) → HeldPage, at
    most ``max_bytes`` of bodies. Holding a page never decides that it is served: the feed query does.
    A page is held with its ETag (the tag ``conditional`` would compute from the same bytes), so an
    answer served from here is not hashed again."""

    def __init__(self, max_bytes: int = HELD_PAGE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], HeldPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, user_id: str, variant: str) -> HeldPage | None:
        with self._lock:
            found = self._entries.get((user_id, variant))
            if found is not None:
                self._entries.move_to_end((user_id, variant))
            return found

    def put(self, user_id: str, variant: str, page: HeldPage) -> None:
        if len(page.body) > self.max_bytes:
            return
        if page.etag is None:
            page = dataclasses.replace(page, etag=generate_etag(page.body))
        with self._lock:
            old = self._entries.pop((user_id, variant), None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[(user_id, variant)] = page
            self._bytes += len(page.body)
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask, capacity: int = FRAGMENT_CAPACITY) -> PaperFragments:
    """One fragment cache and one store of held pages per app (so per worker process)."""
    fragments = PaperFragments(capacity)
    app.extensions[EXTENSION] = fragments
    app.extensions[HELD_EXTENSION] = HeldPages()
    return fragments


def fragments() -> PaperFragments:
    return current_app.extensions[EXTENSION]


def held_pages() -> HeldPages:
    return current_app.extensions[HELD_EXTENSION]


def _reasons(reasons: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # As Reason's dump: only its declared keys, absent ones left out (a snapshot's extra keys never leak).
    return [{k: r[k] for k in _REASON_KEYS if k in r} for r in reasons]


def feed_page_bytes(page: Mapping[str, Any], cache: PaperFragments, selected: tuple[str, ...] | None = None) -> bytes:
    """The JSON of ``FeedPage().dump(page)`` (papers reduced to ``selected``), from ready fragments.

    ``page`` is what services.recommender.feed.get_feed returns: items of {paper row, score, reasons}."""
    items = b",".join(
        b'{"paper":' + cache.paper(item["paper"], selected)
        + b',"score":' + orjson.dumps(float(item["score"]))
        + b',"reasons":' + orjson.dumps(_reasons(item["reasons"])) + b"}"
        for item in page[_ITEMS])
    parts = []
    for key in _PAGE_KEYS:
        value = b"[" + items + b"]" if key == _ITEMS else orjson.dumps(page.get(key))
        parts.append(orjson.dumps(key) + b":" + value)
    return b"{" + b",".join(parts) + b"}"


def page_variant(limit: int, selected: tuple[str, ...] | None) -> str:
    """What besides the feed decides a first page's bytes: its size, the paper fields asked for (None:
    all) and PAGE_FORMAT. Equal variants of one feed give equal bytes."""
    fields = "*" if selected is None else ",".join(sorted(selected))
    return f"{PAGE_FORMAT}|{limit}|{fields}"


def json_response(body: bytes, etag: str | None = None) -> Response:
    """``body`` as JSON; ``etag``: its strong tag when already known (``conditional`` then keeps it)."""
    response = Response(body, mimetype=JSON_MIMETYPE)
    if etag is not None:
        response.set_etag(etag)
    return response


def select(items: Iterable[Mapping[str, Any]], always: tuple[str, ...], selected: tuple[str, ...] | None
           ) -> list[Mapping[str, Any]]:
    """Items reduced to ``always`` + ``selected`` keys (``selected`` None: unchanged); the schema dumps
    only what is there, so left-out optional fields are simply absent from the answer."""
    if selected is None:
        return list(items)
    keep = set(always).union(selected)
    return [{k: v for k, v in item.items() if k in keep} for item in items]
