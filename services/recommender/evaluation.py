"""Offline ranking metrics under the "corrected" protocol (see ../shared/data/BASELINES.md).

- A user's training papers are removed from their ranking before it is cut at M (they can neither count
  as hits nor take a slot).
- recall@M = test papers in the top M / number of the user's test papers.
- NDCG@M uses binary relevance: DCG = sum over hits at rank r (1-based) of 1 / log2(r + 1), divided by
  the ideal DCG of min(M, number of test papers) hits at the top.
- Every metric is averaged over the users with at least one test paper; such a user without a ranking
  scores 0 (a model that cannot answer for someone is not excused).

Pure functions, no I/O: used by ``bench/quality.py`` and unit-tested on hand-computed cases.
``index_holdout`` is the offline measure the worker records with every index it publishes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from services.config import Settings
from services.recommender import cf
from services.recommender.cf import Interactions
from services.recommender.content import content_hits
from services.recommender.index import LoadedIndex

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


# --- Per-user values, per-interest metrics, paired comparisons, tuning/reporting halves (issue 13) ---

# Users whose id hashes to this half are for tuning (validations); the others for reported tables.
TUNING_HALF = "tune"
REPORTING_HALF = "report"
BOOTSTRAP_SAMPLES = 2000


def user_half(user_id: str) -> str:
    """``TUNING_HALF`` or ``REPORTING_HALF``, from a stable hash of the id (same answer in every run and
    split), so a user whose train papers are tuned on is never a user whose test papers are reported."""
    digest = hashlib.sha256(str(user_id).encode()).digest()
    return TUNING_HALF if digest[0] % 2 == 0 else REPORTING_HALF


def user_scores(rankings: Mapping[str, Sequence[str]], test: Mapping[str, Collection[str]],
                train: Mapping[str, Collection[str]], users: Sequence[str], *,
                cutoffs: Sequence[int] = DEFAULT_CUTOFFS, ndcg_cutoff: int = 20) -> dict[str, np.ndarray]:
    """Each metric of ``evaluate`` for each of ``users`` (in that order), so two systems can be compared
    user by user; the mean of each array is ``evaluate``'s number over the same users."""
    out = {f"recall@{m}": np.zeros(len(users)) for m in cutoffs}
    out[f"ndcg@{ndcg_cutoff}"] = np.zeros(len(users))
    for i, user in enumerate(users):
        ranked = without_train(rankings.get(user, ()), train.get(user, ()))
        relevant = set(test.get(user, ()))
        for m in cutoffs:
            out[f"recall@{m}"][i] = recall_at(ranked, relevant, m)
        out[f"ndcg@{ndcg_cutoff}"][i] = ndcg_at(ranked, relevant, ndcg_cutoff)
    return out


def min_interest_recall(ranked: Sequence[str], relevant_by_interest: Mapping[str, Collection[str]], m: int) -> float:
    """The smallest of the interests' recalls@``m`` (each interest's test papers counted on their own):
    a reader with two interests scores well only if both are found. Interests without a test paper are
    ignored; 0 when none has one. ``ranked`` must already be without the user's train papers."""
    recalls = [recall_at(ranked, papers, m) for papers in relevant_by_interest.values() if papers]
    return min(recalls) if recalls else 0.0


def interests_shown(ranked: Sequence[str], interest_of: Mapping[str, str], k: int = 10, at_least: int = 1) -> int:
    """How many interests own at least ``at_least`` of the first ``k`` of ``ranked`` (``interest_of``: the
    interest each shown paper serves; papers it lacks serve none)."""
    counts: dict[str, int] = {}
    for paper in ranked[:k]:
        interest = interest_of.get(paper)
        if interest is not None:
            counts[interest] = counts.get(interest, 0) + 1
    return sum(1 for n in counts.values() if n >= at_least)


def paired_bootstrap(a: Sequence[float], b: Sequence[float], *, samples: int = BOOTSTRAP_SAMPLES,
                     level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """(mean(a - b), low, high): the ``level`` percentile interval of the mean per-user difference,
    resampling users with replacement (both systems keep each drawn user: the comparison is paired).
    An interval that excludes 0 is a difference beyond noise."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diff.size == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = np.concatenate([diff[rng.integers(0, diff.size, size=(min(200, samples - start), diff.size))].mean(axis=1)
                            for start in range(0, samples, 200)])  # in chunks: bounded memory for many users
    tail = (1.0 - level) / 2.0
    return float(diff.mean()), float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))


def index_holdout(interactions: Interactions, index: LoadedIndex, settings: Settings) -> dict[str, Any]:
    """Offline metrics of a new index, recorded with it:

    - ``recall@20``: the feed's content retriever on a holdout drawn exactly as CF's (``cf.split_holdout``,
      same seed, over the same interactions), so it reads side by side with the CF model's ``recall@20``;
    - ``ann_recall@10`` (HNSW only): share of the exact 10 nearest neighbours the index returns, on up to
      200 papers' own vectors.

    The caller reads ``interactions`` (``cf.load_interactions``) and times the whole as ``eval_seconds``.
    """
    metrics: dict[str, Any] = {}
    train, hidden = cf.split_holdout(interactions.matrix)
    if hidden:
        star = float(settings.event_weights.get("star", 1.0))
        probe = settings.replace(feed_size=cf.EVAL_K)
        found = 0
        for user, item in hidden.items():
            row = slice(train.indptr[user], train.indptr[user + 1])
            profile = [{"paper_id": interactions.items[c], "kind": "star" if w >= star else "read"}
                       for c, w in zip(train.indices[row], train.data[row], strict=True)]
            seen = {p["paper_id"] for p in profile}
            hits = sorted(((h.score, h.paper_id) for h in content_hits(index, profile, probe, named=False)
                           if h.paper_id not in seen), reverse=True)[: cf.EVAL_K]
            found += interactions.items[item] in {pid for _, pid in hits}
        metrics.update({"recall@20": round(found / len(hidden), 4), "holdout_users": len(hidden)})
    if hasattr(index.index, "hnsw"):
        sample = np.random.default_rng(0).choice(len(index.paper_ids), min(200, len(index.paper_ids)), replace=False)
        queries = np.asarray(index.vectors[sample])
        k = min(10, len(index.paper_ids))
        agree = 0
        for query, hits in zip(queries, index.search(queries, k), strict=True):
            exact = np.argpartition(-(index.vectors @ query), k - 1)[:k]  # one row at a time: bounded memory
            agree += len({index.paper_ids[i] for i in exact} & {pid for pid, _ in hits})
        metrics["ann_recall@10"] = round(agree / (k * len(queries)), 4)
    return metrics
