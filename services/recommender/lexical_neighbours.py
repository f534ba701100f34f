"""Each paper's nearest papers by the exact TF-IDF cosine: where the feed's lexical scoring looks.

Scoring an interest against the whole catalogue (``LexicalModel.group_scores`` without neighbours) is a
sparse product over every posting: 2.3M postings for the 20,737-paper arXiv catalogue, ≈ 1.4 ms per
interest and pass, two passes with expansion, so 8–11 ms of a warm reader's feed (bench/rank.py). The
papers that can reach an interest's top are, with near certainty, among the nearest neighbours of its
own papers (an interest's query is the weighted sum of its papers' rows): on that catalogue, the union
of 200 neighbours per profile paper holds every one of the exact top 60 for the median interest and 97 %
of it for the worst (docs/benchmarks.md). So the index build stores each paper's ``k`` nearest rows, and
the feed scores only those candidates, exactly: no score is approximated, only which rows get one.

``nearest`` costs one sparse self-product of the catalogue, in chunks (≈ 20 s at 20k papers on one
core); ``candidate_rows`` is a gather of ``len(rows) × k`` ids into a mask over the catalogue.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Rows of the catalogue multiplied at once while building: a dense chunk × catalogue block of float32
# (512 × 20k ≈ 40 MB).
CHUNK = 512
# A missing neighbour (a paper sharing no term with enough others) in the stored table.
NONE = -1


def nearest(matrix: sp.csr_matrix, k: int, *, chunk: int = CHUNK) -> np.ndarray:
    """rows × min(k, rows − 1) int32: each row's nearest other rows by ``matrix @ matrix.T`` (cosines
    for L2-normalised rows), best first, ties by lower row; NONE past the rows it shares a term with."""
    n = matrix.shape[0]
    k = max(0, min(k, n - 1))
    out = np.full((n, k), NONE, dtype=np.int32)
    if k == 0:
        return out
    transposed = sp.csr_matrix(matrix.T, dtype=np.float32)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        block = np.asarray((matrix[start:stop] @ transposed).toarray(), dtype=np.float32)
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0  # a paper is not its own neighbour
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]  # k < n: always a proper partition
        scores = np.take_along_axis(block, top, axis=1)
        # best first, ties by lower row (lexsort's last key is the primary one)
        order = np.lexsort((top, -scores), axis=1)
        top, scores = np.take_along_axis(top, order, axis=1), np.take_along_axis(scores, order, axis=1)
        out[start:stop] = np.where(scores > 0, top, NONE)
    return out


def candidate_rows(neighbours: np.ndarray, rows: np.ndarray, k: int, *, also: np.ndarray | None = None,
                   without: np.ndarray | None = None) -> np.ndarray:
    """The sorted distinct rows among the first ``k`` neighbours of ``rows`` and the rows ``also``,
    except those where the boolean mask ``without`` (one entry per row) is set."""
    n = len(neighbours)
    mask = np.zeros(n + 1, dtype=bool)  # the extra last entry takes NONE (-1) and is dropped
    if len(rows) and k > 0:
        mask[np.asarray(neighbours[np.asarray(rows), :k]).ravel()] = True
    if also is not None and len(also):
        mask[also] = True
    mask = mask[:n]
    if without is not None:
        mask &= ~without
    return np.flatnonzero(mask)
