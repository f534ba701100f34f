"""A scale run: the catalogue and activity of the demo times ``--factor``, every pipeline step, a mixed load.

The demo (bench/load.py's data set) is 20,737 CC0 arXiv papers, 10,000 users and 1,000,000 events; the
default factor 10 makes ≈ 207,000 papers (the arXiv set, then copies of it with perturbed titles and
abstracts: a tenth of the words swapped for words of another paper, two title words swapped), 100,000
users and 10,000,000 events. On a fresh database (embedded PostgreSQL and Redis unless DATABASE_URL /
REDIS_URL are set) it runs, each step timed, in this process (as a worker would):

    import      papers upserted through the importer (batches of 2,000)
    embed       LSA fitted and every paper embedded            (pipeline.embed_missing)
    index       the content index built                        (pipeline.rebuild_index)
    events      simulated users' events COPY'd in              (bench/feed.simulate_events)
    als         CF trained, evaluated, published               (pipeline.retrain_cf)
    trending    the trending table recomputed                  (pipeline.recompute_trending), and its query's
                EXPLAIN ANALYZE with and without events_time_idx (rolled back)
    precompute  stored feeds for active users, for at most --precompute-seconds (feed_cache.precompute)
    profiles    alert profiles of every subscriber             (profiles.refresh; everyone subscribes:
                instant + daily digest on the inbox)
    alerts      1,000 new papers imported, embedded and matched to every profile (matching.match_new_papers)
    digests     every user's daily digest composed             (digests.compose_due)

then gunicorn (the API_WORKERS × API_THREADS defaults) under bench/load.py's mixed workload (75 % feeds,
15 % events, 5 % search, 5 % similar/trending) at each --clients count for --seconds. Reported: each
step's seconds, the peak RSS of this process (the worker's work), of the largest PostgreSQL process and
of all PostgreSQL processes together during the step, each gunicorn worker's peak RSS under load, and the
disk used (database, largest tables, artifacts). Prints a table, writes JSON. Not part of `make test`;
a full 10× run took 42–53 minutes of a 2-core machine (docs/operations.md): try --factor 1 first.

    .venv/bin/python bench/scale.py --factor 1 --out bench/results/scale-1x.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


import psutil  # noqa: E402

from bench.alerts import CATALOGUE  # noqa: E402
from bench.common import REPO, api_server, fresh_database, precompute_feeds  # noqa: E402
from bench.feed import simulate_events  # noqa: E402
from bench.load import step as load_step  # noqa: E402  (caps native threads at one, as load.py does)
from services import keys  # noqa: E402
from services.alerts import digests, matching, profiles  # noqa: E402
from services.catalog.importer import import_lines  # noqa: E402
from services.db import Database  # noqa: E402
from services.recommender import pipeline  # noqa: E402
from services.recommender.artifacts import ArtifactStore  # noqa: E402
from services.store import trending  # noqa: E402

DEMO = {"papers": 20_737, "users": 10_000, "events": 1_000_000}
NEW_PAPERS = 1_000
# A year of history: trending's 30-day window is then a twelfth of the events, as on a service a year old.
HISTORY_DAYS = 365.0
# main before migration 0014 (events_time_idx) and trending's float decay.
BEFORE_INDEX_COMMIT = "76429e5"


def replicated(lines: list[str], copies: int, *, start: int = 0, seed: int = 0) -> Iterator[str]:
    """The catalogue lines, then copy k = 1, 2, … of each with a new id and perturbed text, until
    ``copies`` papers in all (starting at paper ``start`` of that sequence)."""
    rng = random.Random(seed)
    papers = [json.loads(line) for line in lines]
    words = [p["abstract"].split() for p in papers]
    for n in range(start, start + copies):
        k, i = divmod(n, len(papers))
        paper = papers[i]
        if k == 0:
            yield json.dumps(paper)
            continue
        abstract = list(words[i])
        donor = words[rng.randrange(len(words))]
        for j in rng.sample(range(len(abstract)), len(abstract) // 10):
            abstract[j] = donor[rng.randrange(len(donor))]
        title = paper["title"].split()
        if len(title) > 2:
            a, b = rng.sample(range(len(title)), 2)
            title[a], title[b] = title[b], title[a]
        yield json.dumps({**paper, "id": f"{paper['id']}-x{k}", "title": " ".join(title),
                          "abstract": " ".join(abstract)})


class PeakMemory:
    """Peak RSS (MB) of this process, of the largest PostgreSQL process and of all PostgreSQL processes
    (the postmaster of ``backend_pid`` and its children) while the block runs, sampled twice a second."""

    def __init__(self, backend_pid: int) -> None:
        self.postmaster = psutil.Process(backend_pid).parent()
        self.me = psutil.Process()
        self.peak = {"bench_process_mb": 0.0, "postgres_largest_mb": 0.0, "postgres_total_mb": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        rss = []
        for p in [self.postmaster, *self.postmaster.children()]:
            with contextlib.suppress(psutil.Error):  # the process ended between listing and reading
                rss.append(p.memory_info().rss / 2**20)
        for name, value in (("bench_process_mb", self.me.memory_info().rss / 2**20),
                            ("postgres_largest_mb", max(rss, default=0.0)), ("postgres_total_mb", sum(rss))):
            self.peak[name] = max(self.peak[name], round(value, 1))

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(0.5):
                return

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


class Steps:
    """Runs named steps, recording each one's seconds, result and peak memory; after each step the rows so
    far are written to ``checkpoint`` (marked partial), so a run cut short keeps what it measured."""

    def __init__(self, backend_pid: int, checkpoint: Path, header: dict) -> None:
        self.backend_pid = backend_pid
        self.checkpoint = checkpoint
        self.header = header
        self.rows: list[dict] = []

    def run(self, name: str, fn, *args, **kwargs):
        print(f"{name} …", end=" ", flush=True)
        with PeakMemory(self.backend_pid) as memory:
            started = time.perf_counter()
            result = fn(*args, **kwargs)
            seconds = time.perf_counter() - started
        self.rows.append({"step": name, "seconds": round(seconds, 1), **memory.peak, "result": result})
        print(f"{seconds:.1f} s", flush=True)
        self.save()
        return result

    def save(self) -> None:
        """Write what is measured so far (the header as it is now, and the rows) to the checkpoint."""
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        self.checkpoint.write_text(json.dumps({**self.header, "partial": True, "steps": self.rows}, indent=2,
                                              default=str))


def _import(db: Database, lines: Iterator[str]) -> dict:
    report = import_lines(db, lines, batch_size=2000)
    return {"lines": report.lines, "stored": report.stored, "rejected": len(report.rejected)}


def _subscribe_everyone(db: Database, users: int) -> dict:
    """Every simulated user subscribes: instant alerts and a daily digest, both on the inbox."""
    with db.connection() as conn, conn.cursor() as cur:
        with cur.copy("COPY subscriptions (user_id, id, kind, channel, frequency) FROM STDIN") as copy:
            for u in range(users):
                copy.write_row((f"u{u}", "instant", "instant", "inbox", None))
                copy.write_row((f"u{u}", "daily", "digest", "inbox", "daily"))
        # The catalogue already there was matched long ago: only the new papers alert.
        cur.execute("UPDATE papers SET alerts_matched_at = now()")
    return {"subscriptions": 2 * users}


def _query_before_index() -> str | None:
    """Trending's recompute as it was before migration 0014 (numeric decay over a join of every event with
    the windows), read from git: the 'before' of the comparison."""
    try:
        source = subprocess.run(["git", "show", f"{BEFORE_INDEX_COMMIT}:services/store/trending.py"], cwd=REPO,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r'_RECOMPUTE = """(.*?)"""', source, re.S)
    return match.group(1) if match else None


def _trending_plans(db: Database, settings) -> dict:
    """EXPLAIN ANALYZE of trending's recompute: today's query with events_time_idx, the same query
    without the index, and the query before 0014 without it (the index dropped in the same transaction,
    which is rolled back)."""
    weights = settings.event_weights
    params = {"star": weights.get("star", 0.0), "read": weights.get("read", 0.0),
              "click": weights.get("click", 0.0), "upvote": settings.trending_weight_upvote}
    before = _query_before_index()
    out: dict = {"before_commit": BEFORE_INDEX_COMMIT}
    with db.connection() as conn:
        for name in ("with_time_index", "without_time_index", "before_0014"):
            if name == "without_time_index":
                conn.execute("DROP INDEX events_time_idx")
            conn.execute("DELETE FROM trending")
            if name == "before_0014":
                if before is None:
                    continue
                lines = [r["QUERY PLAN"] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + before, params)]
            else:
                lines = trending.plan(conn, weights, upvote_weight=settings.trending_weight_upvote)
            scans = [line.strip().removeprefix("-> ") for line in lines if " on events " in line]
            out[name] = {"execution_ms": float(lines[-1].split(":")[1].split()[0]), "events_scans": scans,
                         "plan": lines}
        conn.rollback()
    return out


def _precompute(db: Database, store: ArtifactStore, settings, seconds: float) -> dict:
    return precompute_feeds(db, store, settings, seconds=seconds)


def _disk(db: Database, artifacts: Path) -> dict:
    with db.connection() as conn:
        database = conn.execute("SELECT pg_database_size(current_database()) AS b").fetchone()["b"]
        tables = conn.execute(
            """SELECT c.relname AS name, pg_total_relation_size(c.oid) AS total, pg_relation_size(c.oid) AS heap
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind = 'r'
               ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8""").fetchall()
        events_indexes = conn.execute(
            """SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid) AS bytes
               FROM pg_index WHERE indrelid = 'events'::regclass ORDER BY 2 DESC""").fetchall()
    art = sum(f.stat().st_size for f in artifacts.rglob("*") if f.is_file()) if artifacts.exists() else 0
    mb = 2**20
    return {"database_mb": round(database / mb), "artifacts_mb": round(art / mb),
            "tables_mb": {t["name"]: {"total": round(t["total"] / mb), "heap": round(t["heap"] / mb)} for t in tables},
            "events_indexes_mb": {i["name"]: round(i["bytes"] / mb) for i in events_indexes}}


def _child(name: str) -> psutil.Process:
    """This process's child whose command line names ``name`` (children that have exited and not been
    reaped, e.g. an embedded server's daemonizing parent, have no command line to read)."""
    for process in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if name in " ".join(process.cmdline()):
                return process
    raise RuntimeError(f"no {name} process among this process's children")


def _wait_ready(port: int, seconds: float = 180.0) -> None:
    """Wait for /readyz to answer 200 (models loaded, schema as the code expects); raise with its last answer."""
    deadline, last = time.monotonic() + seconds, b""
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=30)
            return
        except urllib.error.HTTPError as exc:
            last = exc.read()[:500]
        time.sleep(2)
    raise RuntimeError(f"the API is not ready, no load measured: {last!r}")


def _mixed_load(settings, key: str, users: int, paper_ids: list[str], clients: list[int], seconds: float) -> list:
    rows = []
    with api_server(settings) as port:
        gunicorn = _child("gunicorn")
        # gunicorn imports the checkout as it is now: code changed since this run migrated would answer
        # errors for what the load measures (a run once did). Refuse to measure a server not ready.
        _wait_ready(port)
        headers = {"Authorization": f"Bearer {key}"}
        load_step(port, gunicorn.pid, headers, 2, 3.0, users, paper_ids)  # warm-up: models loaded
        for n in clients:
            row = load_step(port, gunicorn.pid, headers, n, seconds, users, paper_ids)
            rows.append({k: row[k] for k in ("clients", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")}
                        | {"per_endpoint": row["per_endpoint"],
                           "worker_rss_mb": [w["rss_mb"] for w in row["workers"]]})
            print(f"  {n} clients: {row['rps']} req/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, "
                  f"errors {row['errors']}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=float, default=10.0, help="times the demo's papers, users and events")
    parser.add_argument("--papers", type=Path, default=CATALOGUE)
    parser.add_argument("--seconds", type=float, default=10.0, help="per mixed-load step")
    parser.add_argument("--clients", default="4,16", help="closed-loop clients of each mixed-load step")
    parser.add_argument("--precompute-seconds", type=float, default=120.0,
                        help="budget of the one precompute run measured (the worker's is 240 s per run)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sizes = {k: max(1, round(v * args.factor)) for k, v in DEMO.items()}
    out = args.out or REPO / "bench" / "results" / f"scale-{args.factor:g}x.json"
    with open(args.papers) as fh:
        lines = fh.readlines()
    result: dict = {"benchmark": "scale", "factor": args.factor, "sizes": {**sizes, "new_papers": NEW_PAPERS},
                    "cpu_count": os.cpu_count(), "started_at": dt.datetime.now(dt.UTC).isoformat()}
    artifacts = REPO / ".paperfeed" / "bench-scale" / f"artifacts-{os.getpid()}"
    with fresh_database("bench-scale") as (server_settings, url):
        settings = server_settings.replace(database_url=url, artifact_dir=artifacts, log_level="WARNING",
                                           rate_limit_key="100000000/minute")
        db = Database(url, min_size=0, max_size=4)
        store = ArtifactStore(settings.artifacts)
        with db.connection() as conn:
            backend = conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
        steps = Steps(backend, out, result)
        steps.run("import", _import, db, replicated(lines, sizes["papers"]))
        embedded = steps.run("embed", pipeline.embed_missing, db, store, settings)
        steps.run("index", pipeline.rebuild_index, db, store, settings)
        steps.run("events", simulate_events, db, embedded["embedder"], users=sizes["users"], events=sizes["events"],
                  days=HISTORY_DAYS)
        with db.connection() as conn:  # what autovacuum does within a minute of a bulk load
            conn.autocommit = True
            conn.execute("ANALYZE")
        steps.run("als", pipeline.retrain_cf, db, store, settings)
        steps.run("trending", pipeline.recompute_trending, db, settings)
        result["trending_plans"] = _trending_plans(db, settings)
        steps.run("precompute", _precompute, db, store, settings, args.precompute_seconds)
        steps.run("subscribe", _subscribe_everyone, db, sizes["users"])
        steps.run("profiles", profiles.refresh, db, settings)
        # New papers: the next copies of the catalogue, never imported before.
        steps.run("new papers", _import, db, replicated(lines, NEW_PAPERS, start=sizes["papers"], seed=1))
        steps.run("embed new", pipeline.embed_missing, db, store, settings)
        steps.run("instant alerts", matching.match_new_papers, db, settings)
        now = dt.datetime.now(dt.UTC).replace(hour=max(settings.digest_local_hour, 9))
        steps.run("digests", digests.compose_due, db, settings, now=now)
        with db.connection() as conn:
            key = keys.create(conn, name="scale", scopes=["write"])
            paper_ids = [r["id"] for r in conn.execute("SELECT id FROM papers ORDER BY random() LIMIT 5000")]
        result["steps"] = steps.rows
        result["disk"] = _disk(db, artifacts)
        steps.save()
        db.close()
        result["mixed_load"] = _mixed_load(settings, key, sizes["users"], paper_ids,
                                           [int(c) for c in args.clients.split(",")], args.seconds)
    shutil.rmtree(artifacts, ignore_errors=True)
    print_table(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {out}")


def print_table(r: dict) -> None:
    s = r["sizes"]
    print(f"\n{r['factor']:g}× the demo: {s['papers']:,} papers, {s['users']:,} users, {s['events']:,} events, "
          f"{s['new_papers']:,} new papers")
    print(f"{'step':<16} {'seconds':>9} {'bench MB':>9} {'pg max MB':>10} {'pg all MB':>10}")
    for row in r["steps"]:
        print(f"{row['step']:<16} {row['seconds']:>9} {row['bench_process_mb']:>9} {row['postgres_largest_mb']:>10} "
              f"{row['postgres_total_mb']:>10}")
    t = r["trending_plans"]
    print("\ntrending recompute query: " + ", ".join(
        f"{name} {t[name]['execution_ms']:.0f} ms" for name in ("with_time_index", "without_time_index", "before_0014")
        if name in t))
    d = r["disk"]
    print(f"disk: database {d['database_mb']} MB, artifacts {d['artifacts_mb']} MB; events indexes "
          + ", ".join(f"{k} {v} MB" for k, v in d["events_indexes_mb"].items()))
    for row in r["mixed_load"]:
        print(f"mixed load, {row['clients']} clients: {row['rps']} req/s, p50 {row['p50_ms']} ms, "
              f"p99 {row['p99_ms']} ms, errors {row['errors']}, gunicorn worker RSS {row['worker_rss_mb']} MB")


if __name__ == "__main__":
    main()
