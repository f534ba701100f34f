import numpy as np
import pytest

from services.recommender.hits import Hit, Reason
from services.recommender.ranking import (
    Candidate,
    blend,
    drop,
    interest_clusters,
    mmr,
    normalise_scores,
    rank_scores,
)


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_normalise_scales_each_list_to_unit_range():
    assert normalise_scores([("a", 5.0), ("b", 3.0), ("c", 1.0)]) == [("a", 1.0), ("b", 0.5), ("c", 0.0)]
    assert normalise_scores([("a", 0.2)]) == [("a", 1.0)]
    assert normalise_scores([]) == []


def test_blend_sums_weighted_scores_and_keeps_every_reason():
    content = [Hit("p1", 0.9, Reason("similar_to_starred", "")), Hit("p2", 0.5, Reason("similar_to_starred", ""))]
    trending = [Hit("p2", 10.0, Reason("trending", "")), Hit("p3", 2.0, Reason("trending", ""))]
    candidates = blend({"content": content, "trending": trending}, {"content": 1.0, "trending": 0.5})
    assert candidates["p1"].score == 1.0
    assert candidates["p2"].score == 0.0 + 0.5 * 1.0
    assert [r.kind for r in candidates["p2"].reasons] == ["similar_to_starred", "trending"]
    assert candidates["p3"].score == 0.0
    assert set(drop(candidates, ["p1", "p9"])) == {"p2", "p3"}


def test_interest_clusters_keep_two_topics_apart():
    video = [unit(1, 0.1, 0), unit(1, 0, 0.1), unit(0.9, 0.1, 0.1)]
    robots = [unit(0, 1, 0.1), unit(0.1, 1, 0), unit(0, 0.9, 0.2)]
    labels = interest_clusters(np.stack(video + robots), 2)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]
    assert list(interest_clusters(np.stack(video), 1)) == [0, 0, 0]


def test_mmr_shows_the_second_interest_before_near_duplicates_of_the_first():
    vectors = {"a1": unit(1, 0, 0), "a2": unit(1, 0.01, 0), "a3": unit(1, 0, 0.01), "b1": unit(0, 1, 0)}
    candidates = [Candidate("a1", score=1.0), Candidate("a2", score=0.99), Candidate("a3", score=0.98),
                  Candidate("b1", score=0.8)]
    assert [c.paper_id for c in mmr(candidates, vectors, lam=0.6, size=4)][:2] == ["a1", "b1"]
    # with lam = 1 it is plain relevance order
    assert [c.paper_id for c in mmr(candidates, vectors, lam=1.0, size=4)] == ["a1", "a2", "a3", "b1"]


def test_mmr_handles_candidates_without_vectors_and_size():
    candidates = [Candidate("x", score=0.5), Candidate("y", score=0.7)]
    assert [c.paper_id for c in mmr(candidates, {}, lam=0.7, size=1)] == ["y"]
    assert mmr([], {}, lam=0.7, size=5) == []


def test_rank_scores_depend_on_order_only():
    assert rank_scores([("a", 0.2), ("b", 9.0), ("c", 1.0)], 1.0) == [("a", 2 / 4), ("b", 1.0), ("c", 2 / 3)]
    assert rank_scores([("a", 5.0), ("b", 5.0)], 0.0) == [("a", 1.0), ("b", 0.5)]
    assert rank_scores([], 60.0) == []


def test_rank_fusion_keeps_a_retriever_with_huge_raw_scores_on_the_same_scale():
    content = [Hit("p1", 0.9, Reason("c", "")), Hit("p2", 0.8, Reason("c", ""))]
    cf = [Hit("p3", 1000.0, Reason("cf", "")), Hit("p1", 999.0, Reason("cf", ""))]
    fused = blend({"content": content, "cf": cf}, {"content": 1.0, "cf": 1.0}, fusion="rank", rank_k=1.0)
    assert fused["p1"].score == 1.0 + 2 / 3
    assert fused["p3"].score == 1.0 and fused["p2"].score == 2 / 3
    with pytest.raises(ValueError):
        blend({"content": content}, {"content": 1.0}, fusion="nope")
