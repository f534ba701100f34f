"""Experiments without I/O: override validation, stable assignment, the Settings a feed is ranked
with, team-draft interleaving, and the readout's statistics."""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
import pytest

from services.config import Settings
from services.errors import InvalidInput
from services.recommender import readout
from services.recommender.experiments import (
    INTERLEAVED,
    Experiment,
    Metric,
    Mode,
    Status,
    Surface,
    Variant,
    assign,
    bucket,
    canonical_overrides,
    overridable,
    treatment,
)
from services.recommender.interleaving import rank_treated, team_draft
from services.recommender.ranking import Candidate

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def experiment(id_=1, *variants: Variant, mode=Mode.SPLIT) -> Experiment:
    variants = variants or (Variant("a", 0.5, {}), Variant("b", 0.5, {"FEED_WEIGHT_CF": "0.9"}))
    return Experiment(id_, f"e{id_}", Surface.FEED, mode, False, Status.RUNNING, variants, T0,
                      T0 + dt.timedelta(days=1))


def test_overridable_settings_are_ranking_feed_settings_only():
    names = set(overridable())
    assert {"FEED_WEIGHT_CF", "FEED_FUSION", "FEED_MMR_LAMBDA", "FEED_CF_RESCORE"} <= names
    assert all(n.startswith("FEED_") for n in names)
    assert not names & {"FEED_RETENTION_HOURS", "FEED_REUSE_SECONDS", "FEED_PRECOMPUTE_MAX_USERS"}


def test_overrides_are_checked_by_the_settings_parsers():
    assert canonical_overrides({"FEED_WEIGHT_CF": 0.8, "FEED_CF_RESCORE": False, "FEED_FUSION": " minmax "},
                               "v") == {"FEED_WEIGHT_CF": "0.8", "FEED_CF_RESCORE": "false", "FEED_FUSION": "minmax"}
    for bad, message in (({"FEED_WEIGHT_CF": 101}, "from 0.0 to 100.0"), ({"FEED_FUSION": "sum"}, "one of"),
                         ({"DATABASE_URL": "x"}, "not a setting"), ({"FEED_SIZE": [1]}, "string, number")):
        with pytest.raises(InvalidInput) as caught:
            canonical_overrides(bad, "variants.1.overrides")
        (field, messages), = caught.value.errors.items()
        assert field == f"variants.1.overrides.{next(iter(bad))}" and message in messages[0]


def test_assignment_is_stable_uniform_and_independent_across_experiments():
    users = [f"user{i}" for i in range(20_000)]
    first = [bucket(1, u) for u in users]
    assert first == [bucket(1, u) for u in users] and all(0 <= b < 1 for b in first)
    assert abs(np.mean(first) - 0.5) < 0.01
    counts = np.histogram(first, bins=10, range=(0, 1))[0]
    assert counts.min() > 1800 and counts.max() < 2200
    # Another experiment reshuffles: its buckets are uncorrelated with the first one's.
    assert abs(np.corrcoef(first, [bucket(2, u) for u in users])[0, 1]) < 0.03
    partial = experiment(3, Variant("a", 0.2, {}), Variant("b", 0.2, {}))
    names = [getattr(assign(partial, u), "name", None) for u in users]
    assert abs(names.count(None) / len(users) - 0.6) < 0.02 and abs(names.count("a") - names.count("b")) < 400


def test_treatment_layers_defaults_then_variants_and_records_assignments():
    base = Settings()
    exp = experiment(1)
    user_b = next(u for u in (f"u{i}" for i in range(100)) if assign(exp, u).name == "b")
    user_a = next(u for u in (f"u{i}" for i in range(100)) if assign(exp, u).name == "a")
    defaults = {"FEED_WEIGHT_CF": "0.3", "FEED_MMR_LAMBDA": "0.7"}
    treated = treatment(base, defaults, [exp], user_b)
    assert (treated.settings.feed_weight_cf, treated.settings.feed_mmr_lambda) == (0.9, 0.7)
    assert treated.assignments == {"1": "b"} and treated.interleave is None
    control = treatment(base, defaults, [exp], user_a)
    assert control.settings.feed_weight_cf == 0.3 and control.assignments == {"1": "a"}
    assert treatment(base, {}, [], user_a).settings is base
    interleaved = treatment(base, {}, [experiment(2, *exp.variants, mode=Mode.INTERLEAVE)], user_a)
    assert interleaved.assignments == {"2": INTERLEAVED}
    (a, sa), (b, sb) = interleaved.interleave.teams
    assert (a, sa.feed_weight_cf, b, sb.feed_weight_cf) == ("a", base.feed_weight_cf, "b", 0.9)


def ranking_of(*ids: str) -> list[Candidate]:
    return [Candidate(pid, score=1.0 / (1 + i)) for i, pid in enumerate(ids)]


def test_team_draft_alternates_fairly_and_never_repeats():
    a = ranking_of(*"abcdefgh")
    b = ranking_of(*"bdfhaceg")
    for seed in range(50):
        chosen, teams = team_draft(a, b, ("A", "B"), 8, random.Random(seed))
        ids = [c.paper_id for c in chosen]
        assert sorted(ids) == list("abcdefgh")
        # After every pair of picks both teams have the same count (team draft's invariant).
        assert all(abs(teams[:k].count("A") - teams[:k].count("B")) <= 1 for k in range(1, 9))
        # Each team's picks appear in the order of its own ranking.
        for team, ranking in (("A", a), ("B", b)):
            mine = [pid for pid, t in zip(ids, teams, strict=True) if t == team]
            order = [c.paper_id for c in ranking]
            assert mine == sorted(mine, key=order.index)
    first_picks = [team_draft(a, b, ("A", "B"), 1, random.Random(s))[1][0] for s in range(400)]
    assert 150 < first_picks.count("A") < 250  # the coin is fair


def test_team_draft_lets_the_longer_list_finish():
    chosen, teams = team_draft(ranking_of("x"), ranking_of("y", "z", "w"), ("A", "B"), 10, random.Random(0))
    assert {c.paper_id for c in chosen} == {"x", "y", "z", "w"} and teams.count("A") == 1


def test_rank_treated_ranks_once_without_interleaving():
    calls = []
    base = Settings()
    ranked, teams = rank_treated(lambda s: calls.append(s) or ranking_of("p"), treatment(base, {}, [], "u"))
    assert teams is None and calls == [base] and [c.paper_id for c in ranked] == ["p"]


def test_ratio_delta_method_matches_the_spread_of_repeated_samples():
    rng = np.random.default_rng(0)
    estimates, variances = [], []
    for _ in range(400):
        impressions = rng.integers(5, 40, size=300).astype(float)
        propensity = rng.beta(2, 18, size=300)  # readers differ: clustered clicks
        clicks = rng.binomial(impressions.astype(int), propensity).astype(float)
        est = readout.ratio(clicks, impressions)
        estimates.append(est.value)
        variances.append(est.variance)
    assert np.std(estimates) == pytest.approx(math.sqrt(np.mean(variances)), rel=0.1)


def test_always_valid_interval_is_wider_than_the_fixed_one_and_shrinks_with_data():
    wide = readout.always_valid(readout.Estimate(0.05, 0.02 ** 2))
    fixed = readout.Estimate(0.05, 0.02 ** 2).interval()
    assert wide[0] < fixed[0] and wide[1] > fixed[1]
    narrower = readout.always_valid(readout.Estimate(0.05, 0.005 ** 2))
    assert narrower[1] - narrower[0] < wide[1] - wide[0] and narrower[0] > 0
    assert readout.always_valid(readout.Estimate(math.nan, math.inf)) == (-math.inf, math.inf)


def test_srm_flags_a_broken_split_only():
    assert not readout.srm([5010, 4990], [0.5, 0.5])["mismatch"]
    assert readout.srm([5300, 4700], [0.5, 0.5])["mismatch"]
    assert not readout.srm([2000, 8000], [0.2, 0.8])["mismatch"]


def columns(rng, n, ctr):
    impressions = rng.integers(10, 30, size=n).astype(float)
    clicks = rng.binomial(impressions.astype(int), ctr).astype(float)
    zeros = np.zeros(n)
    return {"feeds": np.ones(n), "impressions": impressions, "clicks": clicks, "stars": zeros,
            "dismisses": zeros, "reads": zeros, "active_days": np.ones(n)}


def test_split_readout_finds_the_better_variant_and_its_sign():
    rng = np.random.default_rng(1)
    out = readout.split_readout([("a", 0.5), ("b", 0.5)], {"a": columns(rng, 2000, 0.10),
                                                           "b": columns(rng, 2000, 0.13)}, Metric.CTR)
    ctr = next(c for c in out["comparisons"] if c["metric"] == "ctr")
    assert ctr["decision"] == "better" and 0.2 < ctr["estimate"] < 0.4 and out["winner"] == "b"
    flipped = readout.split_readout([("b", 0.5), ("a", 0.5)], {"a": columns(rng, 2000, 0.10),
                                                               "b": columns(rng, 2000, 0.13)}, Metric.CTR)
    assert next(c for c in flipped["comparisons"] if c["metric"] == "ctr")["decision"] == "worse"
    assert flipped["winner"] == "b"  # the control wins when every other variant is worse
    few = readout.split_readout([("a", 0.5), ("b", 0.5)], {"a": columns(rng, 10, 0.1), "b": columns(rng, 10, 0.5)},
                                Metric.CTR)
    assert not few["enough_readers"] and few["winner"] is None


def test_interleaved_readout_sign():
    rng = np.random.default_rng(2)
    clicks = np.stack([rng.poisson(1.0, 500), rng.poisson(1.4, 500)], axis=1).astype(float)
    out = readout.interleaved_readout(("a", "b"), clicks, np.zeros_like(clicks), np.full_like(clicks, 10))
    assert out["comparisons"][0]["estimate"] > 0 and out["winner"] == "b"
    swapped = readout.interleaved_readout(("b", "a"), clicks[:, ::-1], np.zeros_like(clicks), np.full_like(clicks, 10))
    assert swapped["comparisons"][0]["estimate"] < 0 and swapped["winner"] == "b"
