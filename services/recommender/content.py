"""The content retriever: papers like the ones the user starred and read, one interest at a time.

1. Interests: the reader's papers are grouped (``group_interests``: average-linkage over their pairwise
   similarity, merged while at least FEED_INTEREST_SIMILARITY, at most FEED_MAX_INTERESTS groups). A
   star in a new field is a new interest on the very next request.
2. Each interest retrieves on its own, with two views of "like" fused per candidate
   (``FEED_CONTENT_LEXICAL`` is the lexical share):
   - dense: the interest's weighted centroid searched in FAISS; score = cosine to it, floored at 0;
   - lexical: the exact TF-IDF score against the interest's summed rows (``LexicalModel.group_scores``),
     scaled so the interest's best paper scores 1.
   A candidate's score is its best over the interests (max, not a sum over every profile paper: a
   paper loosely close to many of them — a "hub" — does not beat each interest's own neighbours), and
   its hit carries that interest and its share of the reader's weight (the feed gives each interest
   that share of the page: ``ranking.allot_interests``).
3. Reasons: the profile paper the candidate is most similar to, named only at FEED_REASON_SIMILARITY or
   above; below, the reason names the interest instead of a paper the item does not resemble. Finding
   that paper is a hits × profile product (a few hundred hits by every profile paper, the costliest step
   after retrieval itself) and only the hundred that make the feed need it: the feed asks for hits
   without it (``named=False``) and names papers on its final list (``name_papers``): the same
   reasons, since the nearest profile paper depends on the hit and the profile alone.

"Similarity" between two papers is one measure throughout (``Similarity``): the same lexical/dense mix
as the score, from the exact TF-IDF cosine and the dense cosine of the stored vectors.

No I/O: the feed, the offline evaluation (bench/quality.py) and the index holdout call it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from services.config import Settings
from services.recommender.hits import Hit, InterestRef, Reason, ReasonKind
from services.recommender.index import LoadedIndex
from services.recommender.lexical import top_positive
from services.recommender.positions import MISSING, rows_of
from services.recommender.ranking import Candidate

# In a centroid, and in the lexical sum, a star counts this many times as much as a read.
STAR_WEIGHT = 2.0
# Each interest retrieves at least this many candidates (plus its share of FEED_SIZE), so a small interest
# can still fill its slots after the feed drops what the reader has seen.
MIN_INTEREST_DEPTH = 20
# Only the newest papers of a long profile are grouped into interests (bounded cost: O(n²) per merge).
MAX_GROUPED = 150
# Words of an interest's label: those in most of its papers' titles.
LABEL_WORDS = 3
_WORD = re.compile(r"[^\W\d_][\w-]{3,}")


def fuse(lexical: np.ndarray, dense: np.ndarray, lexical_share: float) -> np.ndarray:
    """``lexical_share * lexical / max(lexical) + (1 - lexical_share) * max(dense, 0)``, elementwise over
    the candidates (a lexical list of zeros contributes nothing)."""
    top = float(lexical.max()) if lexical.size else 0.0
    lexical_part = lexical / top if top > 0 else np.zeros_like(lexical)
    return lexical_share * lexical_part + (1.0 - lexical_share) * np.maximum(dense, 0.0)


@dataclass(frozen=True)
class PaperRows:
    """Papers' rows in both views of a ``Similarity``, gathered once: a ranked feed compares the reader's
    profile with three sets of papers (itself, other retrievers' hits, the final list)."""

    ids: tuple[str, ...]
    dense: np.ndarray  # len(ids) × dim, a zero row for a paper without a vector (no rows: lexical only)
    # len(ids) × terms, and the same transposed for a product (None: the similarity has no lexical share)
    lexical: sp.csr_matrix | None
    lexical_t: sp.csr_matrix | None


@dataclass(frozen=True)
class Similarity:
    """Paper-to-paper similarity: ``share`` × exact TF-IDF cosine + (1 − share) × dense cosine (a paper
    missing from a view scores 0 in it)."""

    index: LoadedIndex
    share: float

    def dense_rows(self, paper_ids: Sequence[str]) -> np.ndarray:
        dim = self.index.vectors.shape[1] if self.index.vectors.ndim == 2 else 0
        out = np.zeros((len(paper_ids), dim), dtype=np.float32)
        at = rows_of(self.index.positions, paper_ids)
        known = at != MISSING
        if known.any():
            out[known] = np.asarray(self.index.vectors[at[known]])
        return out

    def rows(self, paper_ids: Sequence[str]) -> PaperRows:
        """``paper_ids``' rows in the views this similarity mixes, for ``between`` (either side)."""
        ids = tuple(paper_ids)
        lexical = self.index.lexical.rows_of(ids) if self.share > 0.0 and self.index.lexical is not None else None
        dense = self.dense_rows(ids if self.share < 1.0 else ())  # a lexical-only similarity reads none
        return PaperRows(ids, dense, lexical, None if lexical is None else lexical.T.tocsr())

    def between(self, left: Sequence[str] | PaperRows, right: Sequence[str] | PaperRows,
                left_dense: np.ndarray | None = None) -> np.ndarray:
        """len(left) × len(right) similarities. Either side: paper ids, or their ``rows`` when the same
        papers are compared more than once; ``left_dense``: ``dense_rows(left)``, when already known."""
        right = right if isinstance(right, PaperRows) else self.rows(right)
        left_ids = left.ids if isinstance(left, PaperRows) else left
        out = np.zeros((len(left_ids), len(right.ids)), dtype=np.float32)
        if not left_ids or not right.ids:
            return out
        if self.share < 1.0:
            if left_dense is None:
                left_dense = left.dense if isinstance(left, PaperRows) else self.dense_rows(left)
            out += np.float32(1.0 - self.share) * (left_dense @ right.dense.T)
        if right.lexical_t is not None:
            left_lexical = left.lexical if isinstance(left, PaperRows) else self.index.lexical.rows_of(left)
            out += np.float32(self.share) * np.asarray((left_lexical @ right.lexical_t).toarray())
        return out


@dataclass(frozen=True)
class Interest:
    """A group of the reader's papers (newest first) and its share of their weight."""

    members: tuple[str, ...]
    share: float
    label: str


def group_interests(similarity: np.ndarray, *, threshold: float, max_groups: int) -> list[list[int]]:
    """Average-linkage grouping of n papers by their n × n ``similarity``: the two groups with the highest
    average pairwise similarity merge while it is at least ``threshold``, and beyond that while there are
    more than ``max_groups``. Groups as lists of row numbers, each in row order, ordered by first row.
    Deterministic (ties: the lowest rows)."""
    n = len(similarity)
    if n == 0:
        return []
    total = np.array(similarity, dtype=np.float64)
    sizes = np.ones(n)
    members = [[i] for i in range(n)]
    active = np.ones(n, dtype=bool)
    average = total.copy()
    np.fill_diagonal(average, -np.inf)
    while active.sum() > 1:
        flat = int(np.argmax(average))
        i, j = divmod(flat, n)
        i, j = min(i, j), max(i, j)
        if average[i, j] < threshold and active.sum() <= max_groups:
            break
        total[i] += total[j]
        total[:, i] += total[:, j]
        sizes[i] += sizes[j]
        members[i] += members[j]
        active[j] = False
        average[j, :] = average[:, j] = -np.inf
        row = total[i] / (sizes[i] * sizes)
        row[~active] = -np.inf
        row[i] = -np.inf
        average[i, :] = average[:, i] = row
    return [sorted(members[i]) for i in np.flatnonzero(active)]


def interests_of(profile: Sequence[Mapping[str, Any]], similarity: Similarity, settings: Settings,
                 profile_rows: PaperRows | None = None) -> list[Interest]:
    """The reader's interests, heaviest first (ties: the one with the newest paper). ``profile_rows``:
    ``similarity.rows`` of the profile's ids, when the caller has them."""
    rows = list(profile)[:MAX_GROUPED]
    ids = [row["paper_id"] for row in rows]
    if not ids:
        return []
    weight = np.array([_weight(row) for row in rows])
    grouped = profile_rows if profile_rows is not None and profile_rows.ids == tuple(ids) else similarity.rows(ids)
    groups = group_interests(similarity.between(grouped, grouped), threshold=settings.feed_interest_similarity,
                             max_groups=settings.feed_max_interests)
    total = float(weight.sum())
    titles = [row.get("title") or "" for row in rows]
    groups.sort(key=lambda g: (-float(weight[g].sum()), g[0]))
    return [Interest(tuple(ids[i] for i in g), float(weight[g].sum()) / total, _label([titles[i] for i in g]))
            for g in groups]


def similarity_for(index: LoadedIndex, settings: Settings) -> Similarity:
    """The feed's paper-to-paper similarity on ``index`` (FEED_CONTENT_LEXICAL; dense alone without
    lexical rows)."""
    return Similarity(index, settings.feed_content_lexical if index.lexical is not None else 0.0)


def profile_interests(index: LoadedIndex, profile: Sequence[Mapping[str, Any]], settings: Settings,
                      profile_rows: PaperRows | None = None) -> list[Interest]:
    """``interests_of`` the ``profile`` under the feed's similarity on ``index`` (``profile_rows``: as
    ``profile_rows`` gives them, when the caller has them)."""
    return interests_of(profile, similarity_for(index, settings), settings, profile_rows)


def profile_rows(index: LoadedIndex, profile: Sequence[Mapping[str, Any]], settings: Settings) -> PaperRows:
    """The rows of the ``profile``'s papers under the feed's similarity on ``index``: what a feed request
    gathers once for ``profile_interests``, ``mark_topical`` and ``name_papers``."""
    return similarity_for(index, settings).rows([row["paper_id"] for row in profile])


def interest_refs(interests: Sequence[Interest]) -> dict[str, InterestRef]:
    """Profile paper id → the ``InterestRef`` of the interest it belongs to: what a retriever that anchors
    its hits on one profile paper (item-item neighbours, citations) tags them with, so that the feed
    counts them in that interest's share of the page instead of letting them crowd out the others."""
    return {pid: InterestRef(g, interest.share) for g, interest in enumerate(interests) for pid in interest.members}


def mark_topical(index: LoadedIndex, profile: Sequence[Mapping[str, Any]], settings: Settings,
                 hits: Sequence[Hit], rows: PaperRows | None = None) -> list[Hit]:
    """``hits`` (another retriever's) with ``topical`` set on those whose similarity to some ``profile``
    paper reaches FEED_TOPICAL_SIMILARITY (``rows``: ``profile_rows`` of the same arguments, when known)."""
    if not hits or not profile:
        return list(hits)
    closeness = similarity_for(index, settings).between([h.paper_id for h in hits], rows if rows is not None
                                                        else [row["paper_id"] for row in profile])
    near = closeness.max(axis=1) >= settings.feed_topical_similarity
    return [h.marked(n) for h, n in zip(hits, near.tolist(), strict=True)]


def content_hits(index: LoadedIndex, profile: Sequence[Mapping[str, Any]], settings: Settings,
                 interests: Sequence[Interest] | None = None, *, named: bool = True) -> list[Hit]:
    """Hits for the user's ``profile`` rows (paper_id, kind: star or read, optional title; newest first),
    the profile's own papers left out: each interest's best (its share of FEED_SIZE, at least
    MIN_INTEREST_DEPTH, by each view), scored by their best interest, with a true reason (module
    docstring). ``interests``: ``profile_interests`` of the same arguments, when the caller has them.
    ``named`` False: every hit's reason names its interest (MATCHES_INTEREST); the caller names the
    resembled papers of the hits it keeps with ``name_papers`` (scores, interests and order are the same
    either way)."""
    similarity = similarity_for(index, settings)
    share = similarity.share
    if interests is None:
        interests = interests_of(profile, similarity, settings)
    if not interests:
        return []
    rows = {row["paper_id"]: row for row in profile}
    own = set(rows)
    weight_of = {pid: _weight(row) for pid, row in rows.items()}
    depths = [max(MIN_INTEREST_DEPTH, math.ceil(settings.feed_size * i.share)) + len(own) for i in interests]
    found: dict[str, None] = {}

    centroids = np.zeros((len(interests), similarity.dense_rows([]).shape[1]), dtype=np.float32)
    if share < 1.0:
        for g, interest in enumerate(interests):
            vectors = similarity.dense_rows(interest.members)
            centroid = (vectors * np.array([weight_of[p] for p in interest.members], dtype=np.float32)[:, None]).sum(0)
            centroids[g] = centroid / (np.linalg.norm(centroid) or 1.0)
        searchable = [g for g in range(len(interests)) if centroids[g].any()]
        if searchable:
            results = index.search(centroids[searchable], max(depths[g] for g in searchable))
            for g, row in zip(searchable, results, strict=True):
                found.update((pid, None) for pid, _ in row[: depths[g]] if pid not in own)
    lexical_columns = None
    if share > 0.0:
        # The dense view's finds are passed on: each needs its lexical score for the fusion below.
        lexical_columns = index.lexical.group_scores([i.members for i in interests], weight_of,
                                                     expansion=settings.feed_content_expansion,
                                                     neighbours=settings.feed_lexical_neighbours, also=found)
        paper_ids = index.lexical.paper_ids
        for g in range(len(interests)):
            found.update(dict.fromkeys([paper_ids[r] for r in top_positive(lexical_columns[:, g], depths[g]).tolist()]))
    hit_ids = list(found)
    if not hit_ids:
        return []

    hit_dense = similarity.dense_rows(hit_ids) if share < 1.0 else None
    dense = hit_dense @ centroids.T if hit_dense is not None else np.zeros((len(hit_ids), len(interests)))
    lexical = np.zeros((len(hit_ids), len(interests)), dtype=np.float32)
    if lexical_columns is not None:
        at = rows_of(index.lexical.positions, hit_ids)
        known = at != MISSING
        lexical[known] = lexical_columns[at[known]]
    per_interest = share * lexical + (1.0 - share) * np.maximum(dense, 0.0)
    best = np.argmax(per_interest, axis=1)
    scores = per_interest[np.arange(len(hit_ids)), best]

    refs = [InterestRef(g, i.share) for g, i in enumerate(interests)]
    interest_reasons = [_interest_reason(i, len(interests)) for i in interests]
    hits = [Hit(pid, score, interest_reasons[g], refs[g], topical=True)
            for pid, score, g in zip(hit_ids, scores.tolist(), best.tolist(), strict=True)]
    if not named:
        return hits
    resembled = _resembled(similarity, profile, hit_ids, settings, hit_dense)
    return [h if r is None else replace(h, reason=r) for h, r in zip(hits, resembled, strict=True)]


def name_papers(index: LoadedIndex, profile: Sequence[Mapping[str, Any]], settings: Settings,
                ranked: Sequence[Candidate], rows: PaperRows | None = None) -> list[Candidate]:
    """``ranked`` with each interest reason (MATCHES_INTEREST: the content retriever's, on every hit of
    ``content_hits(..., named=False)``) replaced by the profile paper its candidate resembles, where
    one is at FEED_REASON_SIMILARITY or above: the reasons ``content_hits`` names, computed for these
    candidates alone. Other candidates are returned as they are; nothing is changed in place. ``rows``:
    ``profile_rows`` of the same arguments, when known."""
    pending = [c for c in ranked if any(r.kind == ReasonKind.MATCHES_INTEREST for r in c.reasons)]
    if not pending or not profile:
        return list(ranked)
    resembled = _resembled(similarity_for(index, settings), profile, [c.paper_id for c in pending], settings,
                           rows=rows)
    named = {c.paper_id: r for c, r in zip(pending, resembled, strict=True) if r is not None}
    return [c if c.paper_id not in named else
            replace(c, reasons=[named[c.paper_id] if r.kind == ReasonKind.MATCHES_INTEREST else r for r in c.reasons])
            for c in ranked]


def _resembled(similarity: Similarity, profile: Sequence[Mapping[str, Any]], paper_ids: Sequence[str],
               settings: Settings, dense: np.ndarray | None = None, *, rows: PaperRows | None = None
               ) -> list[Reason | None]:
    """Per paper of ``paper_ids``: the reason naming the ``profile`` paper it is most similar to (ties:
    the newest), or None when even that one is below FEED_REASON_SIMILARITY. ``dense``: the papers'
    ``similarity.dense_rows``, when already known; ``rows``: ``similarity.rows`` of the profile's ids."""
    profile_ids = [row["paper_id"] for row in profile]
    by_id = {row["paper_id"]: row for row in profile}
    closeness = similarity.between(paper_ids, rows if rows is not None else profile_ids, dense)
    anchors = closeness.argmax(axis=1)
    named = closeness[np.arange(len(paper_ids)), anchors] >= settings.feed_reason_similarity
    reasons = {a: _paper_reason(by_id[profile_ids[a]]) for a in set(anchors[named].tolist())}
    return [reasons[a] if is_named else None for a, is_named in zip(anchors.tolist(), named.tolist(), strict=True)]


def _weight(row: Mapping[str, Any]) -> float:
    return STAR_WEIGHT if row["kind"] == "star" else 1.0


def _paper_reason(row: Mapping[str, Any]) -> Reason:
    starred = row["kind"] == "star"
    title = row.get("title") or row["paper_id"]
    return Reason(ReasonKind.SIMILAR_TO_STARRED if starred else ReasonKind.SIMILAR_TO_READ,
                  f"similar to “{title}”, which you {'starred' if starred else 'read'}", row["paper_id"])


def _interest_reason(interest: Interest, count: int) -> Reason:
    papers = f"{len(interest.members)} paper{'s' if len(interest.members) > 1 else ''} you starred or read"
    which = f"your interest in {interest.label}" if interest.label else \
        ("your interests" if count == 1 else "one of your interests")
    return Reason(ReasonKind.MATCHES_INTEREST, f"for {which} ({papers})")


def _label(titles: Sequence[str]) -> str:
    """Up to LABEL_WORDS words found in most of the interest's titles (in at least two when it has
    several), most shared first; a one-paper interest is labelled by its title, one whose titles share no word by its first paper; "" when
    there are no titles."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    titles = [t for t in titles if t]
    if len(titles) == 1:
        return f"“{titles[0]}”"
    counts = Counter(w for t in titles for w in {w.lower() for w in _WORD.findall(t)} - ENGLISH_STOP_WORDS)
    order: dict[str, int] = {}
    for word in (w.lower() for t in titles for w in _WORD.findall(t)):
        order.setdefault(word, len(order))
    shared = sorted((w for w, n in counts.items() if n >= 2), key=lambda w: (-counts[w], order[w]))
    if not shared and titles:
        # No word in common (robotics papers titled "HumanScale", "ENPIRE", ...): a reader still
        # recognises the interest by one of its papers, where "one of your interests" says nothing.
        return f"papers like “{titles[0]}”"
    return ", ".join(shared[:LABEL_WORDS])
