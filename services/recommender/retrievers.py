"""The feed's retrievers, as one table: name → (function, weight setting).

Each retriever is a function ``(Retrieval, found) -> list[Hit]``: ``Retrieval`` is what one feed request
may read (connection, live models, settings, the reader's profile), ``found`` the hits of the retrievers
before it in the table (CF re-scores the content retriever's candidates). The feed runs them in table
order and blends them with the weight their setting gives (``weights``); a retriever whose weight is 0
is not run. Adding a retriever is one entry here plus its FEED_WEIGHT_* setting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import psycopg

from services.config import Settings
from services.recommender.cf import LoadedCf
from services.recommender.content import (
    Interest,
    PaperRows,
    content_hits,
    interest_refs,
    mark_topical,
    profile_interests,
    profile_rows,
)
from services.recommender.hits import Hit, InterestRef, Reason, ReasonKind, Retriever
from services.recommender.index import LoadedIndex
from services.recommender.itemknn import history_factor
from services.recommender.serving import LiveModels
from services.store import papers as papers_store
from services.store import trending as trending_store

# The fresh retriever's depth: the newest papers only (the others return FEED_SIZE).
FRESH_CANDIDATES = 50
# A CF hit far below the user's best one is noise, not "readers like you liked it".
CF_RELATIVE_FLOOR = 0.25
# Lists that are the same for every user (trending, fresh, featured) are shared by all requests of a
# process for this long.
SHARED_LIST_SECONDS = 5.0


@dataclass(frozen=True)
class Retrieval:
    """What a retriever may read for one feed request (``interests``: computed once, on first use)."""

    conn: psycopg.Connection
    live: LiveModels
    settings: Settings
    user_id: str
    category: str | None
    # The reader's stars and recent reads, newest first (events_store.feed_inputs rows).
    profile: Sequence[Mapping[str, Any]]
    index: LoadedIndex | None
    cf_model: LoadedCf | None

    @cached_property
    def profile_rows(self) -> PaperRows | None:
        """The profile's rows for the similarities (``content.profile_rows``), gathered once per request;
        None without an index."""
        return None if self.index is None else profile_rows(self.index, self.profile, self.settings)

    @cached_property
    def interests(self) -> list[Interest]:
        """The reader's interests (``content.profile_interests``); [] without an index."""
        if self.index is None or not self.profile:
            return []
        return profile_interests(self.index, self.profile, self.settings, self.profile_rows)

    @cached_property
    def interest_of(self) -> dict[str, InterestRef]:
        """Profile paper → its interest, for the retrievers that anchor hits on a profile paper."""
        return interest_refs(self.interests)


RetrieveFn = Callable[[Retrieval, Mapping[str, Sequence[Hit]]], list[Hit]]


@dataclass(frozen=True)
class RetrieverSpec:
    retrieve: RetrieveFn
    # The Settings attribute holding this retriever's weight in the blend.
    weight_setting: str


def _content(ctx: Retrieval, found: Mapping[str, Sequence[Hit]]) -> list[Hit]:
    if ctx.index is None or not ctx.profile:
        return []
    # Interest reasons only: the feed names the resembled papers on its final list (content.name_papers).
    return content_hits(ctx.index, ctx.profile, ctx.settings, ctx.interests, named=False)


def _cf(ctx: Retrieval, found: Mapping[str, Sequence[Hit]]) -> list[Hit]:
    if ctx.cf_model is None:
        return []
    return cf_hits(ctx.cf_model, ctx.user_id, ctx.settings, history=len(ctx.profile),
                   rescore=[h.paper_id for h in found.get(Retriever.CONTENT, ())])


def _itemknn(ctx: Retrieval, found: Mapping[str, Sequence[Hit]]) -> list[Hit]:
    model = ctx.cf_model.itemknn if ctx.cf_model is not None else None
    if model is None or not ctx.profile:
        return []
    s = ctx.settings
    factor = history_factor(len(ctx.profile), s.feed_itemknn_min_history, s.feed_itemknn_full_history)
    hits = model.hits(ctx.profile, s.feed_size, factor=factor, interest_of=ctx.interest_of)
    return hits if ctx.index is None else mark_topical(ctx.index, ctx.profile, s, hits, ctx.profile_rows)


def _citations(ctx: Retrieval, found: Mapping[str, Sequence[Hit]]) -> list[Hit]:
    if ctx.index is None or ctx.index.citations is None or not ctx.profile:
        return []
    return mark_topical(ctx.index, ctx.profile, ctx.settings,
                        ctx.index.citations.hits(ctx.profile, ctx.settings.feed_size, interest_of=ctx.interest_of),
                        ctx.profile_rows)


def _trending(ctx: Retrieval, found: Mapping[str, Sequence[Hit]]) -> list[Hit]:
    # The hits themselves are shared (immutable values): no per-request object per row.
    return ctx.live.shared((Retriever.TRENDING, ctx.category), SHARED_LIST_SECONDS, lambda: [
        Hit(r["id"], r["score"], Reason(ReasonKind.TRENDING, _trending_detail(r))) for r in trending_store.top(
            ctx.conn, period="week", category=ctx.category, limit=ctx.settings.feed_size)])


def _trending_detail(row: Mapping[str, Any]) -> str:
    detail = f"trending this week ({row['stars']} stars, {row['reads']} reads"
    if row.get("upvotes"):
        detail += f", {row['upvotes']} upvotes on Daily Papers"
    return detail + ")"


# Papers put on Daily Papers longer ago than this are not news to the upvotes retriever.
UPVOTED_DAYS = 7.0


def _upvoted(ctx: Retrieval, found: Mapping[str, Sequence[Hit]]) -> list[Hit]:
    return ctx.live.shared((Retriever.UPVOTED, ctx.category), SHARED_LIST_SECONDS, lambda: [
        Hit(r["id"], r["score"], Reason(ReasonKind.UPVOTED, f"{r['upvotes']} upvotes on Hugging Face Daily "
                                                            "Papers this week"))
        for r in trending_store.upvoted(ctx.conn, days=UPVOTED_DAYS, category=ctx.category,
                                        limit=ctx.settings.feed_size)])


def _fresh(ctx: Retrieval, found: Mapping[str, Sequence[Hit]]) -> list[Hit]:
    reason = Reason(ReasonKind.FRESH, "new in the catalogue")
    return ctx.live.shared((Retriever.FRESH, ctx.category), SHARED_LIST_SECONDS, lambda: [
        Hit(r["id"], 1.0 / (1 + position), reason)
        for position, r in enumerate(papers_store.fresh(ctx.conn, limit=FRESH_CANDIDATES, category=ctx.category))])


# Run in this order: a retriever sees the hits of those above it.
RETRIEVERS: dict[str, RetrieverSpec] = {
    Retriever.CONTENT: RetrieverSpec(_content, "feed_weight_content"),
    Retriever.CF: RetrieverSpec(_cf, "feed_weight_cf"),
    Retriever.ITEMKNN: RetrieverSpec(_itemknn, "feed_weight_itemknn"),
    Retriever.CITATIONS: RetrieverSpec(_citations, "feed_weight_citations"),
    Retriever.TRENDING: RetrieverSpec(_trending, "feed_weight_trending"),
    Retriever.UPVOTED: RetrieverSpec(_upvoted, "feed_weight_upvoted"),
    Retriever.FRESH: RetrieverSpec(_fresh, "feed_weight_fresh"),
}


def weights(settings: Settings) -> dict[str, float]:
    """Each retriever's weight in the blend, from its setting."""
    return {name: float(getattr(settings, spec.weight_setting)) for name, spec in RETRIEVERS.items()}


def retrieve_all(ctx: Retrieval) -> dict[str, list[Hit]]:
    """Every retriever of the table with a positive weight, in table order."""
    found: dict[str, list[Hit]] = {}
    for name, weight in weights(ctx.settings).items():
        if weight > 0:
            found[name] = RETRIEVERS[name].retrieve(ctx, found)
    return found


def cf_hits(cf_model: LoadedCf, user_id: str, settings: Settings, *, history: int,
            rescore: Sequence[str] = ()) -> list[Hit]:
    """The user's FEED_SIZE best CF papers, without those far below the best (noise, not "readers like
    you liked it"); [] for a user the model does not know, or who has starred or read fewer than
    FEED_CF_MIN_HISTORY papers (``history``): offline, CF from one or two papers only added noise to
    the content retriever (bench/quality.py).

    With FEED_CF_RESCORE, the papers of ``rescore`` (other retrievers' candidates) that the model knows
    follow, with their CF scores and no reason: CF then orders them too (under rank fusion), without
    claiming to have found them. Papers nobody has read yet carry no reason either."""
    if history < settings.feed_cf_min_history:
        return []
    hits = cf_model.recommend(user_id, settings.feed_size)
    floor = CF_RELATIVE_FLOOR * hits[0][1] if hits and hits[0][1] > 0 else float("inf")
    reason = Reason(ReasonKind.LIKED_BY_SIMILAR_READERS, "readers with tastes like yours liked it")
    # A paper nobody has read (factors imputed from its content neighbours) is scored, but not claimed.
    out = [Hit(pid, s, reason if cf_model.has_readers(pid) else None) for pid, s in hits if s >= floor]
    if settings.feed_cf_rescore and rescore:
        found = {h.paper_id for h in out}
        out += [Hit(pid, s) for pid, s in cf_model.score_items(user_id, [p for p in rescore if p not in found])]
    return out
