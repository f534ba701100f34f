"""The feed of a user id the service does not know: ranked, served, and never written.

A feed request needs only the read scope, so it must not create rows (audit finding 11): a caller
looping over made-up ids would otherwise grow ``users`` and ``feeds`` without bound. An unknown user
has no history, so their feed is the cold-start list (featured, trending, fresh; the same ranking code
as everyone's), ranked on every request and stored nowhere.

Paging without a stored list: the cursor is stateless. It carries the offset into the list, a digest
of the whole list and its user, the ``category`` and which positions ``exclude`` removed. The next page ranks the
list again (with no ``exclude``, the excluded positions are skipped from the mask) and serves it only
if the digest still matches, so a cursor still never repeats or skips an item; when the list changed
meanwhile (trending recomputed, new papers, the user became known) it answers 422 like an expired feed
and the client asks for a new one. ``feed_id`` is derived from the digest: a valid id that names no
stored feed, so events carrying it are stored but credited to no feed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg

from services import pagination
from services.errors import InvalidInput
from services.recommender import ranking
from services.recommender.feed_cache import SERVED_FROM
from services.store import papers as papers_store

COLD_CURSOR_KIND = "feed-cold"
# The longest cursor the API accepts (schemas.pagination.PageQuery); a longer one would be refused, so
# it is not handed out (only possible with FEED_SIZE near its maximum and a long category).
MAX_CURSOR_CHARS = 512
_FEED_ID_NAMESPACE = uuid.UUID("6f1c7e0e-2b6b-4d8e-9a51-3f0f4b1c2d3e")

# ``rank(request)`` → (the ranked list of a ``feed.FeedRequest``, the model versions it came from); passed
# in, since the feed module imports this one.
FeedRequest = Any
Ranker = Callable[[FeedRequest], tuple[list[ranking.Candidate], str | None]]


def is_cursor(cursor: str) -> bool:
    """True if ``cursor`` was handed out by this module (an unknown user's feed)."""
    try:
        pagination.decode(COLD_CURSOR_KIND, cursor, 4)
    except pagination.InvalidCursor:
        return False
    return True


def _digest(user_id: str, ranked: list[ranking.Candidate]) -> str:
    """Names the list and whose it is: a cursor is bound to its user, as a stored feed's is."""
    text = "\n".join([user_id, *(f"{c.paper_id} {round(c.score, 6)}" for c in ranked)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _page(conn: psycopg.Connection, ranked: list[ranking.Candidate], *, offset: int, skip: int, limit: int,
          digest: str, category: str | None, model_version: str | None, served_from: str) -> dict[str, Any]:
    """Up to ``limit`` entries of ``ranked`` from ``offset``, leaving out the positions set in ``skip``."""
    taken: list[ranking.Candidate] = []
    position = offset
    while position < len(ranked) and len(taken) < limit:
        if not skip >> position & 1:
            taken.append(ranked[position])
        position += 1
    remaining = any(not skip >> p & 1 for p in range(position, len(ranked)))
    next_cursor = None
    if remaining:
        next_cursor = pagination.encode(COLD_CURSOR_KIND, (position, digest, category or "", format(skip, "x")))
        if len(next_cursor) > MAX_CURSOR_CHARS:
            next_cursor = None
    papers = papers_store.visible_by_ids(conn, [c.paper_id for c in taken])
    items = [{"paper": papers[c.paper_id], "score": round(c.score, 6), "reasons": [r.as_dict() for r in c.reasons]}
             for c in taken if c.paper_id in papers]
    return {"items": items, "next_cursor": next_cursor, "model_version": model_version,
            "feed_id": str(uuid.uuid5(_FEED_ID_NAMESPACE, digest)), SERVED_FROM: served_from}


def first_page(conn: psycopg.Connection, request: FeedRequest, rank: Ranker, *, served_from: str) -> dict[str, Any]:
    """The first page of an unknown user's feed; nothing is written."""
    ranked, model_version = rank(replace(request, exclude=frozenset()))
    skip = sum(1 << i for i, c in enumerate(ranked) if c.paper_id in request.exclude)
    return _page(conn, ranked, offset=0, skip=skip, limit=request.limit, digest=_digest(request.user_id, ranked),
                 category=request.category, model_version=model_version, served_from=served_from)


def next_page(conn: psycopg.Connection, request: FeedRequest, rank: Ranker, *, served_from: str) -> dict[str, Any]:
    """The page after a cold cursor: the list ranked again, served only while it is the same list."""
    try:
        offset, digest, category, mask = pagination.decode(COLD_CURSOR_KIND, request.cursor, 4)
        if not (isinstance(offset, int) and offset >= 0 and isinstance(digest, str) and isinstance(category, str)
                and isinstance(mask, str)):
            raise pagination.InvalidCursor("not a cursor returned by this feed")
        skip = int(mask, 16)
    except (pagination.InvalidCursor, ValueError) as exc:
        raise InvalidInput("cursor", "not a cursor returned by this feed") from exc
    ranked, model_version = rank(replace(request, cursor=None, category=category or None, exclude=frozenset()))
    if _digest(request.user_id, ranked) != digest:
        raise InvalidInput("cursor", "this feed has changed since its first page was served; ask for a new one")
    return _page(conn, ranked, offset=offset, skip=skip, limit=request.limit, digest=digest,
                 category=category or None, model_version=model_version, served_from=served_from)
