"""The small values retrievers hand to the feed: a ``Hit`` (one paper a retriever found or scored) and its
``Reason`` (what the reader is told), with the retriever and reason names spelled once.

Immutable on purpose: a retriever's list is read by the blend, by CF re-scoring and by the offline
evaluation; nobody edits another step's hits in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Retriever(StrEnum):
    """The feed's retrievers (``feed.RETRIEVERS`` maps each to its function and weight setting)."""

    CONTENT = "content"
    CF = "cf"
    CITATIONS = "citations"
    ITEMKNN = "itemknn"
    TRENDING = "trending"
    UPVOTED = "upvoted"
    FRESH = "fresh"


class ReasonKind(StrEnum):
    """``kind`` of a reason as the API returns it (schemas/feed.py documents the list)."""

    SIMILAR_TO_STARRED = "similar_to_starred"
    SIMILAR_TO_READ = "similar_to_read"
    # A content hit no single profile paper is similar enough to name: it serves one of the reader's
    # interests (a cluster of their papers), and the reason says which.
    MATCHES_INTEREST = "matches_your_interest"
    LIKED_BY_SIMILAR_READERS = "liked_by_similar_readers"
    # Cites, is cited by, or shares cited works / citing papers with a profile paper (named).
    SHARES_CITATIONS = "shares_citations"
    # Saved by many of the readers who saved a profile paper (named): the item-item neighbour model.
    READ_WITH = "saved_with_yours"
    TRENDING = "trending"
    # Upvoted by the Hugging Face Daily Papers community (a source's signal, not this service's readers).
    UPVOTED = "upvoted_on_daily_papers"
    FRESH = "fresh"
    FEATURED = "featured"


@dataclass(frozen=True)
class Reason:
    kind: str
    detail: str
    # The paper the reason points at (a profile paper, a featured paper), when there is one.
    paper_id: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The JSON shape stored in feed snapshots and returned by the API (no paper_id key when None)."""
        out = {"kind": str(self.kind), "detail": self.detail}
        if self.paper_id is not None:
            out["paper_id"] = self.paper_id
        return out


@dataclass(frozen=True)
class InterestRef:
    """Which of the reader's interests a content hit serves: its position (heaviest first) and its share
    of the reader's evidence (stars weigh more than reads), which is its share of the page."""

    index: int
    share: float


@dataclass(frozen=True)
class Hit:
    """One paper a retriever returns: its raw score (any scale: the blend normalises per retriever) and
    why it was found. ``reason`` None: the retriever only re-scored a paper another one found, and makes
    no claim. ``interest``: the reader's interest it serves (content hits: the best one; item-item and
    citation hits: that of the profile paper their reason names)."""

    paper_id: str
    score: float
    reason: Reason | None = None
    interest: InterestRef | None = None
    # Resembles the reader's own papers: content hits by construction, item-item and citation hits when
    # ``content.mark_topical`` finds one profile paper at FEED_TOPICAL_SIMILARITY or above. The feed lets
    # hits that are not topical take only a few of an interest's places (``ranking.topical_first``).
    topical: bool = False

    def marked(self, topical: bool) -> Hit:
        """This hit with ``topical`` set so (itself when it already is): ``dataclasses.replace`` costs
        several times a plain construction, for each of a few hundred hits per ranked feed."""
        if topical == self.topical:
            return self
        return Hit(self.paper_id, self.score, self.reason, self.interest, topical)
