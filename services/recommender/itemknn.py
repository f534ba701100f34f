"""Item-item neighbours (ItemKNN): papers saved by the same readers as the reader's own, beside ALS.

Trained by the worker with the CF model, on the same interaction matrix: the cosine between two papers'
reader columns (interest weights), shrunk towards 0 for papers with few readers in common
(``sim = dot / (|a| |b| + shrink)``), keeping each paper's ``neighbours`` most similar. A reader's score
for a paper is the sum of its similarities to the reader's papers (one sparse row × sparse matrix).

Why beside ALS: a low-rank model smooths a long history into a few factors and favours popular papers;
the neighbour model keeps every paper of that history as its own query, which is what readers with
many saved papers (citeulike-a's P10) gain from. For readers with few papers it is noise, so the feed
asks it only from FEED_ITEMKNN_MIN_HISTORY papers on and lets its scores grow with the history
(``history_factor``).

No I/O but ``save``/``load`` of its own file in the CF artifact folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from services.recommender.hits import Hit, InterestRef, Reason, ReasonKind
from services.recommender.lexical import top_positive

MATRIX_FILE = "itemknn.npz"
IDS_FILE = "itemknn.json"
# Items per block when multiplying: bounds the dense block of one product at BLOCK × items floats.
BLOCK = 1024
STAR_WEIGHT = 2.0


def history_factor(history: int, minimum: int, full: int) -> float:
    """0 below ``minimum`` papers, then rising linearly to 1 at ``full`` papers (and staying there)."""
    if history < minimum:
        return 0.0
    if full <= minimum:
        return 1.0
    return min(1.0, (history - minimum + 1) / (full - minimum + 1))


def fit_similarities(matrix: sp.csr_matrix, *, neighbours: int, shrink: float, min_common: int = 1
                     ) -> sp.csr_matrix:
    """items × items sparse similarities of ``matrix`` (users × items) keeping the top ``neighbours`` of
    each item's row, self-similarity removed, and only pairs saved by at least ``min_common`` readers in
    common (one reader's two unrelated interests are not "readers of A also saved B"). Computed in
    blocks of items: memory O(BLOCK × items)."""
    items = matrix.shape[1]
    by_item = sp.csr_matrix(matrix.T, dtype=np.float32)  # items × users
    by_item.sum_duplicates()
    norms = np.sqrt(np.asarray(by_item.multiply(by_item).sum(axis=1)).ravel()).astype(np.float32)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    users_by_item = by_item.T.tocsc()  # users × items, for the products
    if min_common > 1:  # the same products over 0/1 entries count the readers in common
        saved_by = by_item.copy()
        saved_by.data[:] = 1.0
        saved_by_users = saved_by.T.tocsc()
    for start in range(0, items, BLOCK):
        stop = min(items, start + BLOCK)
        dots = (by_item[start:stop] @ users_by_item).toarray()  # block × items
        if min_common > 1:
            common = (saved_by[start:stop] @ saved_by_users).tocoo()  # sparse: pairs with a reader in common
            few = common.data < min_common
            dots[common.row[few], common.col[few]] = 0.0
        dots /= np.outer(norms[start:stop], norms) + shrink + 1e-9
        dots[np.arange(stop - start), np.arange(start, stop)] = 0.0
        k = min(neighbours, items - 1)
        if k <= 0:
            continue
        top = np.argpartition(-dots, k - 1, axis=1)[:, :k]
        top_vals = np.take_along_axis(dots, top, axis=1)
        keep = top_vals > 0
        rows.append(np.repeat(np.arange(start, stop), k)[keep.ravel()])
        cols.append(top.ravel()[keep.ravel()])
        vals.append(top_vals.ravel()[keep.ravel()])
    if not rows:
        return sp.csr_matrix((items, items), dtype=np.float32)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(items, items), dtype=np.float32)


@dataclass(frozen=True)
class ItemKnn:
    items: tuple[str, ...]
    similarities: sp.csr_matrix  # items × items: row i holds item i's neighbours
    positions: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.positions:
            self.positions.update((pid, i) for i, pid in enumerate(self.items))

    @classmethod
    def fit(cls, items: Sequence[str], matrix: sp.csr_matrix, *, neighbours: int, shrink: float,
            min_common: int = 1) -> ItemKnn:
        return cls(tuple(items), fit_similarities(matrix, neighbours=neighbours, shrink=shrink,
                                                  min_common=min_common))

    def hits(self, profile: Sequence[Mapping[str, Any]], k: int, *, factor: float = 1.0,
             interest_of: Mapping[str, InterestRef] | None = None) -> list[Hit]:
        """Up to ``k`` papers most similar to the ``profile`` rows (paper_id, kind, optional title) by
        co-readership, scores times ``factor``; each reason names the profile paper that contributes most
        (its anchor), and the hit carries the anchor's interest (``interest_of``, ``content.interest_refs``):
        a paper saved with the reader's speech papers counts in the speech interest's places, never in
        another interest's."""
        weight = {row["paper_id"]: STAR_WEIGHT if row.get("kind") == "star" else 1.0 for row in profile}
        titles = {row["paper_id"]: row.get("title") or row["paper_id"] for row in profile}
        known = [pid for pid in weight if pid in self.positions]
        if not known or k <= 0 or factor <= 0:
            return []
        rows = self.similarities[[self.positions[pid] for pid in known]]  # profile × items
        contributions = sp.diags(np.array([weight[pid] for pid in known], dtype=np.float32)) @ rows
        scores = np.asarray(contributions.sum(axis=0)).ravel()
        for pid in known:
            scores[self.positions[pid]] = 0.0
        top = top_positive(scores, k)
        if not len(top):
            return []
        anchors = np.asarray(contributions[:, top].toarray().argmax(axis=0)).ravel()
        out = []
        for item, anchor in zip(top, anchors, strict=True):
            anchor_id = known[int(anchor)]
            out.append(Hit(self.items[item], float(scores[item]) * factor,
                           Reason(ReasonKind.READ_WITH, f"readers of “{titles[anchor_id]}” also saved it", anchor_id),
                           (interest_of or {}).get(anchor_id)))
        return out

    def save(self, folder: Path) -> None:
        sp.save_npz(folder / MATRIX_FILE, self.similarities, compressed=False)
        (folder / IDS_FILE).write_text(json.dumps(list(self.items)))

    @classmethod
    def load(cls, folder: Path) -> ItemKnn | None:
        """The model saved in ``folder``, or None if the folder holds none (a CF version trained without)."""
        if not (folder / MATRIX_FILE).is_file():
            return None
        items = tuple(json.loads((folder / IDS_FILE).read_text()))
        similarities = sp.load_npz(folder / MATRIX_FILE).tocsr()
        if similarities.shape != (len(items), len(items)):
            raise ValueError(f"item-item matrix is {similarities.shape} for {len(items)} items")
        return cls(items, similarities)
