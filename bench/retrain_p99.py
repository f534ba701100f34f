"""Stored-feed latency while a retrain runs: the worker's training priority (issue 14) measured.

A small world (the first --papers arXiv papers, --users simulated readers with --events events, LSA, index,
ALS, every reader's feed stored ahead of time), gunicorn serving it, and a steady open-loop load of stored
feeds (--rate per second, 8 client processes) in three phases of --seconds each, in the same run:

- quiet: nothing else running;
- retrain at normal priority: a child process retraining CF back to back, single-threaded (CF_THREADS=1,
  as before issue 14: the worker capped threads but did not nice);
- retrain as the worker now runs it: the same loop inside ``infra.threads.training`` (niced to
  WORKER_TRAINING_NICE, native pools capped at CF_THREADS).

    nice .venv/bin/python bench/retrain_p99.py --out bench/results/retrain_p99.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.threads import cap_native_threads  # noqa: E402

cap_native_threads(1)

from bench.common import REPO, api_server, fresh_database, load, precompute_feeds  # noqa: E402
from bench.feed import ARXIV, simulate_events  # noqa: E402
from services import keys  # noqa: E402
from services.catalog.importer import import_lines  # noqa: E402
from services.db import Database  # noqa: E402
from services.recommender import pipeline  # noqa: E402
from services.recommender.artifacts import ArtifactStore  # noqa: E402

CATALOGUE = next((p for p in (ARXIV, REPO.parent.parent / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl")
                  if p.exists()), ARXIV)
TRAINER = """
import sys
from infra.threads import training
from services.config import Settings
from services.db import Database
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
settings = Settings.from_env()
db = Database(settings.database_url, min_size=0, max_size=2)
store = ArtifactStore(settings.artifacts)
niced = sys.argv[1] == "training"
while True:
    if niced:
        with training(settings.cf_threads, settings.worker_training_nice):
            pipeline.retrain_cf(db, store, settings)
    else:
        pipeline.retrain_cf(db, store, settings)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "retrain_p99.json")
    args = parser.parse_args()
    result: dict = {"papers": args.papers, "users": args.users, "rate": args.rate}
    with fresh_database("bench-retrain") as (server_settings, url):
        settings = server_settings.replace(database_url=url, artifact_dir=REPO / ".paperfeed" / "bench-retrain-art",
                                           api_workers=2, rate_limit_key="100000000/minute", log_level="WARNING",
                                           cf_threads=1, feed_reuse_seconds=3600)
        db = Database(url, min_size=0, max_size=4)
        store = ArtifactStore(settings.artifacts)
        with open(CATALOGUE) as fh:
            import_lines(db, list(itertools.islice(fh, args.papers)))
        embedded = pipeline.embed_missing(db, store, settings)
        pipeline.rebuild_index(db, store, settings)
        simulate_events(db, embedded["embedder"], users=args.users, events=args.events)
        result["als"] = pipeline.retrain_cf(db, store, settings)
        pipeline.recompute_trending(db, settings)
        result["precompute"] = precompute_feeds(db, store, settings)
        with db.connection() as conn:
            key = keys.create(conn, name="bench", scopes=["read"])
        db.close()
        headers = {"Authorization": f"Bearer {key}"}

        def path(n: int) -> str:
            return f"/v1/users/u{(n * 7919) % args.users}/feed?limit=20"

        env = {**os.environ, **settings.as_environ()}
        with api_server(settings) as port:
            load(port, path, clients=4, seconds=3, headers=headers)  # warm-up
            result["quiet"] = load(port, path, clients=8, seconds=args.seconds, headers=headers, total_rate=args.rate)
            for mode in ("plain", "training"):
                trainer = subprocess.Popen([sys.executable, "-c", TRAINER, mode], env=env, cwd=REPO)
                time.sleep(2)
                result[f"retrain_{mode}"] = load(port, path, clients=8, seconds=args.seconds, headers=headers,
                                                 total_rate=args.rate)
                trainer.terminate()
                trainer.wait(60)
    print(f"\n{'phase':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, label in (("quiet", "stored feed, nothing else"), ("retrain_plain", "during a retrain, normal priority"),
                        ("retrain_training", "during a retrain, worker's training()")):
        row = result[name]
        print(f"{label:<40} {row['rps']:>8} {row['p50_ms']:>8} {row['p99_ms']:>8} {row['errors']:>7}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
