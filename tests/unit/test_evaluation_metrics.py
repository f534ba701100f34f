import math

import numpy as np
import pytest

from services.recommender.evaluation import evaluate, ndcg_at, recall_at, top_by_score, without_train


def test_recall_counts_test_hits_in_the_top_m_over_all_test_items():
    ranked = ["a", "b", "c", "d", "e"]
    assert recall_at(ranked, {"b", "e", "z"}, 2) == pytest.approx(1 / 3)
    assert recall_at(ranked, {"b", "e", "z"}, 5) == pytest.approx(2 / 3)
    assert recall_at(ranked, {"b"}, 1) == 0.0
    assert recall_at(ranked, set(), 5) == 0.0


def test_ndcg_by_hand():
    # hits at ranks 2 and 4 of 3 relevant: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3) + 1/log2(4)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3) + 0.5)
    assert ndcg_at(["x", "a", "y", "b", "z"], {"a", "b", "c"}, 5) == pytest.approx(expected)
    # the ideal is capped at M: one slot, one hit at the top is perfect
    assert ndcg_at(["a", "b"], {"a", "b", "c"}, 1) == pytest.approx(1.0)
    assert ndcg_at(["x", "a"], {"a"}, 1) == 0.0


def test_train_items_are_removed_before_the_cut():
    assert without_train(["t1", "a", "t2", "b", "a"], {"t1", "t2"}) == ["a", "b"]
    # "a" is at rank 2 in the raw list but rank 1 once the train paper is dropped
    result = evaluate({"u": ["t", "a", "b"]}, {"u": {"a"}}, {"u": {"t"}}, cutoffs=(1,), ndcg_cutoff=1)
    assert result["recall@1"] == 1.0 and result["ndcg@1"] == 1.0


def test_average_over_users_with_test_items_and_missing_rankings_score_zero():
    rankings = {"u1": ["a", "b"], "u3": ["q"]}
    test = {"u1": {"a", "c"}, "u2": {"x"}, "u3": set()}  # u3 has no test item: not counted
    result = evaluate(rankings, test, {}, cutoffs=(1, 2), ndcg_cutoff=2)
    assert result["users"] == 2
    assert result["recall@1"] == pytest.approx((0.5 + 0.0) / 2)
    assert result["recall@2"] == pytest.approx((0.5 + 0.0) / 2)
    assert result["ndcg@2"] == pytest.approx((1.0 / (1 + 1 / math.log2(3))) / 2)


def test_top_by_score_excludes_positions_and_orders_best_first():
    ids = ["a", "b", "c", "d"]
    assert top_by_score(np.array([0.1, 0.9, 0.5, 0.7]), ids, 3) == ["b", "d", "c"]
    assert top_by_score(np.array([0.1, 0.9, 0.5, 0.7]), ids, 3, exclude=[1]) == ["d", "c", "a"]
    assert top_by_score(np.array([0.1, 0.9]), ids[:2], 5, exclude=[0, 1]) == []
