"""Ingest benchmark: events/s through the real HTTP API, and read latencies.

Starts its own gunicorn (2 workers) on a fresh database (embedded PostgreSQL/Redis unless DATABASE_URL /
REDIS_URL are set), loads the 3,000-paper demo catalogue, then:

- posts events in batches of 1, 100 and 1,000 from several client processes for a fixed time each,
  counting events the API accepted (202) per second of wall time;
- times GET /v1/papers/{id} and a full-text search, one request at a time;
- with Debian's ``wrk`` on PATH (``--wrk-runs 0`` skips it), posts events in batches of 1 and 100 from wrk
  (``bench/wrk_mix.WRK_EVENTS_SCRIPT``), each round beside ``/healthz`` at the same connections as the
  ceiling, with CPU per request by program: the server's capacity without the Python clients' cost.

Prints a table and writes JSON. Client and server share this machine's cores, so the numbers are a
floor for the server alone. Usage:

    .venv/bin/python bench/ingest.py --out bench/results/ingest.json [--seconds 15] [--clients 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, api_server, fresh_database, percentile, run_processes  # noqa: E402
from bench.feed import WRK_SCRIPT, run_wrk_script  # noqa: E402
from bench.wrk_mix import render_wrk_events, summary_counts  # noqa: E402
from infra.cli import DEMO_CATALOGUE  # noqa: E402
from services import keys  # noqa: E402
from services.catalog.importer import import_lines, open_text  # noqa: E402
from services.db import Database  # noqa: E402

N_USERS = 10_000


def _client(port: int, key: str, batch: int, seconds: float, paper_ids: list[str], seed: int, out: mp.Queue) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    accepted = errors = requests = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        events = []
        for _ in range(batch):
            n += 1
            events.append({"user_id": f"u{rng.randrange(N_USERS)}", "paper_id": rng.choice(paper_ids),
                           "type": rng.choice(("read", "read", "click", "star")), "event_id": f"{seed}-{n}"})
        body = json.dumps({"events": events})
        started = time.perf_counter()
        conn.request("POST", "/v1/events", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        latencies.append(time.perf_counter() - started)
        requests += 1
        if response.status == 202:
            accepted += json.loads(payload)["accepted"]
        else:
            errors += 1
    out.put({"accepted": accepted, "errors": errors, "requests": requests, "latencies": latencies})


def run_ingest(port: int, key: str, batch: int, clients: int, seconds: float, paper_ids: list[str]) -> dict:
    results, wall = run_processes(_client, [(port, key, batch, seconds, paper_ids, batch * 1000 + i)
                                            for i in range(clients)])
    latencies = [x for r in results for x in r["latencies"]]
    return {
        "batch": batch, "clients": clients, "seconds": round(wall, 2),
        "events_per_s": round(sum(r["accepted"] for r in results) / wall, 1),
        "requests_per_s": round(sum(r["requests"] for r in results) / wall, 1),
        "errors": sum(r["errors"] for r in results),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def wrk_events(port: int, key: str, paper_ids: list[str], *, batches: tuple[int, ...], runs: int,
               seconds: float, connections: int) -> list[dict]:
    """``runs`` rounds of: ``/healthz`` (the ceiling), then events from wrk in each of ``batches``; events/s
    counts accepted (202) requests only."""
    healthz = WRK_SCRIPT % {"paths": '"/healthz"', "headers": ""}
    rows = []
    for run in range(runs):
        ceiling, _ = run_wrk_script(port, healthz, seconds=seconds, connections=connections)
        for batch in batches:
            script = render_wrk_events(key=key, users=N_USERS, paper_ids=paper_ids, batch=batch,
                                        seed=1000 * run + batch)
            figures, out = run_wrk_script(port, script, seconds=seconds, connections=connections)
            counts = summary_counts(out, "paperfeed-events")
            accepted_share = counts["accepted_requests"] / max(1, figures["requests"])
            rows.append({"run": run, "batch": batch, "connections": connections,
                         "events_per_s": round(figures["rps"] * accepted_share * batch, 1),
                         "requests_per_s": figures["rps"], "healthz_rps": ceiling["rps"],
                         "share_of_healthz": round(figures["rps"] / ceiling["rps"], 3),
                         "p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"],
                         "errors": figures["errors"] + counts["other_status"],
                         "cpu_ms_per_request": figures["cpu_ms_per_request"]})
            print("wrk events:", rows[-1], flush=True)
    return rows


def time_reads(port: int, key: str, paths: list[str]) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}"}
    latencies = []
    for path in paths:
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        assert response.status == 200, (path, response.status)
    return {"requests": len(paths), "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "ingest.json")
    parser.add_argument("--seconds", type=float, default=15.0, help="per batch size")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--reads", type=int, default=1000, help="requests per read measurement")
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--wrk-runs", type=int, default=3, help="rounds of the wrk loads (0: none)")
    parser.add_argument("--wrk-seconds", type=float, default=10.0)
    parser.add_argument("--wrk-connections", type=int, default=8, help="the issue's single-event target: 8 clients")
    args = parser.parse_args()
    if args.wrk_runs and shutil.which("wrk") is None:
        print("wrk is not on PATH: the wrk loads are skipped (apt-get install wrk)", flush=True)
        args.wrk_runs = 0

    with fresh_database("bench") as (server_settings, url):
        db = Database(url, min_size=0, max_size=2)
        with open_text(DEMO_CATALOGUE) as lines:
            import_lines(db, lines, batch_size=1000)
        with db.connection() as conn:
            key = keys.create(conn, name="bench", scopes=["admin"])
            paper_ids = [r["id"] for r in conn.execute("SELECT id FROM papers ORDER BY id")]
        db.close()
        settings = server_settings.replace(database_url=url, api_workers=args.api_workers,
                                           rate_limit_key="100000000/minute", log_level="WARNING")
        with api_server(settings) as port:
            ingest = [run_ingest(port, key, batch, args.clients, args.seconds, paper_ids) for batch in (1, 100, 1000)]
            wrk = wrk_events(port, key, paper_ids, batches=(1, 100), runs=args.wrk_runs, seconds=args.wrk_seconds,
                             connections=args.wrk_connections)
            rng = random.Random(7)
            words = ["transformer", "diffusion", "video", "graph", "reinforcement learning", "language model",
                     "segmentation", "robot", "retrieval", "benchmark"]
            reads = {
                "get_paper": time_reads(port, key, [f"/v1/papers/{rng.choice(paper_ids)}" for _ in range(args.reads)]),
                "search": time_reads(port, key, [f"/v1/papers?q={urllib.parse.quote(rng.choice(words))}&limit=20"
                                                 for _ in range(args.reads)]),
            }

    result = {"benchmark": "ingest", "gunicorn_workers": args.api_workers, "client_processes": args.clients,
              "cpu_count": os.cpu_count(), "ingest": ingest, "wrk_events": wrk, "reads": reads,
              "targets": {"events_per_s_batch_1000": 20000, "events_per_s_batch_1": 1500}}
    print(f"\n{'batch':>6} {'clients':>7} {'events/s':>10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for row in ingest:
        print(f"{row['batch']:>6} {row['clients']:>7} {row['events_per_s']:>10,.0f} {row['requests_per_s']:>8,.0f} "
              f"{row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['errors']:>6}")
    if wrk:
        print(f"\nwrk, {args.wrk_connections} connections: {'run':>3} {'batch':>5} {'events/s':>10} {'/healthz':>9} "
              f"{'share':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}  CPU ms per request")
        for row in wrk:
            print(f"{'':<20} {row['run']:>3} {row['batch']:>5} {row['events_per_s']:>10,.0f} {row['healthz_rps']:>9,.0f} "
                  f"{row['share_of_healthz']:>6.3f} {row['p50_ms']:>7.2f} {row['p99_ms']:>7.2f} {row['errors']:>6}  "
                  f"{row['cpu_ms_per_request']}")
    print(f"\n{'read':<12} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in reads.items():
        print(f"{name:<12} {row['requests']:>8} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
