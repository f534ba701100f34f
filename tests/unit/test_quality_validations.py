"""bench/quality.py's validation carves and bench/tune.py's keep rule, on tiny synthetic data."""

from bench.quality import carve_cold_validation, carve_interest_validation
from bench.tune import verdict


def test_interest_validation_holds_out_each_interests_latest_equally():
    train = {"m0": ["a0", "a1", "a2", "a3", "b0", "b1"], "m1": ["c0", "d0"], "m2": ["e0", "e1"]}
    interests = {"m0": {**dict.fromkeys(["a0", "a1", "a2", "a3"], "A"), "b0": "B", "b1": "B"},
                 "m1": {"c0": "C", "d0": "D"}, "m2": {"e0": "E", "e1": "E"}}
    kept, held = carve_interest_validation(train, interests)
    assert held == {"m0": ["a3", "b1"]}  # n = min(4 // 2, 2 // 2) = 1 of each
    assert kept["m0"] == ["a0", "a1", "a2", "b0"]
    assert kept["m1"] == ["c0", "d0"] and kept["m2"] == ["e0", "e1"]  # too small / one interest: untested


def test_cold_validation_in_catalogue_order_holds_out_the_newest_papers():
    train = {"u": ["p0", "p1", "p2", "p3", "p4"], "v": ["p5", "p6", "p7", "p8", "p9"]}
    position = {f"p{i}": i for i in range(10)}
    kept, test, held = carve_cold_validation(train, order_by="catalogue", position=position)
    assert held == ["p8", "p9"]
    assert test == {"u": [], "v": ["p8", "p9"]} and kept["v"] == ["p5", "p6", "p7"]
    _, _, random_held = carve_cold_validation(train)
    assert len(random_held) == 2


def test_a_setting_is_kept_only_if_nothing_gets_worse_beyond_noise():
    better = {"a": {"recall@50": [0.01, 0.002, 0.02, 1.1]}, "b": {"recall@50": [0.0, -0.01, 0.01, 1.0]}}
    assert verdict(better) == "kept"
    worse_somewhere = {**better, "c": {"recall@300": [-0.01, -0.02, -0.001, 0.97]}}
    assert verdict(worse_somewhere) == "worse"
    assert verdict({"b": better["b"]}) == "no gain"
