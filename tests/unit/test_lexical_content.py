"""The exact TF-IDF scorer (lexical.py) and the content retriever's fusion (content.py), on tiny catalogues."""

import numpy as np
import pytest

from services.config import Settings
from services.recommender import index as faiss_index
from services.recommender.content import content_hits, fuse
from services.recommender.lexical import (
    FieldWeights,
    LexicalModel,
    _labels,
    item_scores,
    split_labels,
    top_positive,
)

PAPERS = [
    {"id": "v1", "title": "video object segmentation", "categories": ["computer-vision", "video"]},
    {"id": "v2", "title": "video object tracking", "categories": ["computer_vision", "video"]},
    {"id": "v3", "title": "segmentation of video frames", "categories": ["Computer Vision"]},
    {"id": "r1", "title": "robot arm grasping", "categories": ["robotics"]},
    {"id": "r2", "title": "robot grasping with tactile sensing", "categories": ["robotics"]},
    {"id": "g1", "title": "gene expression networks", "categories": ["biology"]},
]


def test_labels_are_one_token_whatever_their_spelling():
    assert _labels({"categories": ["small-world", "Small_World", "small world", " ", "cs.LG"]}) == \
        ["smallworld", "smallworld", "smallworld", "cat:cslg"]  # an arXiv category is marked as one
    assert _labels({}) == []


def test_categories_and_labels_on_many_papers_are_broad_tags_stay_fine():
    labelled = [["cat:cscv", "diffusion"], ["cat:cscv", "diffusion"], ["cat:cscv", "review"], ["review", "speech"],
                ["review", "speech"], ["review"], ["x"], ["x"], ["y"], ["y"]]
    fine, broad = split_labels(labelled, broad_share=0.3)  # 3 papers at most: "review" (4) is broad
    assert broad[0] == ["cat:cscv"] and broad[3] == ["review"] and fine[3] == ["speech"]
    assert fine[0] == ["diffusion"]
    # a tiny catalogue keeps its tags: at least 2 papers are needed to call a label broad
    assert split_labels([["a"], ["a"], ["b"]], broad_share=0.1)[0] == [["a"], ["a"], ["b"]]


def test_a_shared_category_is_a_weak_prior_not_a_topic():
    papers = [{"id": "d1", "title": "diffusion models for images", "categories": ["cs.CV"]},
              {"id": "d2", "title": "diffusion models for audio", "categories": ["cs.SD"]},
              {"id": "v1", "title": "object detection benchmark", "categories": ["cs.CV"]},
              {"id": "v2", "title": "object detection in video", "categories": ["cs.CV"]}]
    weak = LexicalModel.fit(papers, FieldWeights(labels=2.0, categories=0.25, broad_share=0.05))
    assert [pid for pid, _, _ in weak.top(["d1"], [1.0], 3)][0] == "d2"  # the topic, not the category
    strong = LexicalModel.fit(papers, FieldWeights(labels=2.0, categories=2.0, broad_share=0.05))
    assert [pid for pid, _, _ in strong.top(["d1"], [1.0], 3)][0] != "d2"  # what ×2 categories did


def test_item_scores_sum_weighted_sharpened_cosines():
    sims = np.array([[0.5, 0.0], [0.2, 0.4], [-0.3, 1.0]], dtype=np.float32)
    weights = np.array([2.0, 1.0], dtype=np.float32)
    assert np.allclose(item_scores(sims, weights, 1.0), [1.0, 0.8, 1.0])
    assert np.allclose(item_scores(sims, weights, 2.0), [0.5, 2 * 0.04 + 0.16, 1.0])
    assert item_scores(np.zeros((3, 0), dtype=np.float32), np.zeros(0, dtype=np.float32), 1.0).tolist() == [0, 0, 0]


def test_top_positive_orders_by_score_then_position_and_skips_zeros():
    scores = np.array([0.0, 0.5, 0.9, 0.5, 0.1], dtype=np.float32)
    assert top_positive(scores, 3).tolist() == [2, 1, 3]
    assert top_positive(scores, 10).tolist() == [2, 1, 3, 4]
    assert top_positive(np.zeros(3, dtype=np.float32), 2).tolist() == []


def test_rows_are_unit_length_and_profile_papers_never_come_back():
    model = LexicalModel.fit(PAPERS)
    norms = np.sqrt(np.asarray(model.matrix.multiply(model.matrix).sum(axis=1)).ravel())
    assert np.allclose(norms[:5], 1.0) and norms[5] == 0  # g1: no term shared with another paper
    top = model.top(["v1"], [1.0], 10)
    ids = [pid for pid, _, _ in top]
    assert "v1" not in ids
    assert ids[:2] in (["v2", "v3"], ["v3", "v2"])  # same words and the same (squashed) label
    assert "g1" not in ids  # nothing in common: score 0, left out
    assert all(anchor == "v1" for _, _, anchor in top)
    scores = [s for _, s, _ in top]
    assert scores == sorted(scores, reverse=True)


def test_each_hit_is_anchored_to_its_closest_profile_paper():
    model = LexicalModel.fit(PAPERS)
    anchors = {pid: anchor for pid, _, anchor in model.top(["v1", "r1"], [1.0, 1.0], 10)}
    assert anchors["v2"] == "v1" and anchors["r2"] == "r1"


def test_restricted_returns_only_candidates_but_profiles_still_count():
    model = LexicalModel.fit(PAPERS).restricted(["v3", "r2"])
    assert {pid for pid, _, _ in model.top(["v1", "v2"], [1.0, 1.0], 10)} == {"v3"}


def test_field_weights_choose_what_matters():
    labels_only = LexicalModel.fit(PAPERS, FieldWeights(title=0.0, abstract=0.0, labels=1.0))
    # r1 and r2 share only words of their titles besides the label: labels alone tie v2 and v3 to v1.
    ids = [pid for pid, _, _ in labels_only.top(["v1"], [1.0], 10)]
    assert set(ids) == {"v2", "v3"}


def test_a_profile_unknown_to_the_model_gives_nothing():
    model = LexicalModel.fit(PAPERS)
    assert model.top(["nope"], [1.0], 5) == []


def test_fuse_mixes_the_scaled_lexical_and_the_floored_dense_score():
    lexical = np.array([2.0, 1.0, 0.0], dtype=np.float32)
    dense = np.array([0.5, -0.2, 0.8], dtype=np.float32)
    assert np.allclose(fuse(lexical, dense, 0.6), [0.6 + 0.2, 0.3, 0.32])
    assert np.allclose(fuse(np.zeros(3, dtype=np.float32), dense, 0.6), [0.2, 0.0, 0.32])
    assert np.allclose(fuse(lexical, dense, 0.0), [0.5, 0.0, 0.8])


def _index(lexical: bool) -> faiss_index.LoadedIndex:
    rng = np.random.default_rng(0)
    topics = {"v": rng.normal(size=8), "r": rng.normal(size=8), "g": rng.normal(size=8)}
    vectors = np.stack([topics[p["id"][0]] + 0.1 * rng.normal(size=8) for p in PAPERS]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    built, _ = faiss_index.build(vectors, exact_below=100, hnsw_m=8)
    return faiss_index.LoadedIndex.in_memory(built, [p["id"] for p in PAPERS], vectors, version="t", embedder="t",
                                             ef_search=16, lexical=LexicalModel.fit(PAPERS) if lexical else None)


@pytest.mark.parametrize("share", [0.0, 0.6, 1.0])
@pytest.mark.parametrize("lexical", [True, False])
def test_content_hits_rank_the_users_topic_first_and_name_the_anchor(share, lexical):
    settings = Settings.from_env({"FEED_CONTENT_LEXICAL": str(share), "FEED_SIZE": "10"})
    hits = content_hits(_index(lexical), [{"paper_id": "v1", "kind": "star"}, {"paper_id": "r1", "kind": "read"}],
                        settings)
    ranked = [h.paper_id for h in sorted(hits, key=lambda h: -h.score)]
    assert "v1" not in ranked and "r1" not in ranked
    assert set(ranked[:3]) == {"v2", "v3", "r2"}
    reasons = {h.paper_id: h.reason for h in hits}
    assert (reasons["v2"].kind, reasons["v2"].paper_id) == ("similar_to_starred", "v1")
    assert (reasons["r2"].kind, reasons["r2"].paper_id) == ("similar_to_read", "r1")
    assert reasons["v2"].detail.endswith("which you starred") and reasons["r2"].detail.endswith("which you read")


def test_content_hits_of_an_empty_profile_are_empty():
    assert content_hits(_index(True), [], Settings.from_env({})) == []


def test_expansion_widens_a_one_paper_profile_and_keeps_its_own_papers_out():
    model = LexicalModel.fit(PAPERS)
    plain, _, _ = model.score(["v1"], [1.0])
    widened, _, _ = model.score(["v1"], [1.0], expansion=1.0)
    assert widened[model.positions["v1"]] == 0
    assert widened.max() > 1.0  # first query scaled to 1, plus the second one
    assert set(np.flatnonzero(widened > 0)) >= set(np.flatnonzero(plain > 0))
    # the expansion weight is divided by the profile's length: none at all without expansion
    assert np.allclose(model.score(["v1", "r1"], [1.0, 1.0], expansion=0.0)[0],
                       model.score(["v1", "r1"], [1.0, 1.0])[0])


def test_group_scores_score_each_group_alone_in_one_pass():
    model = LexicalModel.fit(PAPERS)
    groups = [["v1", "v2"], ["r1"]]
    columns = model.group_scores(groups, {"v1": 2.0, "v2": 1.0, "r1": 1.0})
    for g, (group, weights) in enumerate(zip(groups, ([2.0, 1.0], [1.0]), strict=True)):
        alone, _, _ = model.score(group, weights)
        alone[[model.positions[p] for p in ("v1", "v2", "r1")]] = 0  # every group's papers are left out
        assert np.allclose(columns[:, g], alone / alone.max(), atol=1e-6)
    widened = model.group_scores(groups, {"v1": 2.0, "v2": 1.0, "r1": 1.0}, expansion=1.0)
    assert np.allclose(widened.max(axis=0), 1.0) and (widened[:, 1] > 0).sum() >= (columns[:, 1] > 0).sum()


def test_rows_of_keeps_order_and_gives_an_unknown_paper_an_empty_row():
    model = LexicalModel.fit(PAPERS)
    rows = model.rows_of(["r1", "nope", "v1"])
    assert rows.shape[0] == 3 and rows[1].nnz == 0
    assert (rows[0] != model.matrix[model.positions["r1"]]).nnz == 0
    assert (model.rows_of(["v1"]) != model.matrix[[model.positions["v1"]]]).nnz == 0
