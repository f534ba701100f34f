"""The content retriever: papers like the ones the user starred and read, from the live index.

Two views of "like", fused per candidate (``FEED_CONTENT_LEXICAL`` is the lexical share):

- dense: the user's interest centroids (``ranking.interest_centroids`` over the index's vectors) searched
  in FAISS; a candidate's dense score is its best cosine to a centroid, floored at 0;
- lexical: the exact TF-IDF score of ``lexical.LexicalModel`` (sum over the profile papers of the
  cosine to each, ``FEED_CONTENT_SHARPEN`` as exponent), divided by the best candidate's, so in [0, 1].

Candidates are the union of both retrievers' FEED_SIZE (+ profile) best; each one is then scored by both
views exactly (the dense cosine from the stored vectors, the lexical score from the full score vector),
so a paper found by one view is not penalised for having been missed by the other's shortlist. An index
published without lexical rows (or FEED_CONTENT_LEXICAL 0) gives the dense score alone; 1, the lexical.

No I/O: the feed, the alert-free offline evaluation (bench/quality.py) and the index holdout call it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from services.config import Settings
from services.recommender import ranking
from services.recommender.hits import Hit, Reason, ReasonKind
from services.recommender.index import LoadedIndex
from services.recommender.lexical import ProfileSimilarities, top_positive

# In a centroid, and in the lexical sum, a star counts this many times as much as a read.
STAR_WEIGHT = 2.0


def fuse(lexical: np.ndarray, dense: np.ndarray, lexical_share: float) -> np.ndarray:
    """``lexical_share * lexical / max(lexical) + (1 - lexical_share) * max(dense, 0)``, elementwise over
    the candidates (a lexical list of zeros contributes nothing)."""
    top = float(lexical.max()) if lexical.size else 0.0
    lexical_part = lexical / top if top > 0 else np.zeros_like(lexical)
    return lexical_share * lexical_part + (1.0 - lexical_share) * np.maximum(dense, 0.0)


def content_hits(index: LoadedIndex, profile: Sequence[Mapping[str, Any]], settings: Settings) -> list[Hit]:
    """Up to 2 × (FEED_SIZE + profile size) hits for the user's ``profile`` rows (paper_id, kind: star or
    read, optional title), the profile's own papers left out; each reason names the profile paper the hit
    is closest to."""
    kinds = {row["paper_id"]: row["kind"] for row in profile}
    titles = {row["paper_id"]: row.get("title") or row["paper_id"] for row in profile}
    profile_ids = list(kinds)
    weight_of = {pid: STAR_WEIGHT if kind == "star" else 1.0 for pid, kind in kinds.items()}
    share = settings.feed_content_lexical if index.lexical is not None else 0.0
    depth = settings.feed_size + len(profile_ids)
    member_ids, matrix = index.vectors_of(profile_ids)
    own = set(profile_ids)

    centroids = np.zeros((0, index.vectors.shape[1] if index.vectors.ndim == 2 else 0), dtype=np.float32)
    found: dict[str, None] = {}
    if member_ids and share < 1.0:
        weights = np.array([weight_of[pid] for pid in member_ids], dtype=np.float32)
        centroids, _ = ranking.interest_centroids(matrix, weights, settings.feed_interest_clusters)
        for row in index.search(centroids, depth):
            found.update((pid, None) for pid, _ in row if pid not in own)
    lexical_scores = None
    lexical_known: list[str] = []
    lexical_sims = None
    if share > 0.0:
        lexical_scores, lexical_known, lexical_sims = index.lexical.score(
            profile_ids, [weight_of[pid] for pid in profile_ids], sharpen=settings.feed_content_sharpen,
            expansion=settings.feed_content_expansion)
        if lexical_known:
            found.update((index.lexical.paper_ids[i], None) for i in top_positive(lexical_scores, depth))
    if not found:
        return []

    hit_ids, hit_matrix = index.vectors_of(list(found))
    if share > 0.0:  # lexical hits the dense index lacks (never indexed) have no dense score: keep them
        hit_ids = hit_ids + [pid for pid in found if pid not in index.positions]
    dense = (hit_matrix @ centroids.T).max(axis=1) if len(centroids) and len(hit_matrix) else \
        np.zeros(len(hit_matrix), dtype=np.float32)
    dense = np.concatenate([dense, np.zeros(len(hit_ids) - len(dense), dtype=np.float32)])
    if lexical_scores is not None and lexical_known:
        rows = [index.lexical.positions.get(pid) for pid in hit_ids]
        lexical = np.array([lexical_scores[r] if r is not None else 0.0 for r in rows], dtype=np.float32)
    else:
        lexical = np.zeros(len(hit_ids), dtype=np.float32)
    scores = fuse(lexical, dense, share)
    anchors = _anchors(hit_ids, hit_matrix, index, member_ids, matrix, lexical_known, lexical_sims)
    out = []
    for pid, score, anchor_id in zip(hit_ids, scores, anchors, strict=True):
        starred = kinds[anchor_id] == "star"
        reason = Reason(ReasonKind.SIMILAR_TO_STARRED if starred else ReasonKind.SIMILAR_TO_READ,
                        f"similar to “{titles[anchor_id]}”, which you {'starred' if starred else 'read'}",
                        anchor_id)
        out.append(Hit(pid, float(score), reason))
    return out


def _anchors(hit_ids: list[str], hit_matrix: np.ndarray, index: LoadedIndex, member_ids: list[str],
             matrix: np.ndarray, lexical_known: list[str], lexical_sims: ProfileSimilarities | None
             ) -> list[str]:
    """For each hit, the profile paper it is most similar to: by dense cosine when the hit (its vector is
    row i of ``hit_matrix`` for the first len(hit_matrix) hits) and the profile have vectors, else by
    TF-IDF cosine."""
    dense = [member_ids[int(b)] for b in np.argmax(hit_matrix @ matrix.T, axis=1)] \
        if member_ids and len(hit_matrix) else []
    out = []
    for i, pid in enumerate(hit_ids):
        anchor = dense[i] if i < len(dense) else None
        if anchor is None and lexical_known and lexical_sims is not None and pid in index.lexical.positions:
            anchor = lexical_known[int(np.argmax(lexical_sims[index.lexical.positions[pid]]))]
        out.append(anchor if anchor is not None else (member_ids or lexical_known)[0])
    return out
