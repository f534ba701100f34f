"""The citation retriever: papers linked to the reader's by citations (co-citation, bibliographic
coupling, direct citation), one sparse product per request.

Each catalogue paper is a sparse row of link tokens:

- ``r:<key>`` for every work it cites (resolved or not), and for its own key when another paper cites it
  (so a citing and a cited paper share that token: direct citation); two papers citing the same work
  share it too (bibliographic coupling);
- ``c:<paper>`` for every paper that cites it, and its own ``c:<id>`` when it cites something (two papers
  cited by the same paper share it: co-citation; and again direct citation).

Tokens held by a single paper link nothing and are dropped; the rest are IDF-weighted and rows
L2-normalised, so a row product is a cosine. For a profile, ``hits`` sums the profile's rows (a star
counts twice a read) into one sparse vector ``u`` and scores every paper as ``rows @ u`` — one sparse
matrix-vector product — leaving out the profile's own papers. Each hit's reason names the profile paper
it shares the most with.

No I/O but ``save``/``load`` of its own file (published beside the index by the worker).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from services.recommender.hits import Hit, InterestRef, Reason, ReasonKind
from services.recommender.lexical import top_positive

MATRIX_FILE = "citations.npz"
IDS_FILE = "citations.json"
STAR_WEIGHT = 2.0


@dataclass(frozen=True)
class CitationLink:
    """``citing`` cites the work ``key``; ``cited``: the catalogue paper that work is, if it is here."""

    citing: str
    key: str
    cited: str | None = None


@dataclass(frozen=True)
class CitationModel:
    paper_ids: tuple[str, ...]
    rows: sp.csr_matrix  # papers × link tokens, float32, rows L2-normalised (empty rows allowed)
    positions: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.positions:
            self.positions.update((pid, i) for i, pid in enumerate(self.paper_ids))

    @classmethod
    def fit(cls, paper_ids: Sequence[str], links: Iterable[CitationLink]) -> CitationModel:
        """The model over ``paper_ids`` (the index's papers, in its order) from every citation link."""
        tokens: dict[str, int] = {}
        position = {pid: i for i, pid in enumerate(paper_ids)}
        rows: list[int] = []
        cols: list[int] = []

        def add(paper: str, token: str) -> None:
            row = position.get(paper)
            if row is not None:
                rows.append(row)
                cols.append(tokens.setdefault(token, len(tokens)))

        for link in links:
            add(link.citing, f"r:{link.key}")
            if link.cited is not None and link.cited != link.citing:
                add(link.cited, f"r:{link.key}")
                add(link.cited, f"c:{link.citing}")
                add(link.citing, f"c:{link.citing}")
        n = len(paper_ids)
        if not rows:
            return cls(tuple(paper_ids), sp.csr_matrix((n, 0), dtype=np.float32))
        matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(tokens)))
        matrix.data[:] = 1.0  # a token listed twice for a paper (two spellings of one link) counts once
        df = np.asarray((matrix > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= 2)
        matrix = matrix[:, keep]
        idf = np.log((n + 1) / df[keep]).astype(np.float32)
        matrix = (matrix @ sp.diags(idf)).tocsr().astype(np.float32)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return cls(tuple(paper_ids), (sp.diags((1.0 / norms).astype(np.float32)) @ matrix).tocsr())

    @classmethod
    def from_items(cls, items: Sequence[Mapping[str, Any]]) -> CitationModel | None:
        """The model of an offline data set whose items list the catalogue ids they cite under ``cites``
        (citeulike-a's eval/items.jsonl): each cite is a link resolved to that item. None when no item
        has any (nothing to retrieve with)."""
        ids = [item["id"] for item in items]
        known = set(ids)
        links = [CitationLink(item["id"], cited, cited if cited in known else None)
                 for item in items for cited in item.get("cites") or ()]
        return cls.fit(ids, links) if links else None

    @property
    def links(self) -> int:
        """Non-empty rows: papers that share at least one citation token with another."""
        return int((np.diff(self.rows.indptr) > 0).sum())

    def scores(self, profile: Mapping[str, float]) -> tuple[np.ndarray, list[str]]:
        """(score of every paper, the profile papers that have links) for ``profile`` (paper id → weight)."""
        known = [pid for pid in profile if pid in self.positions and
                 self.rows.indptr[self.positions[pid] + 1] > self.rows.indptr[self.positions[pid]]]
        if not known or self.rows.shape[1] == 0:
            return np.zeros(len(self.paper_ids), dtype=np.float32), []
        weights = sp.csr_matrix((np.array([profile[pid] for pid in known], dtype=np.float32),
                                 ([0] * len(known), [self.positions[pid] for pid in known])),
                                shape=(1, len(self.paper_ids)))
        query = (weights @ self.rows).T.tocsc()  # tokens × 1, sparse
        return np.asarray((self.rows @ query).todense(), dtype=np.float32).ravel(), known

    def hits(self, profile: Sequence[Mapping[str, Any]], k: int, *,
             interest_of: Mapping[str, InterestRef] | None = None) -> list[Hit]:
        """Up to ``k`` papers linked to the ``profile`` rows (paper_id, kind: star or read, optional title)
        by citations, best first, the profile's own papers left out; [] when none of them has links. Each
        hit names the profile paper it shares most links with and carries that paper's interest
        (``interest_of``, as ``ItemKnn.hits``)."""
        weight = {row["paper_id"]: STAR_WEIGHT if row.get("kind") == "star" else 1.0 for row in profile}
        titles = {row["paper_id"]: row.get("title") or row["paper_id"] for row in profile}
        scores, known = self.scores(weight)
        if not known:
            return []
        for pid in weight:
            if pid in self.positions:
                scores[self.positions[pid]] = 0.0
        top = top_positive(scores, k)
        if not len(top):
            return []
        anchors = (self.rows[top] @ self.rows[[self.positions[pid] for pid in known]].T).toarray().argmax(axis=1)
        out = []
        for row, anchor in zip(top, anchors, strict=True):
            anchor_id = known[int(anchor)]
            out.append(Hit(self.paper_ids[row], float(scores[row]),
                           Reason(ReasonKind.SHARES_CITATIONS, f"cited with or citing the same work as "
                                                               f"“{titles[anchor_id]}”", anchor_id),
                           (interest_of or {}).get(anchor_id)))
        return out

    def save(self, folder: Path) -> None:
        sp.save_npz(folder / MATRIX_FILE, self.rows, compressed=False)
        (folder / IDS_FILE).write_text(json.dumps(list(self.paper_ids)))

    @classmethod
    def load(cls, folder: Path, paper_ids: Sequence[str] | None = None) -> CitationModel | None:
        """The model saved in ``folder``, or None if it holds none. ``paper_ids``: the order it must have."""
        if not (folder / MATRIX_FILE).is_file():
            return None
        ids = tuple(json.loads((folder / IDS_FILE).read_text()))
        if paper_ids is not None and tuple(paper_ids) != ids:
            raise ValueError("citation rows are not in the index's paper order")
        rows = sp.load_npz(folder / MATRIX_FILE).tocsr()
        if rows.shape[0] != len(ids):
            raise ValueError(f"citation matrix has {rows.shape[0]} rows for {len(ids)} papers")
        return cls(ids, rows)
