"""Compare two runs of bench/quality.py on the same users: a code change, not a setting.

    .venv/bin/python bench/quality.py ... --per-user before.npz      # on the old commit
    .venv/bin/python bench/quality.py ... --per-user after.npz       # on the new one, same arguments
    .venv/bin/python bench/compare_runs.py before.npz after.npz --model hybrid

``--grid`` compares settings within one run; this compares what a grid cannot (the engine's code), with
the same paired bootstrap over users (``evaluation.paired_bootstrap``, 95 %): "after − before" per metric,
its interval and the ratio of means. The two runs must have evaluated the same users.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from services.recommender import evaluation  # noqa: E402


def compare(before: Path, after: Path, model: str) -> list[tuple[str, float, float, float, float]]:
    """(metric, mean difference, low, high, after / before) for every metric of ``model`` in both runs."""
    a, b = np.load(before), np.load(after)
    if list(a["users"]) != list(b["users"]):
        raise SystemExit("the two runs evaluated different users: run them with the same arguments")
    rows = []
    for key in a.files:
        name, _, metric = key.partition("|")
        if name != model or key not in b.files:
            continue
        diff, low, high = evaluation.paired_bootstrap(b[key], a[key])
        base = float(a[key].mean())
        rows.append((metric, diff, low, high, float(b[key].mean()) / base if base > 0 else float("nan")))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--model", default="hybrid")
    args = parser.parse_args(argv)
    print(f"{args.model}: after − before, paired bootstrap over users (95 %)")
    print("| metric | difference | interval | ratio |\n|---|---|---|---|")
    for metric, diff, low, high, ratio in compare(Path(args.before), Path(args.after), args.model):
        print(f"| {metric} | {diff:+.4f} | [{low:+.4f}, {high:+.4f}] | {ratio:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
