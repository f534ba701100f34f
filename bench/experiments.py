"""A/A and A/B experiments simulated many times: false-positive rate and power of the readout.

Each run is one experiment with a fresh id: a synthetic population of readers arrives over the run,
each assigned by the service's own hash (``experiments.assign``); every reader has a click propensity
drawn from a Beta distribution (readers differ a lot, so clicks cluster by reader) and sees feeds of
10–30 items. The readout is computed by the service's own code (``readout.split_readout`` and
``readout.interleaved_readout``) after every batch of arrivals ("peeks"), as an operator refreshing
the dashboard would. For each run we record whether

- the always-valid interval (what the dashboard decides with) ever excluded zero, at any peek;
- the fixed-horizon 95% interval excluded zero at the planned end (looked at once);
- the fixed-horizon interval excluded zero at any peek (the mistake peeking-safe readouts prevent);
- the SRM check raised an alarm at the end.

Under A/A (identical variants) every one of these is a false positive; under A/B (variant b's
propensities multiplied by 1 + lift) the rate of correct "better" decisions is the power. The
interleaved rows model each feed as drafted half by each team, clicks per team drawn from the
reader's propensity (× (1 + lift) for b's items): same reader, same moment, so the between-reader
spread cancels. What the SQL behind a real readout counts is checked by the integration tests
(tests/integration/test_experiments.py), not here.

    nice -n 10 .venv/bin/python bench/experiments.py --runs 400 --out bench/results/experiments.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from services.recommender import readout  # noqa: E402
from services.recommender.experiments import (  # noqa: E402
    Experiment,
    Metric,
    Mode,
    Status,
    Surface,
    Variant,
    assign,
)

BASE_CTR = 0.08
CONCENTRATION = 8.0  # Beta(a, b) with a + b = 8: reader CTRs spread widely around BASE_CTR


def population(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    propensity = rng.beta(BASE_CTR * CONCENTRATION, (1 - BASE_CTR) * CONCENTRATION, size=n)
    impressions = rng.integers(10, 31, size=n)
    return propensity, impressions


def split_run(run: int, rng: np.random.Generator, readers: int, peeks: int, lift: float) -> dict[str, bool]:
    experiment = Experiment(10_000 + run, f"bench{run}", Surface.FEED, Mode.SPLIT, False, Status.RUNNING,
                            (Variant("a", 0.5, {}), Variant("b", 0.5, {})), None, None)
    users = [f"run{run}-reader{i}" for i in range(readers)]
    in_b = np.array([assign(experiment, u).name == "b" for u in users])
    propensity, impressions = population(rng, readers)
    clicks = rng.binomial(impressions, np.minimum(1.0, propensity * np.where(in_b, 1 + lift, 1.0)))
    seen = {"always_valid_any_peek": False, "fixed_any_peek": False, "decision": "undecided"}
    for k in range(1, peeks + 1):
        n = readers * k // peeks
        cols = {}
        for name, mask in (("a", ~in_b[:n]), ("b", in_b[:n])):
            imp, clk = impressions[:n][mask].astype(float), clicks[:n][mask].astype(float)
            zeros = np.zeros(len(imp))
            cols[name] = {"feeds": np.ones(len(imp)), "impressions": imp, "clicks": clk, "stars": zeros,
                          "dismisses": zeros, "reads": zeros, "active_days": np.ones(len(imp))}
        out = readout.split_readout([("a", 0.5), ("b", 0.5)], cols, Metric.CTR)
        ctr = next(c for c in out["comparisons"] if c["metric"] == "ctr")
        fixed_low, fixed_high = ctr["ci"]
        if ctr["decision"] != "undecided" and seen["decision"] == "undecided":
            seen["decision"] = ctr["decision"]  # the operator stops at the first decision
        seen["always_valid_any_peek"] |= ctr["decision"] != "undecided"
        seen["fixed_any_peek"] |= out["enough_readers"] and fixed_low is not None and (fixed_low > 0 or fixed_high < 0)
    seen["fixed_at_end"] = fixed_low is not None and (fixed_low > 0 or fixed_high < 0)
    seen["srm_alarm"] = bool(out["srm"]["mismatch"])
    return seen


def interleaved_run(rng: np.random.Generator, readers: int, peeks: int, lift: float) -> dict[str, bool]:
    propensity, impressions = population(rng, readers)
    team_a = impressions // 2 + rng.integers(0, 2, size=readers) * (impressions % 2)  # odd feeds: a coin
    team_b = impressions - team_a
    clicks = np.stack([rng.binomial(team_a, propensity),
                       rng.binomial(team_b, np.minimum(1.0, propensity * (1 + lift)))], axis=1).astype(float)
    shown = np.stack([team_a, team_b], axis=1).astype(float)
    seen = {"always_valid_any_peek": False, "fixed_any_peek": False, "decision": "undecided"}
    for k in range(1, peeks + 1):
        n = readers * k // peeks
        out = readout.interleaved_readout(("a", "b"), clicks[:n], np.zeros((n, 2)), shown[:n])
        pref = out["comparisons"][0]
        low, high = pref["ci"]
        if pref["decision"] != "undecided" and seen["decision"] == "undecided":
            seen["decision"] = pref["decision"]
        seen["always_valid_any_peek"] |= pref["decision"] != "undecided"
        seen["fixed_any_peek"] |= pref["readers"] >= readout.MIN_READERS and low is not None and (low > 0 or high < 0)
    seen["fixed_at_end"] = low is not None and (low > 0 or high < 0)
    seen["srm_alarm"] = False
    return seen


def scenario(name: str, mode: str, lift: float, readers: int, runs: int, peeks: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    results = [split_run(r, rng, readers, peeks, lift) if mode == "split" else interleaved_run(rng, readers, peeks, lift)
               for r in range(runs)]

    def rate(key: str) -> float:
        return round(sum(r[key] for r in results) / runs, 4)

    return {"scenario": name, "mode": mode, "true_lift": lift, "readers": readers, "runs": runs, "peeks": peeks,
            "always_valid_any_peek": rate("always_valid_any_peek"),
            "correct_decision": round(sum(r["decision"] == "better" for r in results) / runs, 4),
            "wrong_sign": round(sum(r["decision"] == "worse" for r in results) / runs, 4),
            "fixed_at_end": rate("fixed_at_end"), "fixed_any_peek": rate("fixed_any_peek"),
            "srm_alarm": rate("srm_alarm"), "seconds": round(time.perf_counter() - started, 1)}


def treatment_cost(iterations: int) -> dict:
    """What an experiment adds to every ranked feed besides the ranking itself: the one query that reads
    the running experiments and promoted defaults, parsing them, hashing the reader and building the
    treated Settings. Wall and CPU time per feed, with nothing running and with one split experiment
    and three promoted defaults (a real database; fresh_database from bench.common)."""
    from bench.common import fresh_database
    from services.config import Settings
    from services.db import Database
    from services.recommender import experiment_admin
    from services.recommender.experiments import load_treatment
    from services.store import experiments as store

    out = {}
    with fresh_database("bench") as (_, url):
        db = Database(url, min_size=1, max_size=1)
        settings = Settings()

        def measure(label: str) -> None:
            with db.connection() as conn:
                for i in range(50):
                    load_treatment(conn, settings, f"warm{i}")
                wall, cpu = time.perf_counter(), time.process_time()
                for i in range(iterations):
                    load_treatment(conn, settings, f"reader{i}")
                out[label] = {"wall_ms": round((time.perf_counter() - wall) * 1000 / iterations, 3),
                              "cpu_ms": round((time.process_time() - cpu) * 1000 / iterations, 3)}

        measure("no_experiment")
        with db.connection() as conn:
            experiment_admin.create(conn, {"name": "cost", "variants": [
                {"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "overrides": {"FEED_MMR_LAMBDA": "0.8"}}]},
                created_by="bench")
            store.set_defaults(conn, {"FEED_WEIGHT_CF": "0.6", "FEED_FUSION": "rank", "FEED_RANK_K": "50"}, "bench")
        measure("split_experiment_and_3_defaults")
        db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--readers", type=int, default=4000)
    parser.add_argument("--peeks", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--lift", type=float, default=0.15, help="true relative CTR lift of the A/B rows")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "experiments.json")
    parser.add_argument("--treatment-cost", type=int, metavar="N", default=0,
                        help="only measure the per-feed cost of reading the treatment, N times")
    args = parser.parse_args()
    if args.treatment_cost:
        print(json.dumps(treatment_cost(args.treatment_cost), indent=2))
        return
    scenarios = [
        ("A/A split", "split", 0.0, args.readers),
        (f"A/B split, +{args.lift:.0%} CTR", "split", args.lift, args.readers),
        ("A/A interleaved", "interleave", 0.0, args.readers),
        (f"A/B interleaved, +{args.lift:.0%} CTR", "interleave", args.lift, args.readers),
        (f"A/B interleaved, +{args.lift:.0%} CTR", "interleave", args.lift, args.readers // 4),
    ]
    rows = [scenario(name, mode, lift, readers, args.runs, args.peeks, args.seed + i)
            for i, (name, mode, lift, readers) in enumerate(scenarios)]
    header = (f"{'scenario':28} {'readers':>7} {'runs':>5} {'always-valid, any peek':>22} {'correct':>8} "
              f"{'wrong sign':>10} {'fixed CI at end':>15} {'fixed CI, any peek':>18} {'SRM alarm':>9}")
    print(header)
    for r in rows:
        print(f"{r['scenario']:28} {r['readers']:>7} {r['runs']:>5} {r['always_valid_any_peek']:>22.3f} "
              f"{r['correct_decision']:>8.3f} {r['wrong_sign']:>10.3f} {r['fixed_at_end']:>15.3f} "
              f"{r['fixed_any_peek']:>18.3f} {r['srm_alarm']:>9.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"alpha": readout.ALPHA, "mixture_scale": readout.MIXTURE_SCALE,
                                    "srm_alpha": readout.SRM_ALPHA, "base_ctr": BASE_CTR,
                                    "concentration": CONCENTRATION, "seed": args.seed, "scenarios": rows}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
