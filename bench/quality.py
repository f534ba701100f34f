"""Offline recommendation quality of the real engine, under the corrected protocol.

    .venv/bin/python bench/quality.py --data ../shared/data/citeulike-a/eval --split P1 --out bench/results/quality-P1.json

Reads the plain evaluation format (items.jsonl; train-<split>.tsv and test-<split>.tsv with a
``user_id<TAB>paper_id`` header; cold-items.txt for the cold split), then runs the service's own code:
the configured embedder (``LsaEmbedder`` fitted on the catalogue as the worker fits it, or
``MiniLmEmbedder``), the FAISS index built by ``index.build`` (HNSW above INDEX_EXACT_BELOW, as served)
with the sparse TF-IDF rows the index build publishes beside it (``lexical.LexicalModel``), ``cf.fit``
(the worker's training, holdout included) served through ``LoadedCf``, and the feed's own retrievers and
ordering (``content.content_hits``, ``feed.cf_hits``, ``feed.order``: fusion, MMR). Settings
are the service's defaults, read like the service reads them (environment; ``--set NAME=VALUE`` overrides).

Papers: ``title``, ``abstract`` and ``categories`` are used when present; ``tags`` stand in for
categories when a set has no categories (labels either way). A saved paper in train is a star.

Rankers (each ranks FEED_SIZE = max M papers per user through ``feed.order``):
- popularity: train saves per paper (the trending retriever's offline stand-in: the sets carry no times);
- cf: the CF retriever alone; content / content-<embedder>: the content retriever alone;
- hybrid: content + cf + popularity, weighted by FEED_WEIGHT_* — the feed as it runs;
- seeded: hybrid for a user CF does not know yet (their papers given as seeds, before any retrain): the
  first feed after ``PUT /v1/users/{id}`` with ``seed_papers``;
- incremental: the feed after the user's newest train paper was starred, made the way a request makes it
  when the stored list is young (services/recommender/incremental.py): hybrid ranked without that paper,
  then updated with it (it leaves the list, its named neighbours enter the first page); compare with
  hybrid (the full rank it stands in for) and with ``stale`` (the list ranked without the paper, only the
  paper removed: no update at all).

``--validation`` never reads the test file: it holds out 20% (at least 1) of each train user's papers
(users with 2 or more; ``--validation-keep N``: all but N, ``1`` like P1) and evaluates on those; the
held-out papers are random, or with ``--validation-order catalogue`` each user's last ones in items.jsonl
order (citeulike-a's P10 split was made that way: ``--validation-keep 5`` mimics it). For the cold split
it holds out 20% of the papers in train with all their pairs, as new papers. That is what the defaults
were tuned on.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import tfidf_baseline  # noqa: E402
from bench.arxiv_eval import split_two  # noqa: E402
from services.config import Settings  # noqa: E402
from services.recommender import cf, evaluation, feed, incremental, pipeline  # noqa: E402
from services.recommender import index as faiss_index  # noqa: E402
from services.recommender.citations import CitationModel  # noqa: E402
from services.recommender.content import interest_refs, mark_topical, profile_interests, profile_rows  # noqa: E402
from services.recommender.embedders import LsaEmbedder, MiniLmEmbedder, paper_text  # noqa: E402
from services.recommender.hits import Hit, Reason  # noqa: E402
from services.recommender.index import LoadedIndex  # noqa: E402
from services.recommender.itemknn import ItemKnn, history_factor  # noqa: E402
from services.recommender.lexical import LexicalModel  # noqa: E402
from services.recommender.ranking import Candidate  # noqa: E402

CUTOFFS = {"P1": (20, 50, 100, 200, 300), "P10": (20, 50, 100, 200, 300), "multi": (20, 50, 100, 200, 300),
           "cold": (20, 50, 100)}
# How a validation holds out papers: a user's papers (P1, P10), each interest's latest (multi), new papers.
VALIDATION_KINDS = ("P1", "P10", "multi", "cold")
# Shown papers per interest that count as "the interest is there" (the demo target asks for 3 of the top 10).
SHOWN_AT_LEAST = 3
TOP_SHOWN = 10
# Paired-bootstrap comparisons are reported on these metrics (and the per-interest ones where present).
COMPARED = ("recall@50", "recall@300", "recall@100")
EMBEDDERS = ("tfidf-lsa", "minilm")
# The settings the content retriever's hits depend on (bench memo key).
CONTENT_SETTINGS = ("feed_size", "feed_content_lexical", "feed_content_sharpen", "feed_content_expansion",
                    "feed_interest_clusters", "feed_max_interests", "feed_interest_similarity",
                    "feed_reason_similarity", "feed_lexical_neighbours")
Hits = list[Hit]


def load_items(path: Path) -> list[dict]:
    papers = []
    with path.open() as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                papers.append({"id": str(item["id"]), "title": item.get("title") or "",
                               "abstract": item.get("abstract") or "",
                               "categories": item.get("categories") or item.get("tags") or [],
                               "cites": item.get("cites") or []})
    return papers


def load_pairs(path: Path) -> dict[str, list[str]]:
    pairs: dict[str, list[str]] = {}
    with path.open() as fh:
        next(fh)  # header
        for line in fh:
            if line.strip():
                user, paper = line.rstrip("\n").split("\t")
                pairs.setdefault(user, []).append(paper)
    return pairs


def carve_validation(train: dict[str, list[str]], keep: int = 0, seed: int = 20261127, order_by: str = "random",
                     position: dict[str, int] | None = None
                     ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(train minus holdout, holdout): 20% (at least 1) of the papers of each user with 2 or more, or,
    with ``keep``, all but ``keep`` papers of each user with more (``keep=1`` mimics P1).

    ``order_by="random"`` holds out random papers; ``"catalogue"`` holds out each user's papers that come
    last in ``position`` (their line in items.jsonl), keeping the first: citeulike-a's P10 split is made
    that way (every user's 10 train papers are their 10 first in catalogue order, the test the rest)."""
    rng = np.random.default_rng(seed)
    kept, held = {}, {}
    for user, papers in train.items():
        if len(papers) < 2 or (keep and len(papers) <= keep):
            kept[user] = papers
            continue
        if order_by == "catalogue" and position is not None:
            order = np.argsort([-position.get(p, -1) for p in papers], kind="stable")
        else:
            order = rng.permutation(len(papers))
        n = len(papers) - keep if keep else max(1, int(round(0.2 * len(papers))))
        held[user] = [papers[i] for i in order[:n]]
        kept[user] = [papers[i] for i in order[n:]]
    if not held:
        raise SystemExit("--validation: no train user has 2 papers, nothing to hold out")
    return kept, held


def carve_cold_validation(train: dict[str, list[str]], seed: int = 20261127, order_by: str = "random",
                          position: dict[str, int] | None = None
                          ) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """(train without them, their pairs, the held-out papers): 20% of the papers in train, with every
    pair of theirs, become "new" papers, as the cold split was made: random ones, or with ``order_by``
    "catalogue" the last ones in ``position`` order (the arXiv set's cold split is its newest papers)."""
    rng = np.random.default_rng(seed)
    papers = sorted({p for saved in train.values() for p in saved})
    if order_by == "catalogue" and position is not None:
        ordered = sorted(papers, key=lambda p: position.get(p, -1))
        held = set(ordered[len(ordered) - len(ordered) // 5:])
    else:
        held = set(rng.choice(papers, size=len(papers) // 5, replace=False).tolist())
    kept = {u: [p for p in saved if p not in held] for u, saved in train.items()}
    test = {u: [p for p in saved if p in held] for u, saved in train.items()}
    return kept, test, sorted(held)


def carve_interest_validation(train: dict[str, list[str]], interests: dict[str, dict[str, str]]
                              ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(train minus holdout, holdout) for two-interest readers, as the multi split was made
    (``arxiv_eval.split_two``): each interest gives the same number of its latest train papers (train
    lists are in time order); readers whose interests are too small to split keep all and are not tested."""
    kept, held = {}, {}
    for user, papers in train.items():
        by_interest: dict[str, list[str]] = {}
        for p in papers:
            by_interest.setdefault(interests.get(user, {}).get(p, ""), []).append(p)
        parts = split_two(*by_interest.values()) if len(by_interest) == 2 else None
        if parts is None:
            kept[user] = papers
            continue
        kept[user], held[user] = parts[0] + parts[2], parts[1] + parts[3]
    if not held:
        raise SystemExit("--validation: no two-interest reader has papers enough to hold out")
    return kept, held


def load_interests(path: Path) -> dict[str, dict[str, str]]:
    """interests-<split>.tsv (user_id, paper_id, interest) → user → paper → interest; {} without one."""
    out: dict[str, dict[str, str]] = {}
    if path.exists():
        with path.open() as fh:
            next(fh)
            for line in fh:
                if line.strip():
                    user, paper, interest = line.rstrip("\n").split("\t")
                    out.setdefault(user, {})[paper] = interest
    return out


def embed(papers: list[dict], name: str, settings: Settings) -> tuple[np.ndarray, str, float]:
    started = time.perf_counter()
    texts = [paper_text(p) for p in papers]
    if name == "minilm":
        embedder = MiniLmEmbedder()
    else:  # as the worker does: fitted on the whole catalogue
        embedder = LsaEmbedder.fit(texts, dimensions=settings.lsa_dimensions, version="offline")
    vectors = embedder.embed(texts)
    return vectors, embedder.name, time.perf_counter() - started


def content_index(ids: list[str], vectors: np.ndarray, embedder: str, settings: Settings,
                  candidates: list[str] | None, lexical: LexicalModel | None) -> LoadedIndex:
    """The served index over ``candidates`` (default: every paper), with the lexical rows the worker
    publishes beside it. Profile vectors and rows are looked up among all papers: the cold split scores
    only the new papers, but users' profiles are older ones."""
    rows = list(range(len(ids))) if candidates is None else _rows(ids, candidates)
    built, _ = faiss_index.build(vectors[rows], exact_below=settings.index_exact_below, hnsw_m=settings.hnsw_m)
    searchable = LoadedIndex.in_memory(built, [ids[r] for r in rows], vectors[rows], version="offline",
                                       embedder=embedder, ef_search=settings.hnsw_ef_search, lexical=lexical)
    if candidates is None:
        return searchable
    return LoadedIndex(searchable.version, embedder, built, searchable.paper_ids,
                       {pid: i for i, pid in enumerate(ids)}, np.ascontiguousarray(vectors),
                       None if lexical is None else lexical.restricted(candidates))


def _rows(ids: list[str], wanted: list[str]) -> list[int]:
    position = {pid: i for i, pid in enumerate(ids)}
    return [position[pid] for pid in wanted if pid in position]


def train_cf(train: dict[str, list[str]], settings: Settings, index: LoadedIndex | None
             ) -> tuple[cf.LoadedCf, dict]:
    """The worker's training (``cf.fit``, its holdout included, then ``cf.with_new_items``) on train
    saves as stars."""
    users = list(train)
    items = sorted({p for papers in train.values() for p in papers})
    column = {p: i for i, p in enumerate(items)}
    rows = [u for u, papers in enumerate(train.values()) for _ in papers]
    cols = [column[p] for papers in train.values() for p in papers]
    star = float(settings.event_weights.get("star", 1.0))
    matrix = sp.csr_matrix((np.full(len(rows), star, dtype=np.float32), (rows, cols)),
                           shape=(len(users), len(items)), dtype=np.float32)
    matrix.sum_duplicates()
    model = cf.fit(cf.Interactions(users, items, matrix), settings)
    if index is not None:
        model = cf.with_new_items(model, index, settings.cf_new_item_neighbours)
    return cf.LoadedCf.from_model(model, "offline"), model.metrics


def rank_all(users: list[str], retrieve: Callable[[str], dict[str, Hits]], train: dict[str, list[str]],
             settings: Settings, index: LoadedIndex | None, keep: set[str] | None) -> dict[str, list[str]]:
    """Every user's ranked list through the feed's own ``order`` (blend, shortlist, MMR)."""
    def allowed(best: list[Candidate]) -> list[Candidate]:
        return [c for c in best if c.paper_id in keep]

    out = {}
    for user in users:
        ranked = feed.order(retrieve(user), settings, unwanted=train.get(user, ()), index=index,
                            keep=None if keep is None else allowed)
        out[user] = [c.paper_id for c in ranked]
    return out


def rank_many(users: list[str], rankers: dict[str, tuple[Callable[[str], dict[str, Hits]], Settings]],
              train: dict[str, list[str]], index: LoadedIndex | None, keep: set[str] | None
              ) -> tuple[dict[str, dict[str, list[str]]], dict[str, float]]:
    """``rank_all`` for several rankers (name → (retrieve, settings)) in one pass over the users, so that
    retrievers they share can reuse one user's hits; returns (rankings, seconds) per ranker."""
    out: dict[str, dict[str, list[str]]] = {name: {} for name in rankers}
    seconds = dict.fromkeys(rankers, 0.0)
    for user in users:
        for name, (retrieve, settings) in rankers.items():
            t = time.perf_counter()
            out[name].update(rank_all([user], retrieve, train, settings, index, keep))
            seconds[name] += time.perf_counter() - t
    return out, seconds


def updated_feeds(users: list[str], retrieve: Callable[[str, dict[str, list[dict]]], dict[str, Hits]],
                  profile: dict[str, list[dict]], settings: Settings, index: LoadedIndex, itemknn: ItemKnn | None,
                  keep: set[str] | None, gap: int = incremental.GAP
                  ) -> tuple[dict[str, list[str]], dict[str, list[str]], float]:
    """(stale, incremental, share of users updated): each user's feed ranked without their newest profile
    paper (``retrieve(user, profiles)`` with that paper left out), then that paper starred — ``stale`` only
    drops it from the list, ``incremental`` is what the feed serves next: the update (the service's own
    ``incremental.arrivals`` and ``merge``), or the full rank where the feed would rank in full (a
    profile too new, a list run short)."""
    def allowed(best: list[Candidate]) -> list[Candidate]:
        return [c for c in best if c.paper_id in keep]

    def ranked_for(user: str, profiles: dict[str, list[dict]]) -> list[Candidate]:
        return feed.order(retrieve(user, profiles), settings, unwanted=[r["paper_id"] for r in profiles[user]],
                          index=index, keep=None if keep is None else allowed)

    before = {u: rows[1:] for u, rows in profile.items()}
    stale, updated, done = {}, {}, 0
    for user in users:
        rows = profile.get(user, [])
        if not rows:  # nothing to star: the feed as ranked
            stale[user] = updated[user] = [c.paper_id for c in ranked_for(user, profile)]
            continue
        ranked = ranked_for(user, before)
        starred = rows[0]
        stale[user] = [c.paper_id for c in ranked if c.paper_id != starred["paper_id"]]
        merged = None
        if not incremental.too_new(rows):
            gathered = profile_rows(index, rows, settings)
            reader = incremental.Reader(rows, profile_interests(index, rows, settings, gathered),
                                        {r["paper_id"] for r in rows}, None, gathered)
            arrivals = [[c for c in found if keep is None or c.paper_id in keep]
                        for found in incremental.arrivals(index, itemknn, starred, reader, settings)]
            merged = incremental.merge(ranked, {starred["paper_id"]}, arrivals, size=settings.feed_size, gap=gap)
        done += merged is not None
        updated[user] = [c.paper_id for c in (merged if merged is not None else ranked_for(user, profile))]
    return stale, updated, done / max(len(users), 1)


def run(args: argparse.Namespace) -> dict:
    environ = dict(os.environ)
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        environ[name] = value
    settings = Settings.from_env(environ)
    cutoffs = CUTOFFS[args.split]
    # The service's feed, asked for max(M) items: recall@M for M <= FEED_SIZE is exactly what it serves.
    settings = settings.replace(feed_size=max(settings.feed_size, max(cutoffs)))
    data = Path(args.data)
    papers = load_items(data / "items.jsonl")
    ids = [p["id"] for p in papers]
    train = load_pairs(data / f"train-{args.split}.tsv")
    interests = load_interests(data / f"interests-{args.split}.tsv")
    position = {pid: i for i, pid in enumerate(ids)}
    candidates = None
    kind = args.validation_as or args.split
    if args.validation and kind == "cold":
        train, test, candidates = carve_cold_validation(train, order_by=args.validation_order, position=position)
    elif args.validation and kind == "multi":
        train, test = carve_interest_validation(train, interests)
    elif args.validation:
        train, test = carve_validation(train, keep=args.validation_keep, order_by=args.validation_order,
                                       position=position)
    else:
        test = load_pairs(data / f"test-{args.split}.tsv")
        if args.split == "cold":
            candidates = (data / "cold-items.txt").read_text().split()
    keep = None if candidates is None else set(candidates)
    half = args.half or (evaluation.TUNING_HALF if args.validation else evaluation.REPORTING_HALF)
    users = sorted(u for u, items in test.items() if items and (half == "all" or evaluation.user_half(u) == half))
    if args.users and args.users < len(users):
        users = sorted(np.random.default_rng(0).choice(users, args.users, replace=False).tolist())
    timings: dict[str, float] = {}
    results: dict[str, dict] = {}
    per_user: dict[str, dict[str, np.ndarray]] = {}
    started = time.perf_counter()
    t = time.perf_counter()
    tfidf = tfidf_baseline.fit(papers)
    timings["tfidf_fit"] = round(time.perf_counter() - t, 1)

    def record(name: str, rankings: dict[str, list[str]], seconds: float) -> None:
        scores = evaluation.user_scores(rankings, test, train, users, cutoffs=cutoffs)
        if interests:
            scores.update(interest_scores(rankings, users, train, test, interests, tfidf, position, cutoffs))
        per_user[name] = scores
        results[name] = {**{k: round(float(v.mean()), 4) if len(v) else 0.0 for k, v in scores.items()},
                         "users": len(users)}
        timings[name] = round(seconds, 1)
        print(f"  {name}: {seconds:.1f}s", file=sys.stderr, flush=True)

    if "tfidf" in args.models:  # the reference row: plain TF-IDF, no engine code
        t = time.perf_counter()
        record("tfidf", tfidf_baseline.rankings(tfidf, ids, users, train, max(cutoffs), candidates),
               time.perf_counter() - t)

    t = time.perf_counter()
    counts = Counter(p for papers in train.values() for p in papers)
    popular = [Hit(pid, float(n), Reason("trending", "popular")) for pid, n in counts.most_common()]
    if keep is not None:
        popular = [hit for hit in popular if hit.paper_id in keep]

    def by_popularity(user: str) -> dict[str, Hits]:
        return {"trending": popular[: settings.feed_size + len(train.get(user, ()))]}

    if "popularity" in args.models:
        record("popularity", rank_all(users, by_popularity, train, settings, None, keep), time.perf_counter() - t)

    embedded: dict[str, tuple[np.ndarray, str]] = {}

    def vectors_of(name: str) -> tuple[np.ndarray, str]:
        # Keyed by the texts (and LSA's size): the same catalogue embeds the same in every split and run
        # (LSA is fitted on the whole catalogue with a fixed seed, as the worker fits it).
        digest = hashlib.sha256("\0".join(paper_text(p) for p in papers).encode()).hexdigest()[:16]
        size = f"-{settings.lsa_dimensions}" if name == "tfidf-lsa" else ""
        cached = Path(args.cache_vectors) / f"{name}{size}-{digest}.npz" if args.cache_vectors else None
        if name not in embedded and cached is not None and cached.exists():
            saved = np.load(cached)
            if list(saved["ids"]) == ids:
                embedded[name] = (saved["vectors"], str(saved["embedder"]))
                timings[f"embed-{name}"] = "cached"
        if name not in embedded:
            vectors, embedder_name, seconds = embed(papers, name, settings)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.savez(cached, ids=np.array(ids), vectors=vectors, embedder=np.array(embedder_name))
            embedded[name] = (vectors, embedder_name)
            timings[f"embed-{name}"] = round(seconds, 1)
            print(f"  embedded {len(papers)} papers with {embedder_name} in {seconds:.1f}s", file=sys.stderr,
                  flush=True)
        return embedded[name]

    t = time.perf_counter()
    # As the worker's index build: the sparse TF-IDF rows of every paper, published beside the index.
    lexical = LexicalModel.fit(papers, pipeline.lexical_weights(settings), neighbours=settings.lexical_neighbours)
    timings["lexical_fit"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    # As the worker's retrain: CF, then factors for never-saved papers from the live (full) index.
    full_index = content_index(ids, *vectors_of(settings.embedder), settings, None, lexical) \
        if settings.cf_new_item_neighbours else None
    cf_model, cf_metrics = train_cf(train, settings, full_index)
    timings["cf_fit"] = round(time.perf_counter() - t, 1)
    if "cf" in args.models:  # CF alone, for every user (the feed's FEED_CF_MIN_HISTORY gate left out)
        t = time.perf_counter()
        record("cf", rank_all(users, lambda u: {"cf": feed.cf_hits(cf_model, u, settings, history=10**9)},
                              train, settings, None, keep), time.perf_counter() - t)

    profile = {u: [{"paper_id": p, "kind": "star"} for p in saved] for u, saved in train.items()}
    citation_model = CitationModel.from_items(papers)  # None for data sets without `cites` (i13-signals)
    if "itemknn" in args.models and cf_model.itemknn is not None:  # item-item neighbours alone, every user
        t = time.perf_counter()
        record("itemknn", rank_all(users, lambda u: {"itemknn": cf_model.itemknn.hits(
            profile.get(u, []), max(cutoffs) + len(train.get(u, ())))}, train, settings, None, keep),
            time.perf_counter() - t)
    if "citations" in args.models and citation_model is not None:  # the citation retriever alone
        t = time.perf_counter()
        record("citations", rank_all(users, lambda u: {"citations": citation_model.hits(
            profile.get(u, []), max(cutoffs) + len(train.get(u, ())))}, train, settings, None, keep),
            time.perf_counter() - t)
    embedders = [e for e in EMBEDDERS if f"content-{e}" in args.models or
                 (e == settings.embedder and {"content", "hybrid", "seeded", "incremental"} & set(args.models))]
    for name in embedders:
        vectors, embedder_name = vectors_of(name)
        t = time.perf_counter()
        index = content_index(ids, vectors, embedder_name, settings, candidates, lexical)
        timings[f"index-{name}"] = round(time.perf_counter() - t, 1)

        memo: dict[tuple, tuple] = {}

        def content_of(user: str, s: Settings, index: LoadedIndex = index, memo: dict[tuple, tuple] = memo,
                       profile: dict[str, list[dict]] = profile) -> tuple[Hits, dict]:
            """The content retriever's hits and the reader's interests (profile paper → ``InterestRef``),
            computed once per user, profile and content settings (the service computes them once per
            request, whichever retrievers join them)."""
            key = (user, id(profile), *(getattr(s, n) for n in CONTENT_SETTINGS))
            if key not in memo:
                if memo and next(iter(memo))[0] != user:
                    memo.clear()  # rankers run user by user: only the current user's hits are reused
                interests = profile_interests(index, profile.get(user, []), s)
                memo[key] = (feed.content_hits(index, profile.get(user, []), s, interests, named=False),
                             interest_refs(interests))  # reasons are not scored here: not named
            return memo[key]

        def hybrid(user: str, s: Settings, with_cf: bool = True, with_others: bool = True,
                   index: LoadedIndex = index, profile: dict[str, list[dict]] = profile) -> dict[str, Hits]:
            content, interest_of = content_of(user, s, profile=profile)
            hits = {"content": content}
            if with_others:
                hits["trending"] = popular[: s.feed_size]
            # --- citation retriever (i13-signals): items' `cites` (citeulike-a), as the worker's index has them.
            if with_others and citation_model is not None and s.feed_weight_citations > 0:
                hits["citations"] = mark_topical(index, profile.get(user, []), s, citation_model.hits(
                    profile.get(user, []), s.feed_size, interest_of=interest_of))
            # --- end citation retriever
            # --- item-item neighbours (i13-signals), trained with CF, as the feed's itemknn retriever asks them.
            if with_others and with_cf and cf_model.itemknn is not None and s.feed_weight_itemknn > 0:
                factor = history_factor(len(train.get(user, ())), s.feed_itemknn_min_history,
                                        s.feed_itemknn_full_history)
                hits["itemknn"] = mark_topical(index, profile.get(user, []), s, cf_model.itemknn.hits(
                    profile.get(user, []), s.feed_size, factor=factor, interest_of=interest_of))
            # --- end item-item neighbours
            if with_others and with_cf:
                hits["cf"] = feed.cf_hits(cf_model, user, s, history=len(train.get(user, ())),
                                          rescore=[h.paper_id for h in hits["content"]])
            return hits

        rankers: dict[str, tuple[Callable[[str], dict[str, Hits]], Settings]] = {
            f"content-{name}": (lambda u: hybrid(u, settings, with_others=False), settings)}
        if name == settings.embedder:
            if "hybrid" in args.models:
                rankers["hybrid"] = (lambda u: hybrid(u, settings), settings)
            if "seeded" in args.models:
                rankers["seeded"] = (lambda u: hybrid(u, settings, with_cf=False), settings)
            for combo in grid(args.grid):  # tuning: the same index and CF model, other FEED_* settings
                tuned = Settings.from_env({**environ, **combo}).replace(feed_size=settings.feed_size)
                rankers["hybrid " + " ".join(f"{k}={v}" for k, v in combo.items())] = (
                    lambda u, tuned=tuned: hybrid(u, tuned), tuned)
        rankings, seconds = rank_many(users, rankers, train, index, keep)
        if name == settings.embedder and "incremental" in args.models:
            t = time.perf_counter()
            rankings["stale"], rankings["incremental"], updated = updated_feeds(
                users, lambda u, profiles: hybrid(u, settings, profile=profiles), profile, settings, index,
                cf_model.itemknn, keep, gap=args.incremental_gap)
            seconds["stale"] = seconds["incremental"] = time.perf_counter() - t
            timings["incremental_updated_share"] = round(updated, 3)
        for model, ranked in rankings.items():
            record(model, ranked, seconds[model])
            if model == f"content-{settings.embedder}":
                results["content"] = results[model]
                per_user["content"] = per_user[model]
    timings["total"] = round(time.perf_counter() - started, 1)
    comparisons = compare(per_user)
    if getattr(args, "per_user", None):  # for bench/compare_runs.py: two versions of the code, same users
        Path(args.per_user).parent.mkdir(parents=True, exist_ok=True)
        np.savez(args.per_user, users=np.array(users),
                 **{f"{model}|{metric}": values for model, scores in per_user.items() for metric, values in scores.items()})
    engine = {name: getattr(settings, name) for name in (
        "embedder", "lsa_dimensions", "index_exact_below", "hnsw_m", "hnsw_ef_search", "cf_algorithm",
        "cf_factors", "cf_iterations", "cf_regularization", "cf_alpha", "cf_new_item_neighbours",
        "feed_cf_min_history", "feed_cf_rescore", "feed_weight_content", "feed_weight_cf",
        "feed_weight_citations", "feed_weight_itemknn", "cf_itemknn_neighbours", "cf_itemknn_shrink",
        "cf_itemknn_min_common", "feed_topical_similarity", "feed_topical_per_other",
        "feed_weight_trending", "feed_mmr_lambda", "feed_interest_clusters", "feed_content_lexical",
        "feed_content_sharpen", "feed_content_expansion", "feed_fusion", "feed_rank_k", "lexical_title_weight",
        "lexical_neighbours", "feed_lexical_neighbours", "lexical_abstract_weight", "lexical_labels_weight", "lexical_categories_weight",
        "lexical_broad_label_share", "feed_max_interests", "feed_interest_similarity", "feed_reason_similarity")}
    return {"data": str(data), "split": args.split, "validation": args.validation,
            "validation_keep": args.validation_keep, "users": len(users),
            "papers": len(papers), "half": half, "results": results, "comparisons": comparisons, "seconds": timings,
            "cf_holdout": cf_metrics,
            "settings": engine, "overrides": args.set}


def interest_scores(rankings: dict[str, list[str]], users: list[str], train: dict[str, list[str]],
                    test: dict[str, list[str]], interests: dict[str, dict[str, str]], tfidf: sp.csr_matrix,
                    position: dict[str, int], cutoffs: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Per user: ``interest-recall@M`` (the smaller of the interests' recalls), ``interests@10`` (interests
    with at least one of the first 10 shown papers) and ``each>=3@10`` (1 when every interest of the
    reader has 3 of them); a shown paper serves the interest of its most similar train paper (TF-IDF)."""
    out = {f"interest-recall@{m}": np.zeros(len(users)) for m in cutoffs}
    out[f"interests@{TOP_SHOWN}"] = np.zeros(len(users))
    out[f"each>={SHOWN_AT_LEAST}@{TOP_SHOWN}"] = np.zeros(len(users))
    for i, user in enumerate(users):
        of = interests.get(user, {})
        ranked = evaluation.without_train(rankings.get(user, ()), train.get(user, ()))
        by_interest: dict[str, list[str]] = {}
        for p in test.get(user, ()):
            by_interest.setdefault(of.get(p, ""), []).append(p)
        for m in cutoffs:
            out[f"interest-recall@{m}"][i] = evaluation.min_interest_recall(ranked, by_interest, m)
        served = tfidf_baseline.attribute(tfidf, position, ranked[:TOP_SHOWN],
                                          {p: of[p] for p in train.get(user, ()) if p in of})
        out[f"interests@{TOP_SHOWN}"][i] = evaluation.interests_shown(ranked, served, TOP_SHOWN)
        n_interests = len({of[p] for p in train.get(user, ()) if p in of})
        out[f"each>={SHOWN_AT_LEAST}@{TOP_SHOWN}"][i] = float(
            n_interests > 0 and evaluation.interests_shown(ranked, served, TOP_SHOWN, SHOWN_AT_LEAST) == n_interests)
    return out


def compare(per_user: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, list[float]]]:
    """Paired bootstrap (users resampled) of "hybrid − tfidf", "content − tfidf", the hybrid minus each of
    its components, and of each tuning row ("hybrid X=v") minus the hybrid at the defaults:
    "A vs B" → metric → [mean difference, low, high, A / B]."""
    pairs = [("hybrid", "tfidf"), ("content", "tfidf"), ("hybrid", "content"), ("hybrid", "cf")]
    pairs += [(n, "hybrid") for n in per_user if n.startswith("hybrid ")]
    out: dict[str, dict[str, list[float]]] = {}
    for a, b in pairs:
        if a not in per_user or b not in per_user:
            continue
        metrics = [m for m in per_user[a] if m in COMPARED or m.startswith("interest-recall@")
                   and m.split("@")[1] in ("50", "300")]
        out[f"{a} vs {b}"] = {}
        for m in metrics:
            diff, low, high = evaluation.paired_bootstrap(per_user[a][m], per_user[b][m])
            base = float(per_user[b][m].mean())
            ratio = float(per_user[a][m].mean()) / base if base > 0 else float("nan")
            out[f"{a} vs {b}"][m] = [round(diff, 4), round(low, 4), round(high, 4), round(ratio, 3)]
    return out


def grid(spec: str) -> list[dict[str, str]]:
    """``"FEED_WEIGHT_CF=0.5,1;FEED_MMR_LAMBDA=0.8,1"`` → every combination. Only FEED_* settings: the
    embedder and CF model are built once per run."""
    axes = []
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        name, _, values = part.partition("=")
        if not name.startswith("FEED_"):
            raise SystemExit(f"--grid: {name} is not a FEED_* setting")
        axes.append([(name, v) for v in values.split(",")])
    return [dict(combo) for combo in itertools.product(*axes)] if axes else []


def print_table(report: dict) -> None:
    names = list(next(iter(report["results"].values())).keys()) if report["results"] else []
    names = [n for n in names if n != "users"]
    print(f"{report['split']}{' (validation)' if report['validation'] else ''}: {report['users']} users, "
          f"{report['papers']} papers, {report['seconds'].get('total')}s")
    print(f"| model | {' | '.join(names)} |")
    print(f"|---|{'---|' * len(names)}")
    for model, scores in report["results"].items():
        print(f"| {model} | {' | '.join(f'{scores[n]:.4f}' for n in names)} |")
    if report.get("comparisons"):
        print("\npaired bootstrap over users (95%): mean difference [low, high], ratio")
        print("| comparison | metric | difference | interval | ratio |\n|---|---|---|---|---|")
        for pair, metrics in report["comparisons"].items():
            for metric, (diff, low, high, ratio) in metrics.items():
                print(f"| {pair} | {metric} | {diff:+.4f} | [{low:+.4f}, {high:+.4f}] | {ratio:.3f} |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line as ``run`` takes it (bench/tune.py builds its runs with this too)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder with items.jsonl, train-*.tsv, test-*.tsv")
    parser.add_argument("--split", required=True, choices=sorted(CUTOFFS))
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--models", default="tfidf,popularity,cf,content,hybrid,seeded",
                        help="comma-separated: tfidf (plain TF-IDF reference), popularity, cf, content, "
                             "content-tfidf-lsa, content-minilm, hybrid, seeded, citations (items' cites alone), itemknn, "
                             "incremental (adds stale: see the docstring)")
    parser.add_argument("--incremental-gap", type=int, default=incremental.GAP,
                        help="with --models incremental: places between a star's neighbours (incremental.GAP)")
    parser.add_argument("--validation", action="store_true",
                        help="evaluate on a holdout carved from train (for tuning); the test file is not read")
    parser.add_argument("--validation-keep", type=int, default=0, metavar="N",
                        help="with --validation: hold out all but N papers per user (1 mimics P1)")
    parser.add_argument("--validation-order", choices=("random", "catalogue"), default="random",
                        help="with --validation: hold out random papers, or each user's last in catalogue order "
                             "(cold: the last 20%% of papers)")
    parser.add_argument("--validation-as", choices=VALIDATION_KINDS,
                        help="with --validation: hold out as this split was made (default: --split's kind), e.g. "
                             "--split cold --validation-as P1 --validation-keep 1 for P1-like pairs")
    parser.add_argument("--half", choices=(evaluation.TUNING_HALF, evaluation.REPORTING_HALF, "all"),
                        help="users evaluated, by hash of their id (default: tune with --validation, else report)")
    parser.add_argument("--grid", default="", metavar="SPEC",
                        help='tuning: also rank the hybrid under each combination, e.g. "FEED_WEIGHT_CF=0.5,1"')
    parser.add_argument("--cache-vectors", metavar="DIR",
                        help="keep the embedded vectors here and reuse them (the run's time then excludes embedding)")
    parser.add_argument("--users", type=int, default=0, help="evaluate a random sample of this many users")
    parser.add_argument("--per-user", metavar="FILE.npz",
                        help="also save every user's metrics per model (bench/compare_runs.py compares two runs)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting, as its environment variable (e.g. FEED_WEIGHT_CF=0.5)")
    args = parser.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    print_table(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
