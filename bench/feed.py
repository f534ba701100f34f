"""Feed benchmark: the engine at demo scale, built and served by the real code.

With 20,000 arXiv papers (../shared/data/arxiv-cs-2026q2, CC0), 10,000 simulated users with 1–3
topical interests each and 1,000,000 events, it measures:

- embedding throughput of each embedder (LSA on the whole catalogue, MiniLM on a sample),
- FAISS index build time, ALS training time end to end (reading the events from PostgreSQL included),
- the worker's feed precompute (feeds ranked ahead of time per second, one process),
- feed latency and throughput through gunicorn (2 workers): at a steady 200 feeds/s, at 16 concurrent
  clients, at 16 clients with every request ranked anew (`exclude=`: nothing reused), and at 16 clients
  while a retrain runs (one thread, nice 10),
- a minimal Flask view returning 50 small dicts under the same gunicorn settings, as the ceiling;
- with ``--experiments``, the same loads again while an experiment runs: a split one (every reader
  assigned, half ranked with another FEED_MMR_LAMBDA), then an interleaved one (each feed ranked
  twice and drafted): what an experiment costs the feed (docs/experiments.md).

Client processes share the machine with the server: the numbers are a floor for the server alone.

    .venv/bin/python bench/feed.py --out bench/results/feed.json [--events 1000000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.threads import cap_native_threads  # noqa: E402

cap_native_threads(1)  # as the worker runs training (CF_THREADS=1): set before numpy loads

import numpy as np  # noqa: E402

from bench.common import REPO, api_server, fresh_database, load  # noqa: E402
from services import keys  # noqa: E402
from services.catalog.importer import import_lines, open_text  # noqa: E402
from services.db import Database  # noqa: E402
from services.recommender import feed, feed_cache, pipeline  # noqa: E402
from services.recommender.artifacts import ArtifactStore  # noqa: E402
from services.recommender.embedders import MiniLmEmbedder, from_bytes, paper_text  # noqa: E402
from services.recommender.serving import LiveModels  # noqa: E402
from services.store import embeddings  # noqa: E402

ARXIV = REPO.parent / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl"
TOPICS = 60


def simulate_events(db: Database, embedder: str, *, users: int, events: int, seed: int = 0,
                    days: float = 60.0) -> dict:
    """Users with 1–3 interests drawn from k-means topics of the paper vectors; events sampled within
    their topics with a popularity skew, at uniform times over the last ``days``; COPY'd straight into
    events, stars derived from star events."""
    import faiss

    rng = np.random.default_rng(seed)
    with db.connection() as conn:
        rows = embeddings.visible_vectors(conn, embedder)
    ids = np.array([r["paper_id"] for r in rows])
    vectors = np.vstack([from_bytes(r["vector"]) for r in rows]).astype(np.float32)
    kmeans = faiss.Kmeans(vectors.shape[1], TOPICS, niter=10, seed=seed, spherical=True)
    kmeans.train(vectors)
    _, labels = kmeans.index.search(vectors, 1)
    topics = [ids[labels[:, 0] == t] for t in range(TOPICS)]
    topics = [t for t in topics if len(t) >= 20]
    per_user = rng.poisson(events / users, size=users).clip(1)
    types = np.array(["read", "click", "star"])
    started = time.perf_counter()
    now = time.time()
    with db.connection() as conn:
        conn.execute("INSERT INTO users (id) SELECT 'u' || i FROM generate_series(0, %s) i ON CONFLICT DO NOTHING",
                      (users - 1,))
    with db.connection() as conn, conn.cursor() as cur, \
            cur.copy("COPY events (user_id, paper_id, type, occurred_at) FROM STDIN") as copy:
        for u in range(users):
            interests = rng.choice(len(topics), size=rng.integers(1, 4), replace=False)
            for _ in range(per_user[u]):
                topic = topics[interests[rng.integers(len(interests))]]
                paper = topic[min(int(rng.zipf(1.3)) - 1, len(topic) - 1)]
                kind = types[rng.choice(3, p=[0.7, 0.2, 0.1])]
                at = now - rng.random() * days * 86400
                copy.write_row((f"u{u}", paper, kind, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))))
    with db.connection() as conn:
        conn.execute("""INSERT INTO stars (user_id, paper_id, starred, changed_at)
                        SELECT user_id, paper_id, true, max(occurred_at) FROM events WHERE type = 'star'
                        GROUP BY user_id, paper_id ON CONFLICT DO NOTHING""")
        total = conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"]
    return {"users": users, "events": total, "topics": len(topics), "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "feed.json")
    parser.add_argument("--papers", type=Path, default=ARXIV)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--minilm-sample", type=int, default=500)
    parser.add_argument("--experiments", action="store_true", help="also measure with experiments running")
    args = parser.parse_args()
    result: dict = {"benchmark": "feed", "cpu_count": os.cpu_count()}

    with fresh_database("bench") as (server_settings, url):
        settings = server_settings.replace(database_url=url, artifact_dir=Path(f"{REPO}/.paperfeed/bench/artifacts-{os.getpid()}"),
                                           api_workers=2, rate_limit_key="100000000/minute", log_level="WARNING",
                                           cf_threads=1)
        db = Database(url, min_size=0, max_size=4)
        store = ArtifactStore(settings.artifacts)
        with open_text(args.papers) as lines:
            imported = import_lines(db, lines, batch_size=2000)
        result["papers"] = imported.counts.created

        started = time.perf_counter()
        embed = pipeline.embed_missing(db, store, settings)
        result["embed_lsa"] = {**embed, "seconds_with_fit": round(time.perf_counter() - started, 1)}
        with db.connection() as conn:
            sample = embeddings.paper_texts(conn)[: args.minilm_sample]
        minilm = MiniLmEmbedder()
        minilm.embed([paper_text(p) for p in sample[:16]])  # warm-up
        started = time.perf_counter()
        minilm.embed([paper_text(p) for p in sample])
        result["embed_minilm"] = {"papers": len(sample),
                                  "papers_per_second": round(len(sample) / (time.perf_counter() - started), 1)}
        result["index"] = pipeline.rebuild_index(db, store, settings)
        result["simulation"] = simulate_events(db, embed["embedder"], users=args.users, events=args.events)
        result["als"] = pipeline.retrain_cf(db, store, settings)
        pipeline.recompute_trending(db, settings)
        # What the worker's feeds.precompute does for active users (here: all of them), timed.
        live = LiveModels(store, refresh_seconds=0.0, ef_search=settings.hnsw_ef_search)
        with db.connection() as conn:
            live.index(conn)
            live.cf(conn)
        result["precompute"] = feed_cache.precompute(
            db, settings, lambda conn, user_id: feed.rank_and_store(conn, live, settings, user_id),
            feed.model_version(live))
        with db.connection() as conn:
            key = keys.create(conn, name="bench", scopes=["read"])
        db.close()

        headers = {"Authorization": f"Bearer {key}"}
        users = args.users

        def feed_path(n: int) -> str:
            return f"/v1/users/u{(n * 7919) % users}/feed?limit=20"

        with api_server(settings) as port:
            load(port, feed_path, clients=4, seconds=3, headers=headers)  # warm-up: load artifacts, fill caches
            result["feed_steady_200"] = load(port, feed_path, clients=8, seconds=args.seconds, headers=headers,
                                             total_rate=200)
            result["feed_16_clients"] = load(port, feed_path, clients=16, seconds=args.seconds, headers=headers)
            # The ranking path itself: `exclude=` makes every request rank anew (nothing reused).
            result["feed_16_clients_ranked_each_time"] = load(
                port, lambda n: feed_path(n) + "&exclude=none", clients=16, seconds=args.seconds, headers=headers)
            env = {**os.environ, **settings.as_environ()}
            trainer = subprocess.Popen(
                ["nice", "-n", "10", sys.executable, "-c",
                 "from bench.feed import retrain_forever; retrain_forever()"], env=env, cwd=REPO)
            time.sleep(2)
            result["feed_16_clients_during_retrain"] = load(port, feed_path, clients=16, seconds=args.seconds,
                                                            headers=headers)
            trainer.terminate()
            trainer.wait(60)
            if args.experiments:
                for mode, variant in (("split", {"FEED_MMR_LAMBDA": "0.8"}), ("interleave", {"FEED_WEIGHT_CF": "0.8"})):
                    start_experiment(url, mode, variant)
                    result[f"feed_steady_200_{mode}_experiment"] = load(
                        port, feed_path, clients=8, seconds=args.seconds, headers=headers, total_rate=200)
                    result[f"feed_16_clients_ranked_each_time_{mode}_experiment"] = load(
                        port, lambda n: feed_path(n) + "&exclude=none", clients=16, seconds=args.seconds,
                        headers=headers)
        minimal = [sys.executable, "-m", "gunicorn", "--config", str(REPO / "infra" / "gunicorn.conf.py"),
                   "bench.minimal_app:create_app()"]
        with api_server(settings, argv=minimal) as port:
            result["minimal_flask_16_clients"] = load(port, lambda n: "/items", clients=16, seconds=args.seconds)

    ceiling = result["minimal_flask_16_clients"]["rps"]
    result["feed_fraction_of_minimal"] = round(result["feed_16_clients"]["rps"] / ceiling, 3) if ceiling else None
    result["targets"] = {"steady_200_p50_ms": 5, "steady_200_p99_ms": 25, "feeds_per_s_16_clients": 500,
                         "p99_ms_during_retrain": 50, "als_seconds": 10, "index_seconds": 5}
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {args.out}")


def start_experiment(url: str, mode: str, overrides: dict[str, str]) -> None:
    """Stop whatever experiment runs and start one of ``mode`` covering every reader (half per variant)."""
    from services.recommender import experiment_admin

    db = Database(url, min_size=0, max_size=1)
    with db.connection() as conn:
        for row in experiment_admin.listing(conn, status="running", limit=100, after=None):
            experiment_admin.stop(conn, row["id"])
        experiment_admin.create(conn, {"name": f"bench-{mode}", "mode": mode, "variants": [
            {"name": "control", "share": 0.5, "overrides": {}},
            {"name": "variant", "share": 0.5, "overrides": overrides}]}, created_by="bench")
    db.close()


def retrain_forever() -> None:
    """Run by the benchmark in a child process: retrain CF back to back until terminated."""
    from services.config import Settings

    settings = Settings.from_env()
    db = Database(settings.database_url, min_size=0, max_size=2)
    store = ArtifactStore(settings.artifacts)
    while True:
        pipeline.retrain_cf(db, store, settings)


def print_table(r: dict) -> None:
    print(f"\n{'step':<34} {'value':>14}")
    rows = [
        ("papers", r["papers"]),
        ("LSA embed, papers/s", r["embed_lsa"].get("papers_per_second")),
        ("LSA fit + embed, s", r["embed_lsa"]["seconds_with_fit"]),
        ("MiniLM embed, papers/s", r["embed_minilm"]["papers_per_second"]),
        ("index build, s", r["index"]["seconds"]),
        ("events simulated", r["simulation"]["events"]),
        ("ALS end to end, s", r["als"].get("total_seconds")),
        ("ALS read from PostgreSQL, s", r["als"].get("read_seconds")),
        ("ALS holdout recall@20", r["als"].get("recall@20")),
        ("precompute: feeds ranked", r["precompute"]["ranked"]),
        ("precompute: feeds/s (one process)", r["precompute"]["feeds_per_second"]),
    ]
    for name, value in rows:
        print(f"{name:<34} {value!s:>14}")
    print(f"\n{'load':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name in ("feed_steady_200", "feed_16_clients", "feed_16_clients_ranked_each_time",
                 "feed_16_clients_during_retrain", "minimal_flask_16_clients", "feed_steady_200_split_experiment",
                 "feed_16_clients_ranked_each_time_split_experiment", "feed_steady_200_interleave_experiment",
                 "feed_16_clients_ranked_each_time_interleave_experiment"):
        if name not in r:
            continue
        row = r[name]
        print(f"{name:<34} {row['rps']:>8} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} {row['errors']:>7}")
    print(f"\nfeed throughput / minimal Flask view: {r['feed_fraction_of_minimal']}")


if __name__ == "__main__":
    main()
