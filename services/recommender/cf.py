"""Collaborative filtering with `implicit` (ALS by default, BPR as an option).

Training reads the user × paper interaction weights from PostgreSQL (per-type weights from settings;
current stars from the stars table so that unstar removes; dismissed pairs and deleted papers left
out), holds out one interaction for a sample of users, fits, measures recall@20 on the held-out ones,
and returns a model plus its metrics. ``publish_if_not_worse`` writes the factors and id maps as a
versioned artifact and makes it live only if it is not worse than the live model.

Artifacts are plain .npy files and JSON id lists; the API memory-maps the factor matrices.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import scipy.sparse as sp

from services.config import Settings
from services.db import Database
from services.recommender.artifacts import ArtifactKind, ArtifactStore
from services.recommender.itemknn import ItemKnn
from services.recommender.positions import MISSING, rows_of
from services.store import interactions as interactions_store
from services.store import models as models_store

HOLDOUT_USERS = 2000
EVAL_K = 20

def user_hash(user_id: str) -> str:
    """How a deleted user is recorded in cf_forgotten (the SQL of store.users computes the same)."""
    return hashlib.sha256(user_id.encode()).hexdigest()


def _kept_rows(users: Sequence[str], forgotten: Collection[str]) -> list[int]:
    """Rows of ``users`` not forgotten (hashing every id only when someone is: ~0.15 s per 100k users)."""
    if not forgotten:
        return list(range(len(users)))
    return [i for i, u in enumerate(users) if user_hash(u) not in forgotten]


@dataclass
class Interactions:
    users: list[str]
    items: list[str]
    matrix: sp.csr_matrix  # users × items, float32 weights

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)


def load_interactions(conn: psycopg.Connection, weights: dict[str, float]) -> Interactions:
    """The interaction weights (``services.store.interactions``), streamed into a CSR matrix."""
    user_index: dict[str, int] = {}
    item_index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for user_id, paper_id, weight in interactions_store.stream(conn, weights):
        rows.append(user_index.setdefault(user_id, len(user_index)))
        cols.append(item_index.setdefault(paper_id, len(item_index)))
        values.append(weight)
    matrix = sp.csr_matrix((np.asarray(values, dtype=np.float32), (rows, cols)),
                           shape=(len(user_index), len(item_index)), dtype=np.float32)
    return Interactions(list(user_index), list(item_index), matrix)


def split_holdout(matrix: sp.csr_matrix, *, n_users: int = HOLDOUT_USERS, seed: int = 0
                  ) -> tuple[sp.csr_matrix, dict[int, int]]:
    """Hide one interaction for up to ``n_users`` users with at least 3; returns (train, user → hidden item)."""
    rng = np.random.default_rng(seed)
    counts = np.diff(matrix.indptr)
    eligible = np.flatnonzero(counts >= 3)
    chosen = rng.choice(eligible, size=min(n_users, len(eligible)), replace=False) if len(eligible) else []
    train = matrix.tolil(copy=True)
    hidden: dict[int, int] = {}
    for user in chosen:
        items = matrix.indices[matrix.indptr[user]:matrix.indptr[user + 1]]
        item = int(rng.choice(items))
        hidden[int(user)] = item
        train[user, item] = 0
    train = train.tocsr()
    train.eliminate_zeros()
    return train, hidden


def recall_at_k(user_factors: np.ndarray, item_factors: np.ndarray, train: sp.csr_matrix,
                hidden: dict[int, int], k: int = EVAL_K) -> float | None:
    """Share of held-out items ranked in the user's top ``k`` (items already in train excluded)."""
    if not hidden:
        return None
    hits = 0
    for user, item in hidden.items():
        scores = item_factors @ user_factors[user]
        scores[train.indices[train.indptr[user]:train.indptr[user + 1]]] = -np.inf
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        hits += item in top
    return hits / len(hidden)


@dataclass
class TrainedModel:
    users: list[str]
    items: list[str]
    user_factors: np.ndarray
    item_factors: np.ndarray
    params: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    # The item-item neighbour model trained on the same interactions (None: CF_ITEMKNN_NEIGHBOURS 0).
    itemknn: ItemKnn | None = None

    def without_users(self, forgotten: Collection[str]) -> TrainedModel:
        """The model without the factors of ``forgotten`` users (``user_hash`` of each user deleted since
        their interactions were read)."""
        keep = _kept_rows(self.users, forgotten)
        if len(keep) == len(self.users):
            return self
        return replace(self, users=[self.users[i] for i in keep],
                       user_factors=np.ascontiguousarray(self.user_factors[keep]),
                       metrics={**self.metrics, "forgotten_users": len(self.users) - len(keep)})

    def write(self, folder: Path) -> dict[str, Any]:
        np.save(folder / "user_factors.npy", self.user_factors)
        np.save(folder / "item_factors.npy", self.item_factors)
        (folder / "users.json").write_text(json.dumps(self.users))
        (folder / "items.json").write_text(json.dumps(self.items))
        if self.itemknn is not None:
            self.itemknn.save(folder)
        return {"params": self.params, "metrics": self.metrics}


def fit(interactions: Interactions, settings: Settings, *, seed: int = 0) -> TrainedModel:
    """Fit on everything but the holdout and measure recall@20 on it."""
    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking

    started = time.perf_counter()
    train, hidden = split_holdout(interactions.matrix, seed=seed)
    params = {"algorithm": settings.cf_algorithm, "factors": settings.cf_factors,
              "iterations": settings.cf_iterations, "regularization": settings.cf_regularization,
              "alpha": settings.cf_alpha, "users": len(interactions.users), "items": len(interactions.items),
              "interactions": interactions.nnz}
    if settings.cf_algorithm == "bpr":
        model = BayesianPersonalizedRanking(factors=settings.cf_factors, iterations=settings.cf_iterations,
                                            regularization=settings.cf_regularization,
                                            num_threads=settings.cf_threads, random_state=seed)
    else:
        model = AlternatingLeastSquares(factors=settings.cf_factors, iterations=settings.cf_iterations,
                                        regularization=settings.cf_regularization, alpha=settings.cf_alpha,
                                        num_threads=settings.cf_threads, random_state=seed)
    model.fit(train, show_progress=False)
    user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
    item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)
    fit_seconds = time.perf_counter() - started
    metrics = {"recall@20": recall_at_k(user_factors, item_factors, train, hidden), "holdout_users": len(hidden),
               "fit_seconds": round(fit_seconds, 3)}
    itemknn = None
    if settings.cf_itemknn_neighbours > 0:
        started = time.perf_counter()
        itemknn = ItemKnn.fit(interactions.items, train, neighbours=settings.cf_itemknn_neighbours,
                              shrink=settings.cf_itemknn_shrink, min_common=settings.cf_itemknn_min_common)
        params.update({"itemknn_neighbours": settings.cf_itemknn_neighbours,
                       "itemknn_shrink": settings.cf_itemknn_shrink,
                       "itemknn_min_common": settings.cf_itemknn_min_common})
        metrics.update({"itemknn_recall@20": itemknn_recall_at_k(itemknn, train, hidden),
                        "itemknn_fit_seconds": round(time.perf_counter() - started, 3)})
    return TrainedModel(interactions.users, interactions.items, user_factors, item_factors, params, metrics,
                        itemknn)


def itemknn_recall_at_k(model: ItemKnn, train: sp.csr_matrix, hidden: dict[int, int], k: int = EVAL_K
                        ) -> float | None:
    """``recall_at_k`` of the neighbour model: each held-out user's train papers as the profile."""
    if not hidden:
        return None
    hits = 0
    for user, item in hidden.items():
        row = slice(train.indptr[user], train.indptr[user + 1])
        profile = [{"paper_id": model.items[c]} for c in train.indices[row]]
        hits += model.items[item] in {h.paper_id for h in model.hits(profile, k)}
    return hits / len(hidden)


def with_new_items(model: TrainedModel, index: Any, neighbours: int) -> TrainedModel:
    """The model plus factors for the indexed papers nobody has interacted with yet (``index``: a
    ``LoadedIndex``): each gets the similarity-weighted mean of the factors of its ``neighbours`` nearest
    content neighbours that have factors, so a new paper reaches the readers of papers like it.

    ``neighbours=0``, or no new paper, returns ``model`` itself. Cost: one index search per new paper.
    """
    known = set(model.items)
    new_ids = [pid for pid in index.paper_ids if pid not in known]
    if neighbours <= 0 or not new_ids or not model.items:
        return model
    row_of = {pid: i for i, pid in enumerate(model.items)}
    new_ids, vectors = index.vectors_of(new_ids)
    # New papers cluster together (a topic's fresh batch): look deeper than ``neighbours`` to find old ones.
    factors = np.zeros((len(new_ids), model.item_factors.shape[1]), dtype=np.float32)
    for i, hits in enumerate(index.search(vectors, 4 * neighbours)):
        rows = [(row_of[pid], score) for pid, score in hits if pid in row_of and score > 0][:neighbours]
        if rows:
            weights = np.array([w for _, w in rows], dtype=np.float32)
            factors[i] = weights @ model.item_factors[[r for r, _ in rows]] / weights.sum()
    return TrainedModel(model.users, [*model.items, *new_ids], model.user_factors,
                        np.ascontiguousarray(np.vstack([model.item_factors, factors]), dtype=np.float32),
                        {**model.params, "new_item_neighbours": neighbours},
                        {**model.metrics, "imputed_items": len(new_ids)}, model.itemknn)


def not_worse(new: dict[str, Any], live: dict[str, Any] | None, tolerance: float) -> bool:
    """True if ``new`` may replace ``live``: no live model, no comparable metric, or recall within tolerance."""
    if live is None:
        return True
    new_recall, live_recall = new.get("recall@20"), live.get("recall@20")
    if new_recall is None or live_recall is None:
        return True
    return new_recall >= live_recall * (1.0 - tolerance)


@dataclass(frozen=True)
class LoadedCf:
    """A live CF model in an API process: factors memory-mapped, id maps in dicts."""

    version: str
    user_factors: np.ndarray
    item_factors: np.ndarray
    user_index: dict[str, int]
    items: tuple[str, ...]
    # The first ``trained_items`` items were fitted on interactions; the rest got factors from their
    # content neighbours (``with_new_items``): nobody has read them yet. None: all were fitted.
    trained_items: int | None = None
    # paper_id → row of item_factors (built from ``items``).
    item_index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    # The item-item neighbour model published with these factors (None: trained without one).
    itemknn: ItemKnn | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.item_index:
            self.item_index.update((pid, i) for i, pid in enumerate(self.items))

    @classmethod
    def load(cls, folder: Path, version: str, *, imputed_items: int = 0, forgotten: Collection[str] = ()) -> LoadedCf:
        """The version in ``folder``; ``imputed_items``: how many of its last items got their factors from
        content neighbours (the ``imputed_items`` metric recorded with the version). ``forgotten`` users
        (deleted since it was trained; models.forgotten_cf_users) are left out: no recommendation or score
        is ever made from their rows, whichever version is live."""
        user_factors = np.load(folder / "user_factors.npy", mmap_mode="r")
        item_factors = np.load(folder / "item_factors.npy", mmap_mode="r")
        users = json.loads((folder / "users.json").read_text())
        items = tuple(json.loads((folder / "items.json").read_text()))
        if user_factors.shape[0] != len(users) or item_factors.shape[0] != len(items):
            raise ValueError("factor matrices do not match the id maps")
        user_index = {users[i]: i for i in _kept_rows(users, forgotten)}
        return cls(version, user_factors, item_factors, user_index, items, len(items) - imputed_items,
                   itemknn=ItemKnn.load(folder))

    @classmethod
    def from_model(cls, model: TrainedModel, version: str) -> LoadedCf:
        """A just-trained model, served without a round trip through disk (the offline evaluation)."""
        return cls(version, model.user_factors, model.item_factors, {u: i for i, u in enumerate(model.users)},
                   tuple(model.items), len(model.items) - int(model.metrics.get("imputed_items") or 0),
                   itemknn=model.itemknn)

    def has_readers(self, paper_id: str) -> bool:
        """True if the paper's factors were fitted on interactions (not imputed from content neighbours)."""
        position = self.item_index.get(paper_id)
        return position is not None and (self.trained_items is None or position < self.trained_items)

    def score_items(self, user_id: str, paper_ids: Sequence[str]) -> list[tuple[str, float]]:
        """(paper_id, score) of the given papers the model knows, for a known user (else []), in order.
        O(len(paper_ids) × factors): the feed re-scores other retrievers' candidates with it."""
        row = self.user_index.get(user_id)
        if row is None or not paper_ids:
            return []
        at = rows_of(self.item_index, paper_ids)
        known = at != MISSING
        if not known.any():
            return []
        scores = self.item_factors[at[known]] @ self.user_factors[row]
        return list(zip([pid for pid, k in zip(paper_ids, known.tolist(), strict=True) if k], scores.tolist(), strict=True))

    def recommend(self, user_id: str, k: int) -> list[tuple[str, float]]:
        """Top ``k`` (paper_id, score) for a known user, else []. O(items × factors) per call."""
        row = self.user_index.get(user_id)
        if row is None or k <= 0 or not self.items:
            return []
        scores = self.item_factors @ self.user_factors[row]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.items[i], float(scores[i])) for i in top]


def forget_users(folder: Path, forgotten: Collection[str]) -> bool:
    """Rewrite the version files in ``folder`` without the rows of ``forgotten`` users; False (nothing
    written) when it holds none of them. Item factors and neighbours stay: they describe papers."""
    users = json.loads((folder / "users.json").read_text())
    keep = _kept_rows(users, forgotten)
    if len(keep) == len(users):
        return False
    factors = np.load(folder / "user_factors.npy", allow_pickle=False)
    np.save(folder / "user_factors.npy", np.ascontiguousarray(factors[keep]))
    (folder / "users.json").write_text(json.dumps([users[i] for i in keep]))
    return True


def purge_forgotten(db: Database, artifacts: ArtifactStore) -> dict[str, int]:
    """Rewrite every kept CF version (here and in the shared store) without the users deleted since it
    was trained, then drop the records no longer needed (``models.drop_forgotten``). Run after each
    publish; loaders leave these users out meanwhile, so a rollback never serves them either way."""
    with db.connection() as conn:
        forgotten = models_store.forgotten_cf_users(conn)
    kept = artifacts.versions(ArtifactKind.CF)
    rewritten = 0
    if forgotten:
        for version in kept:
            rewritten += artifacts.rewrite(ArtifactKind.CF, version, lambda folder: forget_users(folder, forgotten))
    with db.connection() as conn:
        dropped = models_store.drop_forgotten(conn, forgotten, kind=ArtifactKind.CF, kept_versions=kept)
    return {"forgotten_users": len(forgotten), "versions_rewritten": rewritten, "records_dropped": dropped}
