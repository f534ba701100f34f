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
- with Debian's ``wrk`` (an external client: its cost is not the server's), in the same server and the
  same run: ``/healthz`` (the app's minimal view, through the same middleware) and the stored feed of
  200 readers whose feeds were ranked ahead of time (a Lua script rotates them; 2 threads, 16
  connections), the stored feed with ``fields=`` and with ``Accept-Encoding: gzip``; ``--wrk-runs``
  rounds, each its own ratio, medians reported. Also a page's bytes (all fields, ``fields=``, gzip,
  br), the CPU of compressing one, and of serialising one (marshmallow dump + JSON vs ready bytes);
- with ``--experiments``, the same loads again while an experiment runs: a split one (every reader
  assigned, half ranked with another FEED_MMR_LAMBDA), then an interleaved one (each feed ranked
  twice and drafted): what an experiment costs the feed (docs/experiments.md).

Client processes share the machine with the server: the numbers are a floor for the server alone.

    .venv/bin/python bench/feed.py --out bench/results/feed.json [--events 1000000] [--seconds 15]
    .venv/bin/python bench/feed.py --wrk-only --users 1000 --events 100000 --wrk-seconds 10 --wrk-runs 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.threads import cap_native_threads  # noqa: E402

cap_native_threads(1)  # as the worker runs training (CF_THREADS=1): set before numpy loads

import numpy as np  # noqa: E402

from bench.common import (  # noqa: E402
    REPO,
    api_server,
    cpu_ms_per_request,
    cpu_seconds_by_program,
    fresh_database,
    load,
    precompute_feeds,
)
from services import keys  # noqa: E402
from services.catalog.importer import import_lines, open_text  # noqa: E402
from services.db import Database  # noqa: E402
from services.recommender import pipeline  # noqa: E402
from services.recommender.artifacts import ArtifactStore  # noqa: E402
from services.recommender.embedders import MiniLmEmbedder, from_bytes, paper_text  # noqa: E402
from services.store import embeddings  # noqa: E402

# ../shared beside the checkout (one level further up from a helper's worktree under wt/).
ARXIV = next((base / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl"
              for base in (REPO.parent, REPO.parent.parent) if (base / "shared").is_dir()),
             REPO.parent / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl")
TOPICS = 60
# wrk as the issue measures it: 2 threads, 16 connections, 200 readers whose feeds are stored.
WRK_THREADS, WRK_CONNECTIONS, WRK_READERS = 2, 16, 200
SELECTED_FIELDS = "id,title,authors,reasons"


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
    parser.add_argument("--api-workers", type=int, default=3, help="gunicorn workers of the measured API")
    parser.add_argument("--wrk-seconds", type=float, default=10.0, help="each wrk load's duration")
    parser.add_argument("--wrk-runs", type=int, default=3, help="rounds of the wrk loads (medians reported)")
    parser.add_argument("--baseline", type=Path,
                        help="another checkout (e.g. `git worktree add /tmp/base <commit>`) at the same schema: "
                             "its API is measured too, alternating round by round with this one on the same data")
    parser.add_argument("--wrk-only", action="store_true",
                        help="only what wrk measures (skips MiniLM, the Python clients' loads and the retrain)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:  # checked first: the set-up before the wrk loads takes minutes
        parser.exit(2, "bench/feed.py needs Debian's wrk, the external load generator: apt-get install -y wrk\n")
    result: dict = {"benchmark": "feed", "cpu_count": os.cpu_count()}

    with fresh_database("bench") as (server_settings, url):
        settings = server_settings.replace(database_url=url, artifact_dir=Path(f"{REPO}/.paperfeed/bench/artifacts-{os.getpid()}"),
                                           api_workers=args.api_workers, rate_limit_key="100000000/minute",
                                           rate_limit_anonymous="100000000/minute", log_level="WARNING",
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
        if not args.wrk_only:
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
        with db.connection() as conn:  # what autovacuum does within a minute of a bulk load on a running service
            conn.autocommit = True
            conn.execute("ANALYZE")
        # What the worker's feeds.precompute does for active users (here: all of them), timed.
        result["precompute"] = precompute_feeds(db, store, settings)
        with db.connection() as conn:
            key = keys.create(conn, name="bench", scopes=["read"])
        db.close()

        headers = {"Authorization": f"Bearer {key}"}
        users = args.users

        def feed_path(n: int) -> str:
            return f"/v1/users/u{(n * 7919) % users}/feed?limit=20"

        with api_server(settings) as port:
            load(port, feed_path, clients=4, seconds=3, headers=headers)  # warm-up: load artifacts, fill caches
            ranked_before = count_feeds(url)
            result["wrk"] = wrk_loads(port, headers, runs=args.wrk_runs, seconds=args.wrk_seconds)
            # Every wrk request should have been a stored feed: none ranked (a ranked one adds a row).
            result["wrk"]["feeds_ranked_during_wrk"] = count_feeds(url) - ranked_before
            result["page_bytes"] = page_bytes(port, headers)
        if args.baseline:
            result["wrk_paired"] = paired_wrk_loads(settings, headers, args.baseline, runs=args.wrk_runs,
                                                    seconds=args.wrk_seconds)
        result["stored_feed_profile"] = profile_stored_feed(settings, url, headers)
        if args.wrk_only:
            return finish(args, result)
        with api_server(settings) as port:
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
    finish(args, result)


def finish(args: argparse.Namespace, result: dict) -> None:
    result["serialise_page_ms"] = serialise_cost(args.papers)
    result["targets"] = {"steady_200_p50_ms": 5, "steady_200_p99_ms": 25, "feeds_per_s_16_clients": 500,
                         "p99_ms_during_retrain": 50, "als_seconds": 10, "index_seconds": 5,
                         "wrk_stored_over_healthz": 0.40, "wrk_stored_p99_ms": 25}
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {args.out}")


# The Lua script wrk runs: each thread rotates over the readers' feed paths; headers set once.
WRK_SCRIPT = """
local paths = {%(paths)s}
%(headers)s
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def run_wrk(port: int, *, prefix: str, suffix: str = "", readers: int | None = None,
            headers: dict[str, str] | None = None, seconds: float) -> dict:
    """One wrk load (WRK_THREADS threads, WRK_CONNECTIONS connections) over ``prefix<i>suffix`` for i <
    ``readers`` (``prefix`` alone without readers); req/s, p50/p99 from wrk's latency distribution, and
    every non-2xx/3xx answer and socket error."""
    paths = [prefix] if readers is None else [f"{prefix}{i}{suffix}" for i in range(readers)]
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in (headers or {}).items())
    script = WRK_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in paths), "headers": lines}
    figures, _ = run_wrk_script(port, script, seconds=seconds)
    return figures


def run_wrk_script(port: int, script_text: str, *, seconds: float, connections: int = WRK_CONNECTIONS,
                   threads: int = WRK_THREADS) -> tuple[dict, str]:
    """Run wrk for ``seconds`` with the Lua script ``script_text`` against 127.0.0.1:``port`` (``threads``
    ≤ ``connections``). Returns wrk's figures (req/s, requests, p50/p99 ms from its latency distribution,
    errors: every answer wrk counts as non-2xx/3xx (status > 399) plus every socket error, and CPU ms per
    request by program over the run, wrk's own included) and wrk's whole stdout, which ends with whatever
    the script's ``done()`` printed."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    try:
        cpu_before = cpu_seconds_by_program()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
                              "-s", script.name, f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after = cpu_seconds_by_program()
    finally:
        os.unlink(script.name)
    # wrk has exited by the second reading, which misses it: its CPU is what this process's reaped
    # children gained meanwhile (wrk alone; the API's processes are not reaped while it runs).
    cpu_after["wrk"] = cpu_after.get("wrk", 0.0) + (children.ru_utime - children_before.ru_utime
                                                    + children.ru_stime - children_before.ru_stime)

    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return round(float(value) * _UNITS[unit], 2)

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": requests,
            "p50_ms": latency("50"), "p99_ms": latency("99"),
            "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
            "non_2xx_3xx": int(bad.group(1)) if bad else 0,
            "cpu_ms_per_request": cpu_ms_per_request(cpu_before, cpu_after, requests)}, out


def wrk_loads(port: int, headers: dict[str, str], *, runs: int, seconds: float) -> dict:
    """``runs`` rounds of: /healthz, the stored feed, the stored feed with fields=, the stored feed
    gzip-compressed. The readers are u0…u199 (their feeds were precomputed, so every answer is stored;
    the caller counts feeds ranked meanwhile). Each round's ratio is stored/healthz of that round; the medians are reported."""
    stored = {"prefix": "/v1/users/u", "suffix": "/feed?limit=20", "readers": WRK_READERS, "headers": headers}
    loads = {
        "healthz": {"prefix": "/healthz"},
        "stored_feed": stored,
        "stored_feed_fields": {**stored, "suffix": f"/feed?limit=20&fields={SELECTED_FIELDS}"},
        "stored_feed_gzip": {**stored, "headers": {**headers, "Accept-Encoding": "gzip"}},
    }
    rounds: list[dict] = []
    for _ in range(runs):
        this = {name: run_wrk(port, seconds=seconds, **spec) for name, spec in loads.items()}
        this["ratio"] = round(this["stored_feed"]["rps"] / this["healthz"]["rps"], 3)
        rounds.append(this)
    median = {name: {k: statistics.median(r[name][k] for r in rounds) for k in ("rps", "p50_ms", "p99_ms")}
              | {"errors": sum(r[name]["errors"] for r in rounds)} for name in loads}
    median["ratio"] = statistics.median(r["ratio"] for r in rounds)
    return {"rounds": rounds, "median": median}


def paired_wrk_loads(settings, headers: dict[str, str], baseline: Path, *, runs: int, seconds: float) -> dict:
    """``runs`` rounds, each measuring /healthz and the stored feed with wrk on this checkout's API and on
    ``baseline``'s (which goes first alternates by round, so drift on a shared machine falls on both),
    same database, same readers. Per round: each side's req/s, stored/healthz ratio and CPU by program,
    and this checkout's stored req/s over the baseline's; medians across rounds."""
    sides = {"this": REPO, "baseline": baseline.resolve()}
    stored = {"prefix": "/v1/users/u", "suffix": "/feed?limit=20", "readers": WRK_READERS, "headers": headers}
    rounds: list[dict] = []
    for n in range(runs):
        this_round: dict = {}
        for side in (("this", "baseline") if n % 2 == 0 else ("baseline", "this")):
            with api_server(settings, cwd=sides[side]) as port:
                load(port, lambda i: f"/v1/users/u{i % WRK_READERS}/feed?limit=20", clients=4, seconds=2,
                     headers=headers)  # warm-up: every reader's page kept and held
                healthz = run_wrk(port, prefix="/healthz", seconds=seconds)
                feed = run_wrk(port, seconds=seconds, **stored)
            this_round[side] = {"healthz": healthz, "stored_feed": feed,
                                "ratio": round(feed["rps"] / healthz["rps"], 3)}
        this_round["stored_this_over_baseline"] = round(
            this_round["this"]["stored_feed"]["rps"] / this_round["baseline"]["stored_feed"]["rps"], 3)
        rounds.append(this_round)

    def median(side: str, load_name: str, key: str) -> float:
        return statistics.median(r[side][load_name][key] for r in rounds)

    return {"baseline": str(sides["baseline"]), "rounds": rounds, "median": {
        side: {"healthz_rps": median(side, "healthz", "rps"), "stored_rps": median(side, "stored_feed", "rps"),
               "stored_p50_ms": median(side, "stored_feed", "p50_ms"),
               "stored_p99_ms": median(side, "stored_feed", "p99_ms"),
               "ratio": statistics.median(r[side]["ratio"] for r in rounds)} for side in sides}
        | {"stored_this_over_baseline": statistics.median(r["stored_this_over_baseline"] for r in rounds)}}


def profile_stored_feed(settings, url: str, headers: dict[str, str], requests: int = 300) -> dict:
    """cProfile of the stored feed in process (the wrk readers' feeds, all stored): where its CPU goes."""
    import cProfile
    import io
    import pstats

    from services.app import create_app

    db = Database(url, min_size=0, max_size=2)
    client = create_app(settings, db=db).test_client()
    for n in range(WRK_READERS):  # warm-up: every reader's page once, fragments cached as under wrk
        client.get(f"/v1/users/u{n}/feed?limit=20", headers=headers)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for n in range(requests):
        client.get(f"/v1/users/u{n % WRK_READERS}/feed?limit=20", headers=headers)
    profiler.disable()
    seconds = time.perf_counter() - started
    db.close()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
    return {"ms_per_request_in_process": round(seconds / requests * 1000, 2),
            "top_own_time": [line for line in text.getvalue().splitlines() if "(" in line][:25]}


def count_feeds(url: str) -> int:
    db = Database(url, min_size=0, max_size=1)
    with db.connection() as conn:
        n = conn.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"]
    db.close()
    return n


def page_bytes(port: int, headers: dict[str, str]) -> dict:
    """One stored first page's size: every field, fields=, and each compressed (as sent)."""
    sizes = {}
    for name, suffix, encoding in (("all_fields", "", None), ("all_fields_gzip", "", "gzip"),
                                   ("all_fields_br", "", "br"), ("fields", f"&fields={SELECTED_FIELDS}", None),
                                   ("fields_gzip", f"&fields={SELECTED_FIELDS}", "gzip")):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/users/u1/feed?limit=20{suffix}",
                                         headers={**headers, **({"Accept-Encoding": encoding} if encoding else {})})
        with urllib.request.urlopen(request) as response:  # nosec B310  # the benchmark's own local server
            assert response.headers.get("Content-Encoding") == encoding, (name, response.headers)
            sizes[name] = len(response.read())
    return sizes


def serialise_cost(papers_path: Path, repeat: int = 200) -> dict:
    """CPU of turning one 20-item page of real papers into bytes: marshmallow dump + json (the schema
    path), ready bytes with every fragment cached (the fast path), and compressing the full page."""
    import brotli

    from schemas.feed import FeedPage
    from services.api.ready import PaperFragments, feed_page_bytes

    with open_text(papers_path) as lines:
        rows = [json.loads(line) for _, line in zip(range(20), lines, strict=False)]
    stamp = dt.datetime.now(dt.UTC)
    papers = [{"id": r["id"], "title": r["title"], "abstract": r.get("abstract") or "", "authors": r.get("authors") or [],
               "categories": r.get("categories") or [], "published_at": stamp, "url": r.get("abs_url"),
               "code_urls": [], "comment": r.get("comment"), "created_at": stamp, "updated_at": stamp} for r in rows]
    page = {"items": [{"paper": p, "score": 0.5, "reasons": [{"kind": "similar_to_starred", "detail": "Like one "
                                                                                                     "you starred"}]}
                      for p in papers], "next_cursor": "x" * 60, "model_version": "cf:1;index:1", "feed_id": "f" * 36}

    def timed(fn) -> float:
        fn()
        started = time.process_time()
        for _ in range(repeat):
            fn()
        return round((time.process_time() - started) / repeat * 1000, 3)

    schema, cache = FeedPage(), PaperFragments()
    body = feed_page_bytes(page, cache)
    return {"marshmallow_json": timed(lambda: json.dumps(schema.dump(page)).encode()),
            "ready_bytes": timed(lambda: feed_page_bytes(page, cache)),
            "gzip_level_1": timed(lambda: gzip.compress(body, 1)),
            "brotli_quality_0": timed(lambda: brotli.compress(body, quality=0)),
            "page_bytes": len(body)}


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
    if "wrk" in r:
        print_wrk(r)
    print(f"\n{'step':<34} {'value':>14}")
    rows = [
        ("papers", r["papers"]),
        ("LSA embed, papers/s", r["embed_lsa"].get("papers_per_second")),
        ("LSA fit + embed, s", r["embed_lsa"]["seconds_with_fit"]),
        ("MiniLM embed, papers/s", r.get("embed_minilm", {}).get("papers_per_second")),
        ("index build, s", r["index"]["seconds"]),
        *((f"  of which {name}, s", seconds) for name, seconds in r["index"].get("steps", {}).items()),
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
    if "feed_fraction_of_minimal" in r:
        print(f"\nfeed throughput / minimal Flask view: {r['feed_fraction_of_minimal']}")


def print_wrk(r: dict) -> None:
    median = r["wrk"]["median"]
    print(f"\nwrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}, {len(r['wrk']['rounds'])} rounds (medians)")
    print(f"{'load':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, row in median.items():
        if name != "ratio":
            print(f"{name:<26} {row['rps']:>9} {row['p50_ms']:>8} {row['p99_ms']:>8} {row['errors']:>7}")
    print(f"stored feed / healthz, per round: {[x['ratio'] for x in r['wrk']['rounds']]}, median {median['ratio']}")
    print(f"feeds ranked during the wrk loads (0: every answer was stored): {r['wrk']['feeds_ranked_during_wrk']}")
    print(f"page bytes (20 items): {r['page_bytes']}")
    print(f"CPU ms per 20-item page: {r['serialise_page_ms']}")
    if "wrk_paired" in r:
        paired = r["wrk_paired"]
        print(f"\nalternating with the baseline {paired['baseline']} (medians of {len(paired['rounds'])} rounds):")
        for side in ("this", "baseline"):
            print(f"  {side:<9} {paired['median'][side]}")
        print(f"  stored feed req/s, this / baseline, per round: "
              f"{[x['stored_this_over_baseline'] for x in paired['rounds']]}")
    if "stored_feed_profile" in r:
        prof = r["stored_feed_profile"]
        print(f"stored feed in process (test client, cProfile on): {prof['ms_per_request_in_process']} ms/request")
        print("\n".join(prof["top_own_time"]))


if __name__ == "__main__":
    main()
