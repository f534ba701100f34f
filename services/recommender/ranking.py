"""Pure ranking steps of the feed (no I/O): interest clusters, blending, filtering, MMR diversity.

Kept free of database and model objects so they can be unit-tested and driven by an offline
evaluation directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from services.recommender.hits import Hit, InterestRef, Reason


@dataclass
class Candidate:
    paper_id: str
    # retriever → its normalised score in [0, 1] (see ``blend``)
    scores: dict[str, float] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)
    score: float = 0.0
    # The reader's interest it serves (``blend``): the content retriever's, or the interest of the profile
    # paper an item-item or citation hit names. None: no retriever tied it to one (CF, trending, fresh).
    interest: InterestRef | None = None
    # Resembles the reader's papers (one of its hits is ``Hit.topical``), not only saved or cited with them.
    topical: bool = False


def interest_clusters(vectors: np.ndarray, k: int, *, iterations: int = 8, seed: int = 0) -> np.ndarray:
    """Assign each of the user's paper vectors to one of at most ``k`` interests (spherical k-means).

    A user who stars video papers and robotics papers gets two centroids, not one blurred average, so
    both interests retrieve their own neighbours. Returns the label of each row.
    """
    n = len(vectors)
    k = max(1, min(k, n))
    if k == 1:
        return np.zeros(n, dtype=int)
    rng = np.random.default_rng(seed)
    # k-means++-style seeding: start from the newest vector, then the farthest ones.
    centroids = [vectors[0]]
    for _ in range(1, k):
        sims = np.max(np.stack([vectors @ c for c in centroids]), axis=0)
        centroids.append(vectors[int(np.argmin(sims + rng.random(n) * 1e-6))])
    centroids = np.stack(centroids)
    labels = np.zeros(n, dtype=int)
    for _ in range(iterations):
        labels = np.argmax(vectors @ centroids.T, axis=1)
        for j in range(k):
            members = vectors[labels == j]
            if len(members):
                centroid = members.sum(axis=0)
                centroids[j] = centroid / (np.linalg.norm(centroid) or 1.0)
    return labels


def interest_centroids(vectors: np.ndarray, weights: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The user's interests as unit vectors: weighted centroids of ``interest_clusters``.

    Returns (centroids, labels): one row per interest, and each input row's interest. The feed searches
    the index with these; the alert matcher stores them as the user's profile.
    """
    labels = interest_clusters(vectors, k)
    centroids = []
    for label in sorted(set(labels.tolist())):
        mask = labels == label
        centroid = (vectors[mask] * weights[mask, None]).sum(axis=0)
        centroids.append(centroid / (np.linalg.norm(centroid) or 1.0))
    return np.stack(centroids).astype(np.float32), labels


def normalise_scores(hits: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Min-max to [0, 1] within one retriever's list, so retrievers on different scales can be blended.
    A single hit (or all equal) scores 1."""
    if not hits:
        return []
    values = np.array([s for _, s in hits], dtype=np.float64)
    low, high = values.min(), values.max()
    if high - low < 1e-12:
        return [(pid, 1.0) for pid, _ in hits]
    return [(pid, float((s - low) / (high - low))) for pid, s in hits]


def rank_scores(hits: Sequence[tuple[str, float]], k: float) -> list[tuple[str, float]]:
    """Reciprocal-rank scores: the r-th best hit (1-based, ties by list order) scores (k + 1) / (k + r),
    so the best scores 1 and the scale never depends on the retriever's raw scores."""
    order = sorted(range(len(hits)), key=lambda i: -hits[i][1])
    out: list[tuple[str, float]] = [("", 0.0)] * len(hits)
    for rank, i in enumerate(order, start=1):
        out[i] = (hits[i][0], (k + 1.0) / (k + rank))
    return out


@dataclass(frozen=True)
class Pool:
    """Every retriever's hits merged, as arrays: row i is one paper (``ids[i]``), first seen in table order.

    The columnar form of ``blend``'s candidates, so that fusion, dropping, shortlisting, visibility and
    MMR run as numpy over a few hundred rows instead of a Python object per candidate; ``candidates``
    turns the few rows that make the feed into ``Candidate`` values (with their reasons) at the end.
    """

    ids: list[str]
    # rows → their weighted, summed score (``blend``'s ``Candidate.score``)
    score: np.ndarray
    # source names, in table order, and per source: each row's scaled score (NaN: not found by it) and
    # the position of its hit in that source's list (-1: none)
    sources: tuple[str, ...]
    scaled: np.ndarray
    hit_at: np.ndarray
    hits: tuple[Sequence[Hit], ...]
    # paper id → row
    rows: dict[str, int]
    # each source's weight in ``score`` (what decides which hit's interest a candidate takes)
    weights: tuple[float, ...] = ()

    def __len__(self) -> int:
        return len(self.ids)

    def positions_of(self, paper_ids: Iterable[str]) -> np.ndarray:
        """The rows of those of ``paper_ids`` in the pool (a loop over ``paper_ids``, not the pool)."""
        rows = self.rows
        return np.fromiter((rows[p] for p in paper_ids if p in rows), dtype=np.int64)

    def best(self, keep: np.ndarray, k: int) -> np.ndarray:
        """Up to ``k`` rows among ``keep`` (a boolean mask), by score, ties by paper id."""
        candidates = np.flatnonzero(keep)
        if len(candidates) == 0:
            return candidates
        score = self.score[candidates]
        if len(candidates) > k:  # a cheap cut first; the exact tie order is settled below
            cut = np.partition(-score, k - 1)[k - 1]
            inside = -score <= cut
            candidates, score = candidates[inside], score[inside]
        ids = np.array([self.ids[i] for i in candidates.tolist()])
        return candidates[np.lexsort((ids, -score))][:k]

    def candidates(self, rows: Sequence[int] | np.ndarray) -> list[Candidate]:
        """``Candidate`` values of ``rows`` (in that order), exactly as ``blend`` makes them."""
        out = []
        hit_at = self.hit_at
        for row in np.asarray(rows, dtype=np.int64).tolist():
            scores: dict[str, float] = {}
            reasons: list[Reason] = []
            interest = None
            strongest = -np.inf
            topical = False
            for s, source in enumerate(self.sources):
                at = int(hit_at[row, s])
                if at < 0:
                    continue
                hit = self.hits[s][at]
                scores[source] = float(self.scaled[row, s])
                if hit.reason is not None:
                    reasons.append(hit.reason)
                contribution = scores[source] * (self.weights[s] if self.weights else 1.0)
                if hit.interest is not None and contribution > strongest:
                    interest, strongest = hit.interest, contribution
                topical = topical or hit.topical
            out.append(Candidate(self.ids[row], scores, reasons, float(self.score[row]), interest, topical))
        return out


def _scaled(scores: np.ndarray, fusion: str, rank_k: float) -> np.ndarray:
    """One retriever's scores on the blend's scale (``normalise_scores`` / ``rank_scores``), vectorised."""
    if len(scores) == 0:
        return scores
    if fusion == "minmax":
        low, high = scores.min(), scores.max()
        if high - low < 1e-12:
            return np.ones(len(scores))
        return (scores - low) / (high - low)
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1, dtype=np.float64)
    return (rank_k + 1.0) / (rank_k + ranks)


def pool(retrieved: Mapping[str, Iterable[Hit]], weights: Mapping[str, float], *,
         fusion: str = "minmax", rank_k: float = 60.0) -> Pool:
    """Merge every retriever's hits into one ``Pool`` with a weighted score per paper (``blend``'s rules:
    each retriever's scores scaled on their own, a paper's first hit in a list counts, scores summed in
    table order)."""
    if fusion not in ("minmax", "rank"):
        raise ValueError(f"unknown fusion {fusion!r}")
    rows: dict[str, int] = {}
    sources, lists, codes, scaled_lists = [], [], [], []
    for source, hits in retrieved.items():
        hits = hits if isinstance(hits, Sequence) else list(hits)
        sources.append(source)
        lists.append(hits)
        codes.append(np.fromiter((rows.setdefault(h.paper_id, len(rows)) for h in hits), dtype=np.int64,
                                 count=len(hits)))
        scaled_lists.append(_scaled(np.fromiter((h.score for h in hits), dtype=np.float64, count=len(hits)),
                                    fusion, rank_k))
    n = len(rows)
    scaled = np.full((n, len(sources)), np.nan)
    hit_at = np.full((n, len(sources)), -1, dtype=np.int64)
    score = np.zeros(n)
    for s, source in enumerate(sources):
        found, first = np.unique(codes[s], return_index=True)  # listed twice by one retriever: the first counts
        hit_at[found, s] = first
        present = hit_at[:, s] >= 0
        scaled[present, s] = scaled_lists[s][hit_at[present, s]]
        score[present] += weights.get(source, 0.0) * scaled[present, s]
    return Pool(list(rows), score, tuple(sources), scaled, hit_at, tuple(lists), rows,
                tuple(weights.get(source, 0.0) for source in sources))


def blend(retrieved: Mapping[str, Iterable[Hit]], weights: Mapping[str, float], *,
          fusion: str = "minmax", rank_k: float = 60.0) -> dict[str, Candidate]:
    """Merge every retriever's hits into candidates with a weighted score.

    Each retriever's scores are first put on one scale: ``fusion="minmax"`` (``normalise_scores``) or
    ``"rank"`` (``rank_scores`` with ``rank_k``). A paper found by several retrievers adds their weighted
    scores and keeps every reason (a None reason — a retriever's score for a paper it merely re-scored —
    is not kept). A candidate's ``interest`` is that of the hit carrying one that adds most to its score
    (the evidence that put it on the page: a paper the content retriever barely found for one interest
    but the item-item retriever ranks first for another counts in the other). (``pool`` is the same merge
    as arrays; the feed ranks through it.)
    """
    merged = pool(retrieved, weights, fusion=fusion, rank_k=rank_k)
    return dict(zip(merged.ids, merged.candidates(range(len(merged))), strict=True))


def drop(candidates: dict[str, Candidate], unwanted: Iterable[str]) -> dict[str, Candidate]:
    unwanted = set(unwanted)
    return {pid: c for pid, c in candidates.items() if pid not in unwanted}


def mmr(candidates: Sequence[Candidate], vectors: Mapping[str, np.ndarray], *, lam: float, size: int
        ) -> list[Candidate]:
    """Maximal marginal relevance: pick, one by one, the candidate maximising
    ``lam * relevance - (1 - lam) * max similarity to those already picked``.

    Relevance is the blended score scaled to [0, 1]; candidates without a vector have no similarity to
    anything (they are never penalised). O(size × len(candidates)).
    """
    pool = sorted(candidates, key=lambda c: (-c.score, c.paper_id))
    if not pool:
        return []
    if lam >= 1.0 or not vectors:  # no diversity term: the loop below would pick in this very order
        return pool[:size]
    dim = next((len(v) for v in vectors.values()), 0)
    matrix = np.zeros((len(pool), max(dim, 1)), dtype=np.float32)
    for i, c in enumerate(pool):
        if c.paper_id in vectors:
            matrix[i] = vectors[c.paper_id]
    picked = mmr_order(np.array([c.score for c in pool]), matrix, lam=lam, size=size)
    return [pool[i] for i in picked.tolist()]


def mmr_order(score: np.ndarray, matrix: np.ndarray, *, lam: float, size: int) -> np.ndarray:
    """``mmr`` over arrays: ``score`` of candidates already in (score desc, id) order, their unit vectors
    (zero rows: no vector); returns the picked positions, in pick order."""
    n = len(score)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if lam >= 1.0:
        return np.arange(min(size, n))
    top = score[0] or 1.0
    base = lam * (score / top)
    similarity = (1 - lam) * (matrix @ matrix.T).astype(np.float64)  # once: the loop then only reads rows
    gain = base.copy()
    penalty = np.zeros(n)
    picked = np.empty(min(size, n), dtype=np.int64)
    for step in range(len(picked)):
        best = int(np.argmax(gain))
        picked[step] = best
        base[best] = -np.inf  # picked: its gain stays -inf from now on
        np.maximum(penalty, similarity[best], out=penalty)
        np.subtract(base, penalty, out=gain)
    return picked


def allot_interests(ranked: Sequence[Candidate], *, page: int, min_one_upto: int, per_other: int = 0
                    ) -> list[Candidate]:
    """Give each of the reader's interests its share of every ``page`` (its ``InterestRef.share``): the
    candidates without an interest (CF, trending, fresh alone) keep their places on each page; the other
    places — as many as ``ranked`` had candidates with an interest there — go to the interests in
    proportion to their shares (largest remainder), at least one each while there are at most
    ``min_one_upto`` interests with candidates left, each interest's best first (``topical_first`` with
    ``per_other``), interleaved (stride order). An interest short of candidates leaves its places to the
    others. A reader with one interest keeps ``ranked``'s order but for ``topical_first``."""
    shares = {c.interest.index: c.interest.share for c in ranked if c.interest is not None}
    if not shares:
        return list(ranked)
    queues: dict[int, list[Candidate]] = {g: [] for g in shares}
    for c in ranked:
        if c.interest is not None:
            queues[c.interest.index].append(c)
    queues = {g: topical_first(queue, per_other=per_other) for g, queue in queues.items()}
    others = [c for c in ranked if c.interest is None]
    heads = dict.fromkeys(queues, 0)
    other_head = 0
    remaining = list(ranked)
    out: list[Candidate] = []
    while len(out) < len(ranked):
        window = remaining[:page]
        slots = [c.interest is not None for c in window]
        live = {g: shares[g] for g in queues if heads[g] < len(queues[g])}
        quota = _quotas(live, sum(slots), min_one=len(live) <= min_one_upto,
                        available={g: len(queues[g]) - heads[g] for g in live})
        picks = _stride({g: queues[g][heads[g]: heads[g] + q] for g, q in quota.items()}, quota)
        for g in quota:
            heads[g] += sum(1 for c in picks if c.interest is not None and c.interest.index == g)
        placed: list[Candidate] = []
        for is_content in slots:
            if is_content and picks:
                placed.append(picks.pop(0))
            elif not is_content:
                placed.append(others[other_head])
                other_head += 1
        placed += picks  # none in practice: quotas sum to the content places
        if not placed:  # cannot happen (every content candidate is in a queue); never loop forever
            placed = remaining[:page]
        out += placed
        taken = {id(c) for c in placed}
        remaining = [c for c in remaining if id(c) not in taken]
    return out


def topical_first(queue: Sequence[Candidate], *, per_other: int) -> list[Candidate]:
    """``queue`` (one interest's candidates, best first) reordered so that every prefix holding ``t``
    topical papers (``Candidate.topical``: like the reader's own) holds at most ``t // per_other`` others
    (saved or cited with the reader's papers, but unlike them), while topical ones remain: readers of one
    "bridge" paper (a medical paper read by world-model people, one reader's two unrelated interests) may
    add to an interest, not replace its topic. Otherwise the order is kept; ``per_other`` 0: ``queue`` as
    it is (FEED_TOPICAL_PER_OTHER)."""
    if per_other <= 0:
        return list(queue)
    topical = [c for c in queue if c.topical]
    others = [c for c in queue if not c.topical]
    place = {id(c): n for n, c in enumerate(queue)}
    out: list[Candidate] = []
    t = o = 0
    while t < len(topical) or o < len(others):
        other_may = o < len(others) and (t == len(topical) or o < t // per_other)
        if other_may and (t == len(topical) or place[id(others[o])] < place[id(topical[t])]):
            out.append(others[o])
            o += 1
        else:
            out.append(topical[t])
            t += 1
    return out


def _quotas(shares: Mapping[int, float], slots: int, *, min_one: bool, available: Mapping[int, int]
            ) -> dict[int, int]:
    """``slots`` places split by ``shares`` (largest remainder), at least one each when ``min_one`` and
    there are enough places; ties to the lower interest number. No interest gets more than it has
    ``available``: its surplus goes to the others, largest share first."""
    if not shares or slots <= 0:
        return {}
    total = sum(shares.values())
    exact = {g: slots * s / total for g, s in shares.items()}
    quota = {g: int(v) for g, v in exact.items()}
    if min_one and slots >= len(shares):
        quota = {g: max(1, q) for g, q in quota.items()}
    by_remainder = sorted(shares, key=lambda g: (-(exact[g] - int(exact[g])), g))
    while sum(quota.values()) < slots:
        for g in by_remainder:
            if sum(quota.values()) < slots:
                quota[g] += 1
    while sum(quota.values()) > slots:  # the minimum of one took places: the largest give them back
        g = max(quota, key=lambda g: (quota[g] - exact[g], quota[g], -g))
        quota[g] -= 1
    spare = sum(max(0, q - available[g]) for g, q in quota.items())
    quota = {g: min(q, available[g]) for g, q in quota.items()}
    for g in sorted(shares, key=lambda g: (-shares[g], g)):
        extra = min(spare, available[g] - quota[g])
        quota[g] += extra
        spare -= extra
    return quota


def _stride(picks: Mapping[int, list[Candidate]], quota: Mapping[int, int]) -> list[Candidate]:
    """Interleave each interest's picks so that every prefix holds them in proportion to ``quota``: the
    next place goes to the interest furthest below its share (ties: the better candidate)."""
    total = sum(len(p) for p in picks.values())
    taken = dict.fromkeys(picks, 0)
    places = max(1, sum(quota.values()))
    out: list[Candidate] = []
    for n in range(1, total + 1):
        ready = [g for g in picks if taken[g] < len(picks[g])]
        g = ready[0] if len(ready) == 1 else max(ready, key=lambda g: (n * quota[g] / places - taken[g],
                                                                       picks[g][taken[g]].score, -g))
        out.append(picks[g][taken[g]])
        taken[g] += 1
    return out
