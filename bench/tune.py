"""Tune FEED_* settings on every data set's validation together; never on test.

    .venv/bin/python bench/tune.py --grid "FEED_MMR_LAMBDA=0.7,0.9" --users 300 --out bench/results/tune.json

Runs ``bench/quality.py``'s ``run`` on each validation below (holdouts carved from train, users of the
tuning half of ``evaluation.user_half`` only, so no reported test user is tuned on), each time ranking the
hybrid at the current settings and at every grid combination with the same index and CF model, and
compares each combination with the current settings by a paired bootstrap over the users (95 %).

A combination is **kept** only if on no validation any compared metric (recall@50, @100, @300, and the
per-interest recall@50/@300 on the two-interest one) is worse beyond noise (interval entirely below 0),
and on at least one some metric is better beyond noise (interval entirely above 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import quality  # noqa: E402
from bench.arxiv_eval import DEFAULT_OUT as ARXIV_EVAL  # noqa: E402

CITEULIKE = next((p for p in (REPO.parent / "shared" / "data" / "citeulike-a" / "eval",
                              REPO.parent.parent / "shared" / "data" / "citeulike-a" / "eval") if p.exists()),
                 REPO.parent / "shared" / "data" / "citeulike-a" / "eval")
# name → quality.py arguments of a validation that looks like one test split (see docs/quality.md).
VALIDATIONS = {
    "citeulike P1-like": ["--data", str(CITEULIKE), "--split", "P10", "--validation", "--validation-keep", "1"],
    "citeulike P10-like": ["--data", str(CITEULIKE), "--split", "P10", "--validation", "--validation-order",
                           "catalogue", "--validation-keep", "5"],
    "citeulike cold": ["--data", str(CITEULIKE), "--split", "cold", "--validation"],
    "arxiv P1-like": ["--data", str(ARXIV_EVAL), "--split", "cold", "--validation", "--validation-as", "P1",
                      "--validation-keep", "1", "--validation-order", "catalogue"],
    "arxiv multi": ["--data", str(ARXIV_EVAL), "--split", "multi", "--validation"],
    "arxiv cold": ["--data", str(ARXIV_EVAL), "--split", "cold", "--validation", "--validation-order", "catalogue"],
}


def verdict(rows: dict[str, dict[str, list[float]]]) -> str:
    """"kept", "worse" or "no gain" for one combination, from validation → metric → [diff, low, high, ratio]."""
    intervals = [v for metrics in rows.values() for v in metrics.values()]
    if any(high < 0 for _, _, high, _ in intervals):
        return "worse"
    return "kept" if any(low > 0 for _, low, _, _ in intervals) else "no gain"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", required=True, help='FEED_* combinations, as quality.py --grid')
    parser.add_argument("--users", type=int, default=300, help="users per validation (a seeded sample)")
    parser.add_argument("--only", action="append", default=[], choices=sorted(VALIDATIONS),
                        help="run only these validations (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="the settings compared against (as quality.py --set)")
    parser.add_argument("--cache-vectors", default=str(REPO / "bench" / "results" / "vectors"), metavar="DIR",
                        help="embedded vectors kept and reused across runs (as quality.py --cache-vectors)")
    parser.add_argument("--out", help="write every validation's report and the verdicts as JSON here")
    args = parser.parse_args(argv)
    reports = {}
    for name, extra in VALIDATIONS.items():
        if args.only and name not in args.only:
            continue
        print(f"{name} …", file=sys.stderr, flush=True)
        run_args = quality.parse_args([*extra, "--users", str(args.users), "--models", "tfidf,hybrid",
                                       "--grid", args.grid, "--cache-vectors", args.cache_vectors,
                                       *(f"--set={s}" for s in args.set)])
        reports[name] = quality.run(run_args)
        quality.print_table(reports[name])
    combos = {pair.removesuffix(" vs hybrid") for r in reports.values() for pair in r["comparisons"]
              if pair.endswith(" vs hybrid")}
    verdicts = {}
    print("\n| combination | validation | metric | difference | 95% interval |\n|---|---|---|---|---|")
    for combo in sorted(combos):
        rows = {name: r["comparisons"].get(f"{combo} vs hybrid", {}) for name, r in reports.items()}
        verdicts[combo] = verdict(rows)
        for name, metrics in rows.items():
            for metric, (diff, low, high, _) in metrics.items():
                print(f"| {combo} | {name} | {metric} | {diff:+.4f} | [{low:+.4f}, {high:+.4f}] |")
    print("\n" + "\n".join(f"{combo}: {v}" for combo, v in sorted(verdicts.items())))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"grid": args.grid, "users": args.users, "set": args.set,
                                              "verdicts": verdicts, "reports": reports}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
