"""The plain TF-IDF reference row of every quality table, and which interest a shown paper serves.

Baseline: one TF-IDF row per paper over title + abstract (unigrams, sublinear tf, English stop words,
min_df 2; rows L2-normalised), a user's profile the normalised sum of their train papers' rows, papers
ranked by cosine to it (train papers left out; on the cold split only the new papers). No engine code: it
is the fixed yardstick the engine is compared with on every data set (citeulike-a has titles only, so
there it is a title TF-IDF).

Interest attribution (for "interests shown in the top 10"): a shown paper serves the interest of the
train paper it is most similar to by this TF-IDF cosine: an engine-independent judge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from services.recommender.evaluation import top_by_score

CHUNK = 256  # users scored at once (a CHUNK × catalogue dense block)


def fit(papers: Sequence[Mapping]) -> sp.csr_matrix:
    """The catalogue's TF-IDF rows (title + abstract), in ``papers`` order."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{p.get('title') or ''} {p.get('abstract') or ''}" for p in papers]
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2, dtype=np.float32)
    return sp.csr_matrix(vectorizer.fit_transform(texts), dtype=np.float32)


def rankings(matrix: sp.csr_matrix, ids: Sequence[str], users: Sequence[str], train: Mapping[str, Sequence[str]],
             depth: int, candidates: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Each user's ``depth`` best papers by cosine to their normalised profile (train papers excluded;
    only ``candidates`` when given). A user without a known train paper gets an empty list."""
    position = {pid: i for i, pid in enumerate(ids)}
    allowed = None
    if candidates is not None:
        allowed = np.zeros(len(ids), dtype=bool)
        allowed[[position[p] for p in candidates if p in position]] = True
    out: dict[str, list[str]] = {}
    for start in range(0, len(users), CHUNK):
        chunk = users[start:start + CHUNK]
        rows = [[position[p] for p in train.get(u, ()) if p in position] for u in chunk]
        picks = sp.csr_matrix((np.ones(sum(map(len, rows)), dtype=np.float32),
                               ([i for i, r in enumerate(rows) for _ in r], [c for r in rows for c in r])),
                              shape=(len(chunk), len(ids)))
        profiles = picks @ matrix
        norms = np.sqrt(np.asarray(profiles.multiply(profiles).sum(axis=1))).ravel()
        scores = np.asarray((profiles @ matrix.T).todense()) / np.maximum(norms, 1e-12)[:, None]
        if allowed is not None:
            scores[:, ~allowed] = -np.inf
        for i, user in enumerate(chunk):
            out[user] = top_by_score(scores[i], ids, depth, exclude=rows[i]) if rows[i] else []
    return out


def attribute(matrix: sp.csr_matrix, position: Mapping[str, int], shown: Sequence[str],
              interest_of_train: Mapping[str, str]) -> dict[str, str]:
    """Shown paper → the interest of the train paper (``interest_of_train``: train paper → interest) it
    is most similar to; papers without a row or without any shared term serve none."""
    train_ids = [p for p in interest_of_train if p in position]
    known = [p for p in shown if p in position]
    if not train_ids or not known:
        return {}
    sims = np.asarray((matrix[[position[p] for p in known]] @ matrix[[position[p] for p in train_ids]].T).todense())
    best = sims.argmax(axis=1)
    return {p: interest_of_train[train_ids[b]] for p, b, row in zip(known, best, sims, strict=True) if row[b] > 0}
