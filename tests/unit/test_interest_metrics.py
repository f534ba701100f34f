"""Per-interest metrics, paired bootstrap and the tuning/reporting halves (issue 13), by hand."""

import numpy as np
import pytest

from services.recommender.evaluation import (
    REPORTING_HALF,
    TUNING_HALF,
    interests_shown,
    min_interest_recall,
    paired_bootstrap,
    user_half,
    user_scores,
)


def test_min_interest_recall_is_the_weaker_interest():
    ranked = ["a1", "x", "a2", "b1", "y"]
    by_interest = {"A": ["a1", "a2"], "B": ["b1", "b2"]}
    # @3: A finds 2 of 2, B 0 of 2 -> 0; @4: A 1.0, B 0.5 -> 0.5
    assert min_interest_recall(ranked, by_interest, 3) == 0.0
    assert min_interest_recall(ranked, by_interest, 4) == pytest.approx(0.5)
    # an interest without test papers is ignored; none at all scores 0
    assert min_interest_recall(ranked, {"A": ["a1"], "B": []}, 1) == 1.0
    assert min_interest_recall(ranked, {}, 5) == 0.0


def test_interests_shown_counts_interests_with_enough_of_the_top_k():
    ranked = ["p1", "p2", "p3", "q1", "z", "q2"]
    served = {"p1": "A", "p2": "A", "p3": "A", "q1": "B", "q2": "B"}
    assert interests_shown(ranked, served, k=4) == 2
    assert interests_shown(ranked, served, k=3) == 1
    assert interests_shown(ranked, served, k=6, at_least=2) == 2
    assert interests_shown(ranked, served, k=6, at_least=3) == 1
    assert interests_shown(["z"], served, k=10) == 0  # a paper serving no interest counts for none


def test_user_scores_are_per_user_and_average_to_evaluate():
    rankings = {"u": ["t", "a", "b"], "v": ["c", "d"]}
    scores = user_scores(rankings, {"u": ["a"], "v": ["d", "e"]}, {"u": ["t"]}, ["u", "v"], cutoffs=(1, 2),
                         ndcg_cutoff=1)
    assert scores["recall@1"].tolist() == [1.0, 0.0]  # u's train paper is dropped before the cut
    assert scores["recall@2"].tolist() == [1.0, 0.5]
    assert scores["ndcg@1"].tolist() == [1.0, 0.0]


def test_paired_bootstrap_interval_brackets_the_mean_and_sees_noise():
    rng = np.random.default_rng(1)
    base = rng.random(400)
    better = base + 0.05
    diff, low, high = paired_bootstrap(better, base)
    assert diff == pytest.approx(0.05) and low == pytest.approx(0.05) and high == pytest.approx(0.05)
    noisy = base + rng.normal(0, 0.2, 400)
    diff, low, high = paired_bootstrap(noisy, base)
    assert low < diff < high and low < 0 < high  # pure noise: the interval spans 0
    assert paired_bootstrap(noisy, base) == paired_bootstrap(noisy, base)  # seeded
    assert paired_bootstrap([], []) == (0.0, 0.0, 0.0)


def test_user_halves_are_stable_and_split_users_about_evenly():
    users = [f"u{k}" for k in range(2000)]
    halves = [user_half(u) for u in users]
    assert set(halves) == {TUNING_HALF, REPORTING_HALF}
    assert 900 < halves.count(TUNING_HALF) < 1100
    assert [user_half(u) for u in users] == halves
