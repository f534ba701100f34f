"""Build an evaluation set in the plain format (bench/quality.py) from the arXiv cs catalogue (CC0).

    .venv/bin/python bench/arxiv_eval.py --out bench/results/arxiv-eval
    .venv/bin/python bench/quality.py --data bench/results/arxiv-eval --split P1

The catalogue (../shared/data/arxiv-cs-2026q2/papers.jsonl) has no readers, so authors stand in for them:
an author's papers of the quarter are one interest. Authors are removed from the items (only ``id``,
``title``, ``abstract``, ``categories`` are written), so finding an author's other papers is a content
task, as on Paperfeed's own catalogue. Papers are taken in time order (``first_listed``, then id).

Readers are authors with at least ``MIN_PAPERS`` papers; authors with exactly the same papers (co-authors
of everything) are one reader. A reader's id is ``u<k>``, k the author's position among all authors
sorted by name, so one author has one id in every split (the tuning/reporting halves of
``evaluation.user_half`` then hold across splits). Three splits:

- ``P1`` (one-paper profiles): train = the reader's first paper, test = their later ones;
- ``multi`` (two interests): two authors of different fields (an author's field is the most common first
  category of their papers; the two share no paper) merged into one reader ``m<k>``; each keeps their
  earlier papers as train and gives the same number n of their latest papers as test
  (n = min of the two paper counts // 2, at most ``MULTI_MAX_TEST``). ``interests-multi.tsv`` says which
  author (interest) each of the reader's train and test papers belongs to;
- ``cold`` (new papers): the newest ``COLD_SHARE`` of the catalogue (by time order) are ``cold-items.txt``;
  a reader with papers on both sides has their older papers as train and their new ones as test.

Each split keeps at most ``--max-users`` readers (a seeded sample). Seeded and deterministic: the same
catalogue and seed give byte-identical files. The data stays out of git (bench/results/ is ignored);
build it on demand. The split logic is pure (``build``), unit-tested on tiny synthetic catalogues.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
# ../shared/data from the main checkout (helpers' worktrees sit one level deeper).
DEFAULT_SOURCE = next((p for p in (base / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl"
                                   for base in (REPO.parent, REPO.parent.parent)) if p.exists()),
                      REPO.parent / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl")
DEFAULT_OUT = REPO / "bench" / "results" / "arxiv-eval"
DEFAULT_SEED = 20261202
DEFAULT_MAX_USERS = 3000
# A reader needs one paper to profile and at least two to find (P1), or one each side of a 2-interest split.
MIN_PAPERS = 3
MULTI_MAX_TEST = 5
COLD_SHARE = 0.2
ITEM_FIELDS = ("id", "title", "abstract", "categories")
HEADER = "user_id\tpaper_id"


@dataclass(frozen=True)
class Split:
    """Train and test papers per reader (each list in time order)."""

    train: dict[str, list[str]]
    test: dict[str, list[str]]


@dataclass
class EvalSet:
    items: list[dict[str, Any]]
    splits: dict[str, Split]
    cold_items: list[str]
    # multi reader → paper → interest (the author's reader id), for train and test papers
    interests: dict[str, dict[str, str]] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)


def chronological(papers: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Papers in time order: ``first_listed``, then id (the catalogue's own order)."""
    return sorted(papers, key=lambda p: (str(p.get("first_listed") or ""), str(p["id"])))


def author_ids(papers: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Author name → reader id ``u<k>`` (k: position among all the catalogue's authors sorted by name)."""
    names = sorted({a for p in papers for a in p.get("authors") or ()})
    return {name: f"u{k}" for k, name in enumerate(names)}


def readers(papers: Sequence[Mapping[str, Any]], min_papers: int = MIN_PAPERS) -> dict[str, list[str]]:
    """Reader id → their papers in time order, for authors with ``min_papers`` or more; of authors with
    exactly the same papers, only the first by id is kept (one reader, not several copies)."""
    ids = author_ids(papers)
    by_author: dict[str, list[str]] = {}
    for paper in chronological(papers):
        for name in dict.fromkeys(paper.get("authors") or ()):
            by_author.setdefault(ids[name], []).append(str(paper["id"]))
    out: dict[str, list[str]] = {}
    seen: set[tuple[str, ...]] = set()
    for reader in sorted(by_author, key=lambda r: int(r[1:])):
        own = by_author[reader]
        if len(own) >= min_papers and tuple(own) not in seen:
            seen.add(tuple(own))
            out[reader] = own
    return out


def primary_field(paper_ids: Sequence[str], categories: Mapping[str, Sequence[str]]) -> str:
    """The most common first category of the papers (ties: alphabetical); "" when none has one."""
    firsts = Counter(categories[p][0] for p in paper_ids if categories.get(p))
    if not firsts:
        return ""
    best = max(firsts.values())
    return min(c for c, n in firsts.items() if n == best)


def sample(users: Sequence[str], limit: int, rng: np.random.Generator) -> list[str]:
    """At most ``limit`` of ``users`` (a seeded sample, kept in the given order); all when limit is 0."""
    if not limit or len(users) <= limit:
        return list(users)
    chosen = set(rng.choice(len(users), size=limit, replace=False).tolist())
    return [u for i, u in enumerate(users) if i in chosen]


def split_p1(own: Mapping[str, list[str]]) -> Split:
    """First paper as train, the later ones as test."""
    return Split({u: p[:1] for u, p in own.items()}, {u: p[1:] for u, p in own.items()})


def split_two(first: list[str], second: list[str], max_test: int = MULTI_MAX_TEST
              ) -> tuple[list[str], list[str], list[str], list[str]] | None:
    """(train of first, test of first, train of second, test of second): each gives its n latest papers
    as test, n = min(len) // 2 capped at ``max_test``; None when n would be 0."""
    n = min(len(first) // 2, len(second) // 2, max_test)
    if n < 1:
        return None
    return first[:-n], first[-n:], second[:-n], second[-n:]


def pair_readers(own: Mapping[str, list[str]], fields: Mapping[str, str], rng: np.random.Generator,
                 limit: int) -> list[tuple[str, str]]:
    """Up to ``limit`` disjoint pairs of readers of different (known) fields who share no paper: readers
    are shuffled, and each unpaired one is paired with the next unpaired one that qualifies."""
    order = [u for u in own if fields.get(u)]
    order = [order[i] for i in rng.permutation(len(order))]
    used: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for i, first in enumerate(order):
        if first in used:
            continue
        papers = set(own[first])
        for second in order[i + 1:]:
            if second not in used and fields[second] != fields[first] and papers.isdisjoint(own[second]):
                used.update((first, second))
                pairs.append((first, second))
                break
        if limit and len(pairs) >= limit:
            break
    return pairs


def split_multi(own: Mapping[str, list[str]], fields: Mapping[str, str], rng: np.random.Generator,
                limit: int) -> tuple[Split, dict[str, dict[str, str]]]:
    """Two-interest readers ``m<k>`` from ``pair_readers``, with ``split_two``'s train and test, and which
    interest (author) each of their papers belongs to."""
    train: dict[str, list[str]] = {}
    test: dict[str, list[str]] = {}
    interests: dict[str, dict[str, str]] = {}
    for first, second in pair_readers(own, fields, rng, limit):
        parts = split_two(own[first], own[second])
        if parts is None:
            continue
        train_a, test_a, train_b, test_b = parts
        reader = f"m{len(train)}"
        train[reader], test[reader] = train_a + train_b, test_a + test_b
        interests[reader] = {**dict.fromkeys(own[first], first), **dict.fromkeys(own[second], second)}
    return Split(train, test), interests


def cold_papers(papers: Sequence[Mapping[str, Any]], share: float = COLD_SHARE) -> list[str]:
    """The newest ``share`` of the papers by time order (ids, in that order)."""
    ordered = [str(p["id"]) for p in chronological(papers)]
    return ordered[len(ordered) - int(round(share * len(ordered))):]


def split_cold(own: Mapping[str, list[str]], cold: Iterable[str]) -> Split:
    """Readers with papers on both sides of the cut: older papers as train, new ones as test."""
    new = set(cold)
    train, test = {}, {}
    for reader, papers in own.items():
        old = [p for p in papers if p not in new]
        fresh = [p for p in papers if p in new]
        if old and fresh:
            train[reader], test[reader] = old, fresh
    return Split(train, test)


def _limited(split: Split, users: list[str]) -> Split:
    return Split({u: split.train[u] for u in users}, {u: split.test[u] for u in users})


def build(papers: Sequence[Mapping[str, Any]], *, seed: int = DEFAULT_SEED,
          max_users: int = DEFAULT_MAX_USERS) -> EvalSet:
    """The three splits, the author-free items and the cold papers, from catalogue records (``id``,
    ``title``, ``abstract``, ``authors``, ``categories``, ``first_listed``)."""
    rng = np.random.default_rng(seed)
    items = [{k: (list(p.get(k) or []) if k == "categories" else str(p.get(k) or "")) for k in ITEM_FIELDS}
             for p in chronological(papers)]
    categories = {item["id"]: item["categories"] for item in items}
    own = readers(papers)
    p1 = split_p1(own)
    p1 = _limited(p1, sample(list(p1.train), max_users, rng))
    fields = {u: primary_field(p, categories) for u, p in own.items()}
    multi, interests = split_multi(own, fields, rng, max_users)
    cold = cold_papers(papers)
    # Everyone with a paper before the cut and one after, not only those with MIN_PAPERS: two suffice.
    cold_split = split_cold(readers(papers, min_papers=2), cold)
    cold_split = _limited(cold_split, sample(list(cold_split.train), max_users, rng))
    splits = {"P1": p1, "multi": multi, "cold": cold_split}
    counts = {"papers": len(items), "readers": len(own), "cold_items": len(cold),
              **{f"{name}_users": len(s.train) for name, s in splits.items()},
              **{f"{name}_test_pairs": sum(map(len, s.test.values())) for name, s in splits.items()}}
    return EvalSet(items, splits, cold, interests, counts)


def _pairs_text(pairs: Mapping[str, list[str]]) -> str:
    return HEADER + "\n" + "".join(f"{u}\t{p}\n" for u, papers in pairs.items() for p in papers)


def write(evalset: EvalSet, out: Path, source: str, seed: int, max_users: int) -> None:
    """The plain format: items.jsonl, train-/test-<split>.tsv, cold-items.txt, interests-multi.tsv
    (user_id, paper_id, interest) and build.json (parameters and counts)."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "items.jsonl").open("w") as fh:
        for item in evalset.items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    for name, split in evalset.splits.items():
        (out / f"train-{name}.tsv").write_text(_pairs_text(split.train))
        (out / f"test-{name}.tsv").write_text(_pairs_text(split.test))
    (out / "cold-items.txt").write_text("".join(f"{p}\n" for p in evalset.cold_items))
    (out / "interests-multi.tsv").write_text(HEADER + "\tinterest\n" + "".join(
        f"{u}\t{p}\t{i}\n" for u, papers in evalset.interests.items() for p, i in papers.items()))
    (out / "build.json").write_text(json.dumps(
        {"source": source, "seed": seed, "max_users": max_users, "min_papers": MIN_PAPERS,
         "multi_max_test": MULTI_MAX_TEST, "cold_share": COLD_SHARE, "counts": evalset.counts}, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=str(DEFAULT_SOURCE), help="the catalogue's papers.jsonl")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="folder to write the evaluation set to")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--max-users", type=int, default=DEFAULT_MAX_USERS,
                        help="readers kept per split (seeded sample; 0 keeps all)")
    args = parser.parse_args(argv)
    with open(args.source) as fh:
        papers = [json.loads(line) for line in fh if line.strip()]
    evalset = build(papers, seed=args.seed, max_users=args.max_users)
    write(evalset, Path(args.out), args.source, args.seed, args.max_users)
    print(json.dumps(evalset.counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
