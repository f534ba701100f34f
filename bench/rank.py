"""Ranking benchmark: CPU per ranked feed on the 20,737-paper arXiv catalogue, in process.

Builds what bench/feed.py builds (the arXiv catalogue, LSA vectors, the index with its TF-IDF rows and
citations, simulated users and events, ALS, trending) with fewer users, then measures, with
``time.process_time`` (CPU of this process only: PostgreSQL's share is not counted):

- ``rank``: ``feed.rank`` (retrievers, fusion, visibility, MMR, interest slots), no storing;
- ``ranked feed``: ``feed.get_feed`` with nothing reusable (ranked, stored, first page read back);
- ``after a star``: the user stars a paper of their feed, then asks for the feed again: as served
  (updated from the stored list: incremental re-ranking) and, for the same star, ranked anew
  (FEED_INCREMENTAL_UPDATES=0, rolled back), with the median per-user ratio of the two;

for warm users (simulated history, known to the CF model) and cold users (two stars in different topics,
no CF factors), each as the median over many users. ``--profile`` prints cProfile's top functions of the
ranked feed.

``--rank-only N`` ranks the first N warm users once each and writes nothing (the warm-up included), so two
runs differ only by what those N rankings cost: under ``valgrind --tool=callgrind`` the difference between
N and 0 is the instructions of N ranked feeds (a count, not a time: the same whatever else the machine
does). ``--lists FILE`` writes those rankings (ids, scores, reasons) as JSON, to check that a change of
code left them as they were.

    .venv/bin/python bench/rank.py --out bench/results/rank.json [--users 2000 --events 200000 --measure 200]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.threads import cap_native_threads  # noqa: E402

cap_native_threads(1)  # one API worker thread's view: set before numpy loads

from bench.common import REPO, fresh_database  # noqa: E402
from bench.feed import ARXIV, simulate_events  # noqa: E402
from infra import migrate  # noqa: E402
from infra.runtime import resolve  # noqa: E402
from services import events as events_service  # noqa: E402
from services.catalog.importer import import_lines, open_text  # noqa: E402
from services.config import Settings  # noqa: E402
from services.db import Database  # noqa: E402
from services.recommender import feed, pipeline  # noqa: E402
from services.recommender.artifacts import ArtifactStore  # noqa: E402
from services.recommender.retrievers import RETRIEVERS, Retrieval, weights  # noqa: E402
from services.recommender.serving import LiveModels  # noqa: E402
from services.store import events as events_store  # noqa: E402
from services.store import papers as papers_store  # noqa: E402

try:  # absent from checkouts before issue 14, which this script can also measure (docs/benchmarks.md)
    from services.recommender.visibility import Visibility
except ImportError:
    Visibility = None
try:  # absent before reasons were named on the final list only (the content retriever named them)
    from services.recommender.content import name_papers
except ImportError:
    name_papers = None


# Ranked once before anything is measured (models loaded, shared lists built); not among the measured users.
WARM_UP = [f"u{i}" for i in range(1, 20, 2)]


def build(db: Database, store: ArtifactStore, settings, papers: Path, users: int, events: int) -> dict:
    with open_text(papers) as lines:
        imported = import_lines(db, lines, batch_size=2000)
    embed = pipeline.embed_missing(db, store, settings)
    pipeline.rebuild_index(db, store, settings)
    simulation = simulate_events(db, embed["embedder"], users=users, events=events)
    pipeline.retrain_cf(db, store, settings)
    pipeline.recompute_trending(db, settings)
    return {"papers": imported.counts.created, **simulation}


def cpu_ms(fn, *args) -> tuple[float, object]:
    """(CPU ms of this process spent in ``fn(*args)``, its result)."""
    started = time.process_time()
    out = fn(*args)
    return (time.process_time() - started) * 1000, out


def star(conn, user_id: str, paper_id: str) -> None:
    """A star as the events API records it (the event and the user's current star)."""
    events_service.ingest(conn, [(0, {"user_id": user_id, "paper_id": paper_id, "type": "star"})], [])


def measure(db: Database, live: LiveModels, settings, users: list[str], limit: int) -> dict:
    """Median CPU ms of rank(), of a ranked and stored feed, and of the feed right after a star: both as
    served (updated from the stored list, incremental) and ranked anew (FEED_INCREMENTAL_UPDATES=0, in a
    transaction rolled back, so the served one follows the same star)."""
    rank_ms, ranked_ms, after_star_ms, anew_ms = [], [], [], []
    full_rank = settings.replace(feed_incremental_updates=0)
    for user_id in users:
        request = feed.FeedRequest(user_id=user_id, limit=limit)
        with db.connection() as conn:
            rank_ms.append(cpu_ms(feed.rank, conn, live, settings, request)[0])
        with db.connection() as conn:
            ms, page = cpu_ms(feed.get_feed, conn, live, settings, request)
            ranked_ms.append(ms)
        if not page["items"]:
            continue
        with db.connection() as conn:
            star(conn, user_id, page["items"][len(page["items"]) // 2]["paper"]["id"])
        with db.connection() as conn, conn.transaction(force_rollback=True):
            anew_ms.append(cpu_ms(feed.get_feed, conn, live, full_rank, request)[0])
        with db.connection() as conn:
            after_star_ms.append(cpu_ms(feed.get_feed, conn, live, settings, request)[0])

    def med(values: list[float]) -> float | None:
        return round(statistics.median(values), 2) if values else None

    return {"users": len(users), "rank_ms": med(rank_ms), "ranked_feed_ms": med(ranked_ms),
            "after_star_ms": med(after_star_ms), "after_star_anew_ms": med(anew_ms),
            "after_star_ratio": round(statistics.median(a / b for a, b in zip(after_star_ms, anew_ms, strict=True)), 3)
            if anew_ms else None, "rank_p90_ms": round(sorted(rank_ms)[int(0.9 * len(rank_ms))], 2) if rank_ms else None}


def stages(db: Database, live: LiveModels, settings, users: list[str]) -> dict:
    """Median CPU ms of each step of ``feed.rank`` for ``users``: each retriever, then ``feed.order``
    (fusion, dropping, visibility, MMR, interest slots) with the process's hidden set, then the reasons
    naming the papers the list's content candidates resemble (featured papers are not pinned here)."""
    times: dict[str, list[float]] = {}
    for user_id in users:
        with db.connection() as conn:
            index = live.index(conn)
            profile, seen = events_store.feed_inputs(conn, user_id)
            ctx = Retrieval(conn=conn, live=live, settings=settings, user_id=user_id, category=None,
                            profile=profile, index=index, cf_model=live.cf(conn))
            found: dict = {}
            for name, weight in weights(settings).items():
                if weight > 0:
                    ms, found[name] = cpu_ms(RETRIEVERS[name].retrieve, ctx, found)
                    times.setdefault(f"retriever {name}", []).append(ms)
            if Visibility is not None:
                ms, hidden = cpu_ms(live.shared((feed.VISIBILITY_KEY,), float("inf"), Visibility).current, conn)
                times.setdefault("hidden set (stamp query)", []).append(ms)
                step = functools.partial(feed.order, found, settings, unwanted=seen, index=index, hidden=hidden)
            else:  # a checkout from before issue 14: visibility asked of PostgreSQL, as its rank() did
                def visible(best, conn=conn):
                    categories = papers_store.visible_categories(conn, [c.paper_id for c in best])
                    return [c for c in best if c.paper_id in categories]
                step = functools.partial(feed.order, found, settings, unwanted=seen, index=index, keep=visible)
            ms, ranked = cpu_ms(step)
            times.setdefault("order: fusion, visibility, MMR, slots", []).append(ms)
            if name_papers is not None:
                times.setdefault("reasons: papers named on the list", []).append(
                    cpu_ms(name_papers, index, profile, settings, ranked)[0])
    return {name: round(statistics.median(values), 2) for name, values in times.items()}


def rank_only(db: Database, live: LiveModels, settings, users: list[str], lists: Path | None = None
              ) -> float | None:
    """Median CPU ms of ``feed.rank`` for ``users``, once each, nothing written (but ``lists``: each
    ranked list, for comparing two checkouts)."""
    times, ranked = [], {}
    for user_id in users:
        with db.connection() as conn:
            ms, out = cpu_ms(feed.rank, conn, live, settings, feed.FeedRequest(user_id=user_id, limit=20))
        times.append(ms)
        ranked[user_id] = [[c.paper_id, round(c.score, 6), [r.as_dict() for r in c.reasons]] for c in out]
    if lists is not None:
        lists.write_text(json.dumps(ranked, indent=0, sort_keys=True))
    return round(statistics.median(times), 2) if times else None


def cold_users(db: Database, n: int) -> list[str]:
    """New users, each with two stars on papers of unrelated categories (two interests, no CF factors)."""
    with db.connection() as conn:
        a = [r["id"] for r in conn.execute("SELECT id FROM papers WHERE 'cs.CV' = ANY(categories) ORDER BY id LIMIT %s",
                                           (n,))]
        b = [r["id"] for r in conn.execute("SELECT id FROM papers WHERE 'cs.CR' = ANY(categories) "
                                           "AND NOT 'cs.CV' = ANY(categories) ORDER BY id LIMIT %s", (n,))]
        ids = []
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            user_id = f"cold{i}"
            conn.execute("INSERT INTO users (id) VALUES (%s) ON CONFLICT DO NOTHING", (user_id,))
            star(conn, user_id, x)
            star(conn, user_id, y)
            ids.append(user_id)
    return ids


def profile(db: Database, live: LiveModels, settings, users: list[str], top: int = 35) -> str:
    profiler = cProfile.Profile()
    for user_id in users:
        with db.connection() as conn:
            request = feed.FeedRequest(user_id=user_id, limit=20, exclude=frozenset({"none"}))
            profiler.enable()
            feed.get_feed(conn, live, settings, request)
            profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "rank.json")
    parser.add_argument("--papers", type=Path, default=ARXIV)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--measure", type=int, default=200, help="users measured (each kind)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--stages", action="store_true", help="also time each step of feed.rank")
    parser.add_argument("--only-stages", action="store_true", help="only time each step (no stars written)")
    parser.add_argument("--rank-only", type=int, default=None, metavar="N",
                        help="only rank the first N warm users once each, writing nothing (see above)")
    parser.add_argument("--lists", type=Path, help="with --rank-only: write the ranked lists here")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the built database and artifacts (.paperfeed/bench) for the next --reuse run")
    args = parser.parse_args()
    result: dict = {"benchmark": "rank", "cpu_count": os.cpu_count()}
    with (kept_database() if args.reuse else fresh_database("bench")) as (server_settings, url):
        folder = "artifacts-rank" if args.reuse else f"artifacts-{os.getpid()}"
        settings = server_settings.replace(database_url=url,
                                           artifact_dir=Path(os.environ["PAPERFEED_DATA_DIR"]) / folder,
                                           log_level="WARNING", cf_threads=1)
        db = Database(url, min_size=0, max_size=2)
        store = ArtifactStore(settings.artifacts)
        started = time.perf_counter()
        with db.connection() as conn:
            built = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"] > 0
        if built:
            with db.connection() as conn:  # a development loop: a previous run's stars stay, its feeds go
                conn.execute("DELETE FROM feeds")
            result["data"] = {"reused": "paperfeed_bench_rank"}
        else:
            result["data"] = build(db, store, settings, args.papers, args.users, args.events)
        result["data"]["build_seconds"] = round(time.perf_counter() - started, 1)
        live = LiveModels(store, refresh_seconds=3600.0, ef_search=settings.hnsw_ef_search)
        step = max(1, args.users // args.measure)
        warm = [f"u{i}" for i in range(0, args.users, step)][: args.measure]
        if args.rank_only is not None:
            rank_only(db, live, settings, WARM_UP)
            result["rank_only"] = rank_only(db, live, settings, warm[: args.rank_only], args.lists)
            print(f"ranked {args.rank_only} warm users once each: median {result['rank_only']} CPU ms")
            db.close()
            return
        cold = cold_users(db, args.measure)
        measure(db, live, settings, WARM_UP, 20)
        if not args.only_stages:
            result["warm"] = measure(db, live, settings, warm, 20)
            result["cold"] = measure(db, live, settings, cold, 20)
        if args.stages or args.only_stages:
            result["stages_warm"] = stages(db, live, settings, warm)
            result["stages_cold"] = stages(db, live, settings, cold)
        if args.profile:
            result["profile"] = profile(db, live, settings, warm[:100])
            print(result["profile"])
        db.close()
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {args.out}")


@contextlib.contextmanager
def kept_database():
    """Like ``fresh_database``, but one fixed database that is created once and never dropped."""
    os.environ.setdefault("PAPERFEED_DATA_DIR", str(REPO / ".paperfeed" / "bench"))
    runtime = resolve(Settings.from_env(), generate_secret=True)
    server = runtime.settings.database_url.rsplit("/", 1)[0]
    admin = Database(f"{server}/postgres", min_size=0, max_size=1)
    with admin.connection() as conn:
        conn.autocommit = True
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'paperfeed_bench_rank'").fetchone() is None:
            conn.execute('CREATE DATABASE "paperfeed_bench_rank"')
    admin.close()
    migrate.upgrade(f"{server}/paperfeed_bench_rank")
    yield runtime.settings, f"{server}/paperfeed_bench_rank"


def print_table(r: dict) -> None:
    print(f"\n{'users':<8} {'n':>5} {'rank ms':>9} {'p90':>7} {'ranked feed ms':>15} {'after a star ms':>16} "
          f"{'(ranked anew)':>14} {'ratio':>6}")
    for kind in ("warm", "cold"):
        if kind not in r:
            continue
        row = r[kind]
        print(f"{kind:<8} {row['users']:>5} {row['rank_ms']!s:>9} {row['rank_p90_ms']!s:>7} "
              f"{row['ranked_feed_ms']!s:>15} {row['after_star_ms']!s:>16} {row['after_star_anew_ms']!s:>14} "
              f"{row['after_star_ratio']!s:>6}")
    for kind in ("warm", "cold"):
        for name, ms in r.get(f"stages_{kind}", {}).items():
            print(f"  {kind}, {name:<44} {ms:>7} ms")


if __name__ == "__main__":
    main()
