"""Offline ranking metrics under the "corrected" protocol (see ../shared/data/BASELINES.md).

- A user's training papers are removed from their ranking before it is cut at M (they can neither count
  as hits nor take a slot).
- recall@M = test papers in the top M / number of the user's test papers.
- NDCG@M uses binary relevance: DCG = sum over hits at rank r (1-based) of 1 / log2(r + 1), divided by
  the ideal DCG of min(M, number of test papers) hits at the top.
- Every metric is averaged over the users with at least one test paper; such a user without a ranking
  scores 0 (a model that cannot answer for someone is not excused).

Pure functions, no I/O: used by ``bench/quality.py`` and unit-tested on hand-computed cases.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np

DEFAULT_CUTOFFS = (20, 50, 100, 200, 300)


def without_train(ranked: Iterable[str], train: Collection[str]) -> list[str]:
    """The ranking with the user's training papers (and repeats) removed, order kept."""
    seen: set[str] = set(train)
    out = []
    for item in ranked:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def recall_at(ranked: Sequence[str], relevant: Collection[str], m: int) -> float:
    """Share of ``relevant`` found in the first ``m`` of ``ranked`` (0 when nothing is relevant)."""
    if not relevant:
        return 0.0
    relevant = set(relevant)
    return sum(1 for item in ranked[:m] if item in relevant) / len(relevant)


def ndcg_at(ranked: Sequence[str], relevant: Collection[str], m: int) -> float:
    """Binary-relevance NDCG of the first ``m`` of ``ranked`` (0 when nothing is relevant)."""
    if not relevant:
        return 0.0
    relevant = set(relevant)
    dcg = sum(1.0 / np.log2(rank + 2) for rank, item in enumerate(ranked[:m]) if item in relevant)
    ideal = sum(1.0 / np.log2(rank + 2) for rank in range(min(m, len(relevant))))
    return float(dcg / ideal)


def evaluate(rankings: Mapping[str, Sequence[str]], test: Mapping[str, Collection[str]],
             train: Mapping[str, Collection[str]], *, cutoffs: Sequence[int] = DEFAULT_CUTOFFS,
             ndcg_cutoff: int = 20) -> dict[str, float]:
    """Average recall@M for each M in ``cutoffs`` and NDCG@``ndcg_cutoff`` over the users of ``test``
    with at least one test paper. ``rankings`` may include training papers: they are removed first."""
    users = [u for u, items in test.items() if items]
    if not users:
        return {**{f"recall@{m}": 0.0 for m in cutoffs}, f"ndcg@{ndcg_cutoff}": 0.0, "users": 0}
    sums = dict.fromkeys(cutoffs, 0.0)
    ndcg = 0.0
    for user in users:
        ranked = without_train(rankings.get(user, ()), train.get(user, ()))
        relevant = set(test[user])
        for m in cutoffs:
            sums[m] += recall_at(ranked, relevant, m)
        ndcg += ndcg_at(ranked, relevant, ndcg_cutoff)
    n = len(users)
    return {**{f"recall@{m}": sums[m] / n for m in cutoffs}, f"ndcg@{ndcg_cutoff}": ndcg / n, "users": n}


def top_by_score(scores: np.ndarray, ids: Sequence[str], k: int, *, exclude: Iterable[int] = ()) -> list[str]:
    """The ``k`` ids of highest score, best first (equal scores in position order), ``exclude`` positions left out."""
    scores = np.array(scores, dtype=np.float64)
    excluded = list(exclude)
    if excluded:
        scores[excluded] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.lexsort((top, -scores[top]))]
    return [ids[i] for i in top]
