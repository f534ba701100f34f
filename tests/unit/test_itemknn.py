"""The item-item neighbour model: co-readership cosine, top neighbours, profile scores and reasons."""

import numpy as np
import pytest
import scipy.sparse as sp

from services.recommender.itemknn import ItemKnn, fit_similarities, history_factor

# Readers 0-2 save a, b, c together; readers 3-4 save d and e; reader 5 saves a and e.
ITEMS = ["a", "b", "c", "d", "e", "f"]
SAVES = [(0, "a"), (0, "b"), (0, "c"), (1, "a"), (1, "b"), (1, "c"), (2, "a"), (2, "b"),
         (3, "d"), (3, "e"), (4, "d"), (4, "e"), (5, "a"), (5, "e")]


def matrix() -> sp.csr_matrix:
    rows, cols = zip(*[(u, ITEMS.index(p)) for u, p in SAVES], strict=True)
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(6, len(ITEMS)))


def test_similarities_are_shrunk_cosines_without_self_and_cut_at_k():
    exact = fit_similarities(matrix(), neighbours=10, shrink=0.0).toarray()
    assert exact[0, 1] == pytest.approx(3 / np.sqrt(4 * 3))  # a·b = 3 readers, |a| = 2, |b| = √3
    assert np.allclose(np.diag(exact), 0.0) and exact[0, 5] == 0.0  # f has no readers
    shrunk = fit_similarities(matrix(), neighbours=10, shrink=5.0).toarray()
    assert shrunk[0, 1] == pytest.approx(3 / (np.sqrt(4 * 3) + 5.0), rel=1e-5)
    top1 = fit_similarities(matrix(), neighbours=1, shrink=0.0)
    assert np.diff(top1.indptr).max() == 1 and top1[0].indices.tolist() == [1]


def test_pairs_with_fewer_readers_in_common_than_the_minimum_are_not_neighbours(monkeypatch):
    every = fit_similarities(matrix(), neighbours=10, shrink=0.0).toarray()
    assert every[0, 4] > 0  # a and e: reader 5 alone saved both
    two = fit_similarities(matrix(), neighbours=10, shrink=0.0, min_common=2).toarray()
    assert two[0, 4] == 0.0 and two[4, 0] == 0.0
    assert two[0, 1] == pytest.approx(every[0, 1]) and two[3, 4] == pytest.approx(every[3, 4])  # 3 and 2 readers
    three = fit_similarities(matrix(), neighbours=10, shrink=0.0, min_common=3).toarray()
    assert three[0, 1] > 0 and three[3, 4] == 0.0 and three[0, 2] == 0.0  # a·c: 2 readers
    monkeypatch.setattr("services.recommender.itemknn.BLOCK", 2)
    assert np.allclose(fit_similarities(matrix(), neighbours=10, shrink=0.0, min_common=2).toarray(), two)


def test_blocks_give_the_same_matrix(monkeypatch):
    whole = fit_similarities(matrix(), neighbours=3, shrink=1.0).toarray()
    monkeypatch.setattr("services.recommender.itemknn.BLOCK", 2)
    assert np.allclose(fit_similarities(matrix(), neighbours=3, shrink=1.0).toarray(), whole)


def test_hits_rank_co_read_papers_and_name_the_contributing_profile_paper():
    model = ItemKnn.fit(ITEMS, matrix(), neighbours=10, shrink=0.0)
    hits = model.hits([{"paper_id": "a", "kind": "star", "title": "Paper A"}, {"paper_id": "d", "kind": "read"}], 10)
    found = [h.paper_id for h in hits]
    assert "a" not in found and "d" not in found and "f" not in found
    assert found[0] == "b" and hits[0].reason.paper_id == "a" and "Paper A" in hits[0].reason.detail
    assert next(h for h in hits if h.paper_id == "e").reason.paper_id == "d"
    half = model.hits([{"paper_id": "a", "kind": "star"}], 10, factor=0.5)
    full = model.hits([{"paper_id": "a", "kind": "star"}], 10)
    assert [h.score for h in half] == pytest.approx([h.score / 2 for h in full])
    assert model.hits([{"paper_id": "unknown", "kind": "star"}], 10) == []
    assert model.hits([{"paper_id": "a", "kind": "star"}], 10, factor=0.0) == []


def test_history_factor_gates_then_grows():
    assert history_factor(2, 3, 10) == 0.0
    assert history_factor(3, 3, 10) == pytest.approx(1 / 8)
    assert history_factor(10, 3, 10) == 1.0 and history_factor(50, 3, 10) == 1.0
    assert history_factor(3, 3, 3) == 1.0


def test_round_trip(tmp_path):
    model = ItemKnn.fit(ITEMS, matrix(), neighbours=2, shrink=1.0)
    model.save(tmp_path)
    again = ItemKnn.load(tmp_path)
    assert again.items == model.items and (again.similarities != model.similarities).nnz == 0
    assert ItemKnn.load(tmp_path / "none") is None
