"""Exact sparse TF-IDF content scoring: the lexical side of the content retriever.

The dense index (LSA or MiniLM in FAISS) approximates similarity; on short texts (titles, labels) the
exact sparse TF-IDF cosine ranks better (bench/quality.py, docs/engine.md). This module keeps, beside
each published index, one L2-normalised sparse row per indexed paper, built from separately weighted
fields, and scores a user's whole profile against every paper exactly:

- ``title`` words (unigrams and bigrams, sublinear tf, English stop words removed);
- ``abstract`` words (same, own vocabulary and weight; empty for sets without abstracts);
- ``labels``: fine-grained labels (readers' tags), each label one token, lower-cased, idf-weighted;
- ``categories``: broad labels, in a block of their own with a small weight (a weak prior, not words):
  arXiv categories (cs.CV is on half the demo catalogue; sharing it says little about the topic), and
  any label on more than ``broad_share`` of the catalogue (citeulike's "review", "network").

Each field block is L2-normalised per paper, multiplied by its weight, and the row normalised again.

Scoring is item-based: a candidate's score is ``sum_j w_j * cos(candidate, profile_j) ** sharpen`` over
the user's profile papers j (weight w_j: stars count more than reads). With ``sharpen`` 1 that ranks as
the cosine to the summed profile (the classic TF-IDF profile); above 1 a close match to one of the user's
papers outweighs loose matches to many, which keeps several interests apart without clustering.

Cost per user: one sparse product of the catalogue with the profile's rows, O(catalogue postings of the
profile's terms), ≈ 1.4 ms per query at 20k papers; the feed's ``group_scores`` looks only at the
stored nearest neighbours of the profile's papers instead (``lexical_neighbours``), ≈ 3× cheaper, same
top. No I/O here apart from ``save``/``load`` of the artifact files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from services.recommender.lexical_neighbours import NONE, candidate_rows, nearest

# The CSR arrays as plain .npy files, so that API processes memory-map one shared copy (an .npz member
# cannot be mapped: each process would hold its own, ~19 MB for 20k arXiv papers).
LEXICAL_FILES = {"data": "lexical-data.npy", "indices": "lexical-indices.npy", "indptr": "lexical-indptr.npy"}
# Each row's nearest rows (``lexical_neighbours.nearest``), beside them; absent from indexes built before.
NEIGHBOURS_FILE = "lexical-neighbours.npy"
# ``group_scores`` with neighbours scans the whole catalogue instead when an interest's candidates would
# be more than this share of it (a very long profile): the scan is then the cheaper way.
CANDIDATE_SHARE = 0.25
# With expansion, the best papers' first neighbours join the candidates: this many times fewer of each
# than of the profile's papers (they are close to the profile already, most of theirs are in).
EXPANSION_NEIGHBOURS_DIVISOR = 4
# A profile longer than this is cut to its first (newest) papers: bounded cost for prolific users.
MAX_PROFILE = 500
# Pseudo-relevance feedback (``expansion``): how many of the first query's best papers form the second.
EXPANSION_DEPTH = 30
_NOT_ALNUM = re.compile(r"[\W_]+")
# An arXiv category (archive, optionally ".SUBJECT"): a broad label whatever its share of the catalogue.
ARXIV_CATEGORY = re.compile(
    r"(cs|math|stat|eess|econ|q-bio|q-fin|physics|astro-ph|cond-mat|nlin|gr-qc|hep-ex|hep-lat|hep-ph|hep-th"
    r"|math-ph|nucl-ex|nucl-th|quant-ph)(\.[A-Za-z-]+)?")


def _labels(paper: Mapping[str, Any]) -> list[str]:
    """A paper's labels (categories or tags) as tokens: lower-case letters and digits only (any script), so
    that "small-world", "small_world" and "Small World" are one label. arXiv categories keep a "cat:"
    prefix, so that ``split_labels`` knows them."""
    out = []
    for raw in paper.get("categories") or []:
        label = _NOT_ALNUM.sub("", str(raw).lower())
        if label:
            out.append(f"cat:{label}" if ARXIV_CATEGORY.fullmatch(str(raw).strip()) else label)
    return out


def split_labels(labelled: Sequence[list[str]], broad_share: float) -> tuple[list[list[str]], list[list[str]]]:
    """(fine, broad) labels of each paper: broad are arXiv categories and labels on more than
    ``broad_share`` of the papers (at least 2 papers, so that a tiny catalogue keeps its tags)."""
    counts: dict[str, int] = {}
    for labels in labelled:
        for label in set(labels):
            counts[label] = counts.get(label, 0) + 1
    limit = max(2.0, broad_share * len(labelled))
    broad = {label for label, n in counts.items() if label.startswith("cat:") or n > limit}
    return ([[x for x in labels if x not in broad] for labels in labelled],
            [[x for x in labels if x in broad] for labels in labelled])


def _identity(tokens: list[str]) -> list[str]:  # module level: a fitted vectorizer stays picklable
    return tokens


@dataclass(frozen=True)
class FieldWeights:
    """Weight of each field's block in a paper's row (0 leaves the field out)."""

    title: float = 1.0
    abstract: float = 1.0
    labels: float = 1.0
    categories: float = 0.0
    # A label on more than this share of the papers is broad (goes to ``categories``).
    broad_share: float = 1.0


def _block(texts: Sequence[Any], analyzer: Any = None, ngrams: tuple[int, int] = (1, 1)) -> sp.csr_matrix:
    """One field's TF-IDF block, rows L2-normalised; an empty (n × 0) block when nothing is left to index."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    if analyzer is None:
        vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=ngrams, min_df=2, max_df=0.5,
                                     stop_words="english", dtype=np.float32)
    else:
        vectorizer = TfidfVectorizer(sublinear_tf=True, analyzer=analyzer, min_df=2, max_df=0.5,
                                     dtype=np.float32)
    try:
        return sp.csr_matrix(vectorizer.fit_transform(texts), dtype=np.float32)
    except ValueError:  # no term in two papers (tiny catalogues, a field nobody fills)
        try:
            vectorizer.set_params(min_df=1, max_df=1.0)
            return sp.csr_matrix(vectorizer.fit_transform(texts), dtype=np.float32)
        except ValueError:
            return sp.csr_matrix((n, 0), dtype=np.float32)


def _normalise_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ matrix, dtype=np.float32)


@dataclass(frozen=True)
class LexicalModel:
    """Sparse TF-IDF rows of the indexed papers (row i ↔ ``paper_ids[i]``). Immutable, thread-safe.

    ``candidates``, when set, is the boolean mask of the rows that may be returned (all rows can still
    be profile papers): the offline cold-start split scores only its new papers.
    ``neighbours``, when set, holds each row's nearest rows (``lexical_neighbours``), where
    ``group_scores`` looks for an interest's matches instead of scanning every row.
    """

    paper_ids: tuple[str, ...]
    matrix: sp.csr_matrix
    positions: dict[str, int] = field(default_factory=dict)
    candidates: np.ndarray | None = None
    neighbours: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not self.positions:
            object.__setattr__(self, "positions", {pid: i for i, pid in enumerate(self.paper_ids)})
        if self.matrix.shape[0] != len(self.paper_ids):
            raise ValueError(f"lexical matrix has {self.matrix.shape[0]} rows for {len(self.paper_ids)} papers")
        if self.neighbours is not None and (self.neighbours.ndim != 2 or len(self.neighbours) != len(self.paper_ids)):
            raise ValueError(f"lexical neighbours have shape {self.neighbours.shape} for {len(self.paper_ids)} papers")

    @classmethod
    def fit(cls, papers: Sequence[Mapping[str, Any]], weights: FieldWeights = FieldWeights(), *,
            neighbours: int = 0) -> LexicalModel:
        """Rows for ``papers`` (dicts with id, title, abstract, categories), vocabulary fitted on them, and
        with ``neighbours`` > 0 each row's that many nearest rows."""
        fine, broad = split_labels([_labels(p) for p in papers], weights.broad_share)
        blocks = []
        for name, texts, analyzer, ngrams in (
                ("title", [p.get("title") or "" for p in papers], None, (1, 2)),
                ("abstract", [p.get("abstract") or "" for p in papers], None, (1, 1)),
                ("labels", fine, _identity, (1, 1)),
                ("categories", broad, _identity, (1, 1))):
            weight = getattr(weights, name)
            if weight > 0:
                block = _block(texts, analyzer, ngrams)
                if block.shape[1]:
                    blocks.append(block * np.float32(weight))
        matrix = sp.hstack(blocks, format="csr", dtype=np.float32) if blocks else \
            sp.csr_matrix((len(papers), 0), dtype=np.float32)
        matrix = _normalise_rows(matrix)
        return cls(tuple(str(p["id"]) for p in papers), matrix,
                   neighbours=nearest(matrix, neighbours) if neighbours > 0 else None)

    def save(self, folder: Path) -> None:
        matrix = self.matrix.tocsr()
        matrix.sort_indices()
        for part, name in LEXICAL_FILES.items():
            np.save(folder / name, getattr(matrix, part))
        (folder / "lexical-shape.json").write_text(json.dumps(list(matrix.shape)))
        if self.neighbours is not None:
            np.save(folder / NEIGHBOURS_FILE, np.asarray(self.neighbours, dtype=np.int32))

    @classmethod
    def load(cls, folder: Path, paper_ids: Sequence[str]) -> LexicalModel | None:
        """The rows saved beside an index whose ids are ``paper_ids``, memory-mapped; None if the index has
        none. ValueError if the files do not make one matrix of that many rows."""
        if not (folder / LEXICAL_FILES["indptr"]).is_file():
            return None
        data, indices, indptr = (np.load(folder / LEXICAL_FILES[part], mmap_mode="r")
                                 for part in ("data", "indices", "indptr"))
        shape = tuple(json.loads((folder / "lexical-shape.json").read_text()))
        if data.dtype != np.float32 or len(data) != len(indices) or len(indptr) != shape[0] + 1 \
                or (len(indptr) and int(indptr[-1]) != len(data)):
            raise ValueError(f"lexical rows in {folder} are inconsistent")
        matrix = sp.csr_matrix((data, indices, indptr), shape=shape, copy=False)
        matrix.has_sorted_indices = True  # sorted at save; skips a scan that would touch every page
        neighbours = None
        if (folder / NEIGHBOURS_FILE).is_file():
            neighbours = np.load(folder / NEIGHBOURS_FILE, mmap_mode="r")
            # Shape is checked with every model (__post_init__); the ids must be rows of this matrix.
            if neighbours.dtype != np.int32 or (
                    neighbours.size and not NONE <= int(neighbours.min()) <= int(neighbours.max()) < shape[0]):
                raise ValueError(f"lexical neighbours in {folder} do not fit the rows")
        return cls(tuple(paper_ids), matrix, neighbours=neighbours)

    def restricted(self, candidate_ids: Iterable[str]) -> LexicalModel:
        """The same rows, returning only ``candidate_ids``."""
        mask = np.zeros(len(self.paper_ids), dtype=bool)
        mask[[self.positions[pid] for pid in candidate_ids if pid in self.positions]] = True
        return replace(self, candidates=mask)

    def similarities(self, profile_ids: Sequence[str]) -> tuple[list[str], ProfileSimilarities]:
        """(the profile ids that have a row, cut to MAX_PROFILE; papers × those cosines, computed for the
        rows that are asked for)."""
        known = [pid for pid in profile_ids if pid in self.positions][:MAX_PROFILE]
        rows = self.matrix[[self.positions[pid] for pid in known]] if known else \
            sp.csr_matrix((0, self.matrix.shape[1]), dtype=np.float32)
        return known, ProfileSimilarities(self.matrix, rows)

    def score(self, profile_ids: Sequence[str], profile_weights: Sequence[float], *, sharpen: float = 1.0,
              expansion: float = 0.0) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(one score per row, as in the module docstring; the profile ids used; their similarities from
        ``similarities``). Rows of profile papers, and rows outside ``candidates``, score 0.

        ``expansion`` > 0 widens a short profile (pseudo-relevance feedback): the EXPANSION_DEPTH best
        papers, weighted by their score, form a second query, whose scores (scaled to a best of 1) are
        added to the first ones (scaled likewise) with weight ``expansion / len(profile)``: a one-paper
        profile is widened fully, a long one barely (it already is wide)."""
        known, sims = self.similarities(profile_ids)
        if not known:
            return np.zeros(len(self.paper_ids), dtype=np.float32), known, sims
        weight_of = dict(zip(profile_ids, profile_weights, strict=True))
        weights = np.array([weight_of[pid] for pid in known], dtype=np.float32)
        if sharpen == 1.0:
            # Rows are non-negative and unit length, so sum_j w_j cos(c, p_j) = c · (sum_j w_j p_j): one
            # sparse mat-vec over the catalogue instead of a catalogue × profile product (arXiv 20k
            # papers with abstracts, a 100-paper profile: 0.5 ms instead of 60 ms). Same scores.
            query = np.asarray(sims.rows.T @ weights, dtype=np.float32).ravel()
            scores = np.asarray(self.matrix @ query, dtype=np.float32).ravel()
        else:
            scores = item_scores(sims.all(), weights, sharpen)
        own = [self.positions[pid] for pid in known]
        scores[own] = 0.0
        if expansion > 0 and scores.max() > 0:
            scores = self._expanded(scores, expansion / len(known))
            scores[own] = 0.0
        if self.candidates is not None:
            scores[~self.candidates] = 0.0
        return scores, known, sims

    def rows_of(self, paper_ids: Sequence[str]) -> sp.csr_matrix:
        """The rows of ``paper_ids``, in that order; an empty row for a paper without one."""
        positions = [self.positions.get(pid, -1) for pid in paper_ids]
        if min(positions, default=0) >= 0:  # the usual case: plain row indexing, no product
            return self.matrix[positions]
        pairs = [(i, self.positions[pid]) for i, pid in enumerate(paper_ids) if pid in self.positions]
        select = sp.csr_matrix((np.ones(len(pairs), dtype=np.float32), ([i for i, _ in pairs], [p for _, p in pairs])),
                               shape=(len(paper_ids), len(self.paper_ids)), dtype=np.float32)
        return sp.csr_matrix(select @ self.matrix, dtype=np.float32)

    def group_scores(self, groups: Sequence[Sequence[str]], weights: Mapping[str, float], *,
                     expansion: float = 0.0, neighbours: int = 0, also: Iterable[str] = ()) -> np.ndarray:
        """papers × groups: column g scores rows against group g alone (its papers' rows summed with their
        ``weights``, widened by ``expansion / len(group)`` as in ``score``), scaled so that the best row
        scores 1. Rows of any group's paper, and rows outside ``candidates``, score 0.

        Which rows are scored: every row (all groups in one sparse × dense pass, two with expansion),
        unless ``neighbours`` > 0 and the model has neighbour lists (and no ``candidates`` mask, an
        offline device that the lists do not know). Then, per group, only the first ``neighbours``
        neighbours of its papers, with expansion the first ``neighbours // EXPANSION_NEIGHBOURS_DIVISOR``
        of its EXPANSION_DEPTH best papers too, and the rows of ``also`` (papers the caller needs a score
        for); the others score 0. Scored rows get their exact score either way (``lexical_neighbours``
        says why that loses nothing in practice); a group whose candidates exceed CANDIDATE_SHARE of the
        catalogue is scanned whole.
        """
        n = len(self.paper_ids)
        out = np.zeros((n, len(groups)), dtype=np.float32)
        members = [[pid for pid in group if pid in self.positions][:MAX_PROFILE] for group in groups]
        known = [pid for group in members for pid in group]
        if not known:
            return out
        own = np.array([self.positions[pid] for pid in known], dtype=np.int64)
        starts = np.cumsum([0] + [len(group) for group in members])
        select = np.zeros((len(known), len(groups)), dtype=np.float32)
        for g, group in enumerate(members):
            select[starts[g]: starts[g + 1], g] = [weights[pid] for pid in group]
        own_rows = self.matrix[own]
        queries = _dense(own_rows.T @ select)  # terms × groups
        depth = min(neighbours, self.neighbours.shape[1]) \
            if self.neighbours is not None and self.candidates is None else 0
        if not depth:
            return self._scanned(queries, members, own, expansion)
        own_mask = np.zeros(n, dtype=bool)
        own_mask[own] = True
        wanted = np.array([self.positions[pid] for pid in also if pid in self.positions], dtype=np.int64)
        for g, group in enumerate(members):
            if not group:
                continue
            rows = candidate_rows(self.neighbours, own[starts[g]: starts[g + 1]], depth, also=wanted,
                                  without=own_mask)
            if len(rows) > CANDIDATE_SHARE * n:
                out[:, g] = self._scanned(queries[:, g: g + 1], [group], own, expansion)[:, 0]
                continue
            rows, column = self._looked_up(rows, queries[:, g], own_rows, own_mask, expansion / len(group), depth)
            out[rows, g] = column
        return out

    def _scanned(self, queries: np.ndarray, members: Sequence[Sequence[str]], own: np.ndarray,
                 expansion: float) -> np.ndarray:
        """``group_scores`` over every row: rows × groups, each column's best 1."""
        scores = _dense(self.matrix @ queries)
        scores[own] = 0.0
        if expansion > 0:
            second_queries = np.zeros_like(queries)
            for g, group in enumerate(members):
                best = top_positive(scores[:, g], EXPANSION_DEPTH) if group else np.zeros(0, dtype=int)
                if len(best):
                    second_queries[:, g] = _dense(self.matrix[best].T @ (scores[best, g] / scores[best[0], g])).ravel()
            second = _dense(self.matrix @ second_queries)
            for g, group in enumerate(members):
                first_top, second_top = scores[:, g].max(), second[:, g].max()
                if group and first_top > 0 and second_top > 0:
                    scores[:, g] = scores[:, g] / first_top + np.float32(expansion / len(group)) * second[:, g] / second_top
            scores[own] = 0.0
        if self.candidates is not None:
            scores[~self.candidates] = 0.0
        top = scores.max(axis=0)
        out = np.zeros_like(scores)
        np.divide(scores, top, out=out, where=top > 0)
        return out

    def _looked_up(self, rows: np.ndarray, query: np.ndarray, own_rows: sp.csr_matrix, own_mask: np.ndarray,
                   expansion: float, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """One group of ``group_scores`` over candidate ``rows`` (none of them the profile's): (the rows
        scored, their scores, the best 1). ``expansion``: the group's weight of its second query
        (scaled, as in a scan, by its best row: ``own_rows``, the profile's rows, included)."""
        block = self.matrix[rows]  # each candidate row copied once
        first = _dense(block @ query)
        if expansion > 0 and first.max(initial=0.0) > 0:
            picked = top_positive(first, EXPANSION_DEPTH)
            best = rows[picked]
            second_query = _dense(self.matrix[best].T @ (first[picked] / first[picked[0]]))
            second = _dense(block @ second_query)
            # The best papers' nearest neighbours join the candidates, scored by both queries.
            taken = own_mask.copy()
            taken[rows] = True
            extra = candidate_rows(self.neighbours, best, max(1, depth // EXPANSION_NEIGHBOURS_DIVISOR), without=taken)
            both = _dense(self.matrix[extra] @ np.stack([query, second_query], axis=1))
            first, second = np.concatenate([first, both[:, 0]]), np.concatenate([second, both[:, 1]])
            rows = np.concatenate([rows, extra])
            # The second query's scale, as in a scan: its best row, a profile paper included.
            second_top = max(float(second.max()), float(_dense(own_rows @ second_query).max()))
            if second_top > 0:
                first = first / first.max() + np.float32(expansion) * second / second_top
        top = float(first.max(initial=0.0))
        return rows, first / top if top > 0 else np.zeros_like(first)

    def _expanded(self, scores: np.ndarray, weight: float) -> np.ndarray:
        """``scores / max + weight * second / max(second)``, the second query being the EXPANSION_DEPTH
        best rows weighted by their score."""
        best = top_positive(scores, EXPANSION_DEPTH)
        query = np.asarray(self.matrix[best].T @ (scores[best] / scores[best[0]])).ravel()
        second = np.asarray(self.matrix @ query, dtype=np.float32).ravel()
        top = float(second.max())
        first = scores / scores[best[0]]
        return first + np.float32(weight) * second / top if top > 0 else first

    def top(self, profile_ids: Sequence[str], profile_weights: Sequence[float], k: int, *,
            sharpen: float = 1.0, expansion: float = 0.0) -> list[tuple[str, float, str]]:
        """The ``k`` best papers for the profile as (paper_id, score, anchor), best first: anchor is the
        profile paper it is most similar to. Papers scoring 0 (sharing no term) are left out."""
        scores, known, sims = self.score(profile_ids, profile_weights, sharpen=sharpen, expansion=expansion)
        if not known or k <= 0:
            return []
        best = top_positive(scores, k)
        anchors = np.argmax(sims[best], axis=1) if len(best) else []
        return [(self.paper_ids[i], float(scores[i]), known[int(a)]) for i, a in zip(best, anchors, strict=True)]


class ProfileSimilarities:
    """The catalogue × profile cosine matrix, computed only for the catalogue rows asked for:
    ``sims[i]`` (one paper's cosines to each profile paper) or ``sims[array]`` (those papers' rows)."""

    def __init__(self, matrix: sp.csr_matrix, rows: sp.csr_matrix) -> None:
        self.matrix, self.rows = matrix, rows
        self.shape = (matrix.shape[0], rows.shape[0])

    def __getitem__(self, positions: Any) -> np.ndarray:
        block = np.asarray((self.matrix[np.atleast_1d(positions)] @ self.rows.T).toarray(), dtype=np.float32)
        return block[0] if np.ndim(positions) == 0 else block

    def all(self) -> np.ndarray:
        """Every paper's row (costly: a sparse product with the whole catalogue)."""
        return np.asarray((self.matrix @ self.rows.T).toarray(), dtype=np.float32)


def item_scores(similarities: np.ndarray, weights: np.ndarray, sharpen: float) -> np.ndarray:
    """``sum_j weights[j] * max(similarities[:, j], 0) ** sharpen``: one score per row (paper)."""
    if similarities.shape[1] == 0:
        return np.zeros(similarities.shape[0], dtype=np.float32)
    sims = np.maximum(similarities, 0.0)
    if sharpen != 1.0:
        sims = sims ** np.float32(sharpen)
    return np.asarray(sims @ weights.astype(np.float32), dtype=np.float32)


def _dense(product: Any) -> np.ndarray:
    """A sparse product's result as a float32 array (a sparse result made dense)."""
    return np.asarray(product.toarray() if sp.issparse(product) else product, dtype=np.float32)


def top_positive(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the (at most) ``k`` highest strictly positive scores, best first (ties: lower position)."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    return positive[np.lexsort((positive, -scores[positive]))]
