"""Stored nearest neighbours (lexical_neighbours.py) and the lexical scoring that looks only there."""

import numpy as np
import pytest
import scipy.sparse as sp

from services.recommender.lexical import NEIGHBOURS_FILE, LexicalModel
from services.recommender.lexical_neighbours import NONE, candidate_rows, nearest


def catalogue(n: int = 240, topics: int = 8, seed: int = 3) -> list[dict]:
    """Papers whose titles and abstracts draw words from one of ``topics`` vocabularies, plus shared ones."""
    rng = np.random.default_rng(seed)
    vocab = [[f"t{t}w{w}" for w in range(25)] for t in range(topics)]
    common = [f"common{w}" for w in range(40)]
    papers = []
    for i in range(n):
        topic = vocab[i % topics]
        words = list(rng.choice(topic, 6)) + list(rng.choice(common, 2))
        papers.append({"id": f"p{i}", "title": " ".join(words[:4]), "abstract": " ".join(words),
                       "categories": [f"cs.T{i % topics}"]})
    return papers


def test_nearest_is_each_rows_best_other_rows_by_cosine_best_first():
    matrix = sp.csr_matrix(np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32))
    table = nearest(matrix, 5, chunk=2)  # at most rows − 1 each; chunks do not change the answer
    assert table.shape == (4, 3) and table.dtype == np.int32
    assert table[0].tolist() == [1, NONE, NONE]      # row 2 and 3 share nothing with row 0
    assert table[1].tolist() == [0, 2, NONE]         # 0.8 before 0.6
    assert table[3].tolist() == [NONE, NONE, NONE]   # shares no term with anyone
    assert (nearest(matrix, 5, chunk=1) == table).all()


def test_candidate_rows_are_the_distinct_neighbours_of_the_rows_asked_for():
    table = np.array([[1, 2, NONE], [0, NONE, NONE], [3, 1, 0], [NONE, NONE, NONE]], dtype=np.int32)
    assert candidate_rows(table, np.array([0, 2]), 2).tolist() == [1, 2, 3]
    assert candidate_rows(table, np.array([3]), 3).tolist() == []
    assert candidate_rows(table, np.array([], dtype=np.int64), 3).tolist() == []


@pytest.mark.parametrize("expansion", [0.0, 1.0])
def test_with_every_neighbour_stored_looking_there_is_the_whole_scan(expansion):
    papers = catalogue(n=60)
    model = LexicalModel.fit(papers, neighbours=59)
    groups = [["p0", "p8", "p16"], ["p3"]]
    weights = {"p0": 2.0, "p8": 1.0, "p16": 1.0, "p3": 2.0}
    scanned = model.group_scores(groups, weights, expansion=expansion)
    looked = model.group_scores(groups, weights, expansion=expansion, neighbours=59)
    assert np.allclose(scanned, looked, atol=1e-6) and scanned.max() == pytest.approx(1.0)


def test_few_neighbours_score_their_rows_exactly_and_keep_the_top():
    papers = catalogue()
    full = LexicalModel.fit(papers)
    model = LexicalModel.fit(papers, neighbours=40)
    groups = [["p0", "p8"], ["p1"]]
    weights = {"p0": 2.0, "p8": 1.0, "p1": 1.0}
    scanned = full.group_scores(groups, weights)
    looked = model.group_scores(groups, weights, neighbours=40, also=["p7"])
    for g in range(2):
        scored = np.flatnonzero(looked[:, g])
        assert 0 < len(scored) < len(papers) // 2  # only a neighbourhood is scored
        # the same scores, up to the scale (each column's best is 1 in both)
        assert np.allclose(looked[scored, g], scanned[scored, g], atol=1e-6)
        top = set(np.argsort(-scanned[:, g])[:10].tolist())
        assert top <= set(scored.tolist())
    assert looked[model.positions["p7"], 1] > 0  # asked for: scored although not a neighbour of p1's
    assert looked[model.positions["p7"], 1] == pytest.approx(scanned[model.positions["p7"], 1], abs=1e-6)
    # fewer neighbours asked for than stored: fewer rows scored; none asked for: the whole scan
    assert (model.group_scores(groups, weights, neighbours=10) > 0).sum() < (looked > 0).sum()
    assert np.allclose(model.group_scores(groups, weights), scanned)


def test_a_restricted_model_scans_because_the_lists_do_not_know_the_mask():
    papers = catalogue(n=60)
    model = LexicalModel.fit(papers, neighbours=5).restricted([f"p{i}" for i in range(30, 60)])
    scores = model.group_scores([["p0"]], {"p0": 1.0}, neighbours=5)
    assert (scores[:30] == 0).all() and (scores[30:] > 0).sum() > 5


def test_neighbours_are_saved_and_loaded_memory_mapped_and_checked(tmp_path):
    papers = catalogue(n=50)
    model = LexicalModel.fit(papers, neighbours=7)
    model.save(tmp_path)
    loaded = LexicalModel.load(tmp_path, model.paper_ids)
    assert isinstance(loaded.neighbours, np.memmap) and (loaded.neighbours == model.neighbours).all()
    (tmp_path / "none").mkdir()
    LexicalModel.fit(papers).save(tmp_path / "none")
    assert LexicalModel.load(tmp_path / "none", model.paper_ids).neighbours is None  # an older index
    np.save(tmp_path / NEIGHBOURS_FILE, np.zeros((49, 7), dtype=np.int32))
    with pytest.raises(ValueError, match="neighbours"):
        LexicalModel.load(tmp_path, model.paper_ids)
    np.save(tmp_path / NEIGHBOURS_FILE, np.full((50, 7), 50, dtype=np.int32))  # a row that does not exist
    with pytest.raises(ValueError, match="neighbours"):
        LexicalModel.load(tmp_path, model.paper_ids)
