"""An experiment's readout from per-reader counts: estimates, intervals, SRM, and a decision that
stays valid however often it is looked at. Pure (numpy and scipy only): the bench drives it directly.

Statistics, and why:
- The unit is the reader (assignment is by reader), so every rate is a ratio of per-reader sums
  (clicks / impressions) and its variance comes from the delta method over readers, not from
  treating impressions as independent (one keen reader's clicks are not independent draws).
- Each variant is compared with the first one (the control) by relative lift ``r_v / r_control - 1``,
  with a fixed-horizon 95% interval (delta method) for reference, and an **always-valid** interval:
  the confidence sequence of the mixture SPRT with a normal mixture of scale MIXTURE_SCALE (Johari,
  Pekelis & Walsh, "Always valid inference", 2017): it may be recomputed after every reader and
  stopped at any time while keeping its coverage, so peeking at the dashboard does not inflate false
  positives. Only the always-valid interval decides (``better``/``worse``/``undecided``).
- Sample-ratio mismatch: a chi-square test of readers per variant against the shares; p < SRM_ALPHA
  means assignment or logging is broken and no result should be trusted.
- Interleaving: per reader, the preference ``(c_b - c_a) / (c_a + c_b)`` over the clicks credited to
  each team; its mean over readers who clicked, with the same two intervals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from services.recommender.experiments import Metric

ALPHA = 0.05
Z_FIXED = float(stats.norm.ppf(1 - ALPHA / 2))
# The normal mixture's standard deviation, in units of the compared quantity (relative lift, or
# interleaving preference): the size of effect the test is most sensitive to. 10 % is typical of
# ranking changes worth making; a much smaller true effect still ends significant, only later.
MIXTURE_SCALE = 0.1
SRM_ALPHA = 0.001
# Below this many readers in a variant (or clicking readers, interleaved), the normal approximations
# behind every interval are not trusted and no decision is made.
MIN_READERS = 30
# metric → (numerator column, denominator column, higher is better)
RATIOS: dict[Metric, tuple[str, str, bool]] = {
    Metric.CTR: ("clicks", "impressions", True),
    Metric.STAR_RATE: ("stars", "impressions", True),
    Metric.DISMISS_RATE: ("dismisses", "impressions", False),
    Metric.READS_PER_READER_DAY: ("reads", "active_days", True),
}
COUNTS = ("feeds", "impressions", "clicks", "stars", "dismisses", "reads", "active_days")


@dataclass(frozen=True)
class Estimate:
    value: float
    variance: float

    def interval(self, z: float = Z_FIXED) -> tuple[float, float]:
        half = z * math.sqrt(self.variance) if math.isfinite(self.variance) else math.inf
        return self.value - half, self.value + half


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> Estimate:
    """sum(numerator) / sum(denominator) over readers, with its delta-method variance."""
    n = len(numerator)
    total = float(denominator.sum())
    if n == 0 or total <= 0:
        return Estimate(math.nan, math.inf)
    value = float(numerator.sum()) / total
    if n < 2:
        return Estimate(value, math.inf)
    residual = numerator - value * denominator
    return Estimate(value, float(residual.var(ddof=1)) / (n * (total / n) ** 2))


def mean(values: np.ndarray) -> Estimate:
    n = len(values)
    if n == 0:
        return Estimate(math.nan, math.inf)
    return Estimate(float(values.mean()), float(values.var(ddof=1)) / n if n > 1 else math.inf)


def lift(control: Estimate, treated: Estimate) -> Estimate:
    """treated / control - 1 (independent groups), delta method."""
    if not control.value or not math.isfinite(control.value) or not math.isfinite(treated.value):
        return Estimate(math.nan, math.inf)
    q = treated.value / control.value
    variance = treated.variance / control.value ** 2 + q ** 2 * control.variance / control.value ** 2
    return Estimate(q - 1.0, variance)


def always_valid(estimate: Estimate, alpha: float = ALPHA, scale: float = MIXTURE_SCALE) -> tuple[float, float]:
    """The mSPRT confidence sequence around ``estimate`` (normal mixture N(0, scale²)): rejecting
    θ when the mixture likelihood ratio exceeds 1/alpha gives the half-width below."""
    v, tau2 = estimate.variance, scale ** 2
    if not math.isfinite(v) or not math.isfinite(estimate.value):
        return -math.inf, math.inf
    if v <= 0:
        return estimate.value, estimate.value
    half = math.sqrt(v * (v + tau2) / tau2 * (math.log((v + tau2) / v) + 2 * math.log(1 / alpha)))
    return estimate.value - half, estimate.value + half


def srm(readers: Sequence[int], shares: Sequence[float]) -> dict[str, object]:
    """Chi-square test of readers per variant against their traffic shares."""
    total = sum(readers)
    if total == 0 or len(readers) < 2:
        return {"p_value": None, "mismatch": False}
    expected = [total * s / sum(shares) for s in shares]
    p_value = float(stats.chisquare(readers, expected).pvalue)
    return {"p_value": p_value, "mismatch": p_value < SRM_ALPHA,
            "expected": [round(e, 1) for e in expected], "observed": list(readers)}


def _decision(low: float, high: float, higher_is_better: bool, enough: bool) -> str:
    if not enough or not (math.isfinite(low) and math.isfinite(high)):
        return "undecided"
    if low > 0:
        return "better" if higher_is_better else "worse"
    if high < 0:
        return "worse" if higher_is_better else "better"
    return "undecided"


def _finite(x: float) -> float | None:
    return round(x, 6) if math.isfinite(x) else None


def _comparison(metric: str, name: str, control: str, estimate: Estimate, higher_is_better: bool,
                enough: bool) -> dict[str, object]:
    fixed = estimate.interval()
    valid = always_valid(estimate)
    return {"metric": metric, "variant": name, "control": control, "estimate": _finite(estimate.value),
            "ci": [_finite(fixed[0]), _finite(fixed[1])], "always_valid": [_finite(valid[0]), _finite(valid[1])],
            "decision": _decision(*valid, higher_is_better, enough)}


def split_readout(variants: Sequence[tuple[str, float]], readers: Mapping[str, Mapping[str, np.ndarray]],
                  primary: Metric) -> dict[str, object]:
    """``variants``: (name, share) with the control first; ``readers``: variant → column → one value
    per reader (COUNTS). Returns the JSON readout (see docs/experiments.md)."""
    empty = np.zeros(0)
    rows, estimates = [], {}
    for name, share in variants:
        cols = readers.get(name, {})
        n = len(cols.get("impressions", empty))
        metrics = {}
        for metric, (num, den, _) in RATIOS.items():
            est = ratio(np.asarray(cols.get(num, empty), float), np.asarray(cols.get(den, empty), float))
            estimates[(name, metric)] = est
            low, high = est.interval()
            metrics[metric.value] = {"value": _finite(est.value), "ci": [_finite(low), _finite(high)]}
        rows.append({"name": name, "share": share, "readers": n,
                     **{c: int(np.asarray(cols.get(c, empty)).sum()) for c in ("feeds", "impressions", "clicks",
                                                                              "stars", "dismisses", "reads")},
                     "metrics": metrics})
    control = variants[0][0]
    enough = all(r["readers"] >= MIN_READERS for r in rows)
    comparisons = [
        _comparison(metric.value, name, control, lift(estimates[(control, metric)], estimates[(name, metric)]),
                    higher, enough)
        for name, _ in variants[1:] for metric, (_, _, higher) in RATIOS.items()]
    check = srm([r["readers"] for r in rows], [s for _, s in variants])
    return {"mode": "split", "primary_metric": primary.value, "variants": rows, "comparisons": comparisons,
            "srm": check, "enough_readers": enough, "min_readers": MIN_READERS,
            "winner": None if check["mismatch"] else _winner(control, comparisons, primary.value),
            "alpha": ALPHA, "mixture_scale": MIXTURE_SCALE}


def _winner(control: str, comparisons: Sequence[Mapping[str, object]], primary: str) -> str | None:
    """The variant significantly better than the control on the primary metric (the largest lift if
    several; lower is better for dismiss rate), the control if every other one is significantly worse."""
    mine = [c for c in comparisons if c["metric"] == primary]
    sign = -1 if primary == Metric.DISMISS_RATE.value else 1
    better = [c for c in mine if c["decision"] == "better"]
    if better:
        return max(better, key=lambda c: sign * c["estimate"])["variant"]
    if mine and all(c["decision"] == "worse" for c in mine):
        return control
    return None


def interleaved_readout(names: tuple[str, str], clicks: np.ndarray, stars: np.ndarray,
                        impressions: np.ndarray) -> dict[str, object]:
    """``clicks``/``stars``/``impressions``: shape (readers, 2), column 0 for ``names[0]``'s team.

    Preference for ``names[1]`` per reader who engaged: (b - a) / (a + b), in [-1, 1]; 0 is no preference."""
    a, b = names
    rows = [{"name": name, "readers": int(len(impressions)), "impressions": int(impressions[:, i].sum()),
             "clicks": int(clicks[:, i].sum()), "stars": int(stars[:, i].sum())} for i, name in enumerate(names)]
    comparisons = []
    for metric, counts in (("click_preference", clicks), ("star_preference", stars)):
        engaged = counts.sum(axis=1) > 0
        pref = (counts[engaged, 1] - counts[engaged, 0]) / counts[engaged].sum(axis=1)
        comparison = _comparison(metric, b, a, mean(pref.astype(float)), True, int(engaged.sum()) >= MIN_READERS)
        comparison["readers"] = int(engaged.sum())
        comparisons.append(comparison)
    primary = comparisons[0]
    winner = {"better": b, "worse": a}.get(primary["decision"])
    return {"mode": "interleave", "primary_metric": "click_preference", "variants": rows, "comparisons": comparisons,
            "srm": None, "enough_readers": primary["readers"] >= MIN_READERS, "min_readers": MIN_READERS,
            "winner": winner, "alpha": ALPHA, "mixture_scale": MIXTURE_SCALE}
