"""The event ingest statement alone (``services.store.events.ingest``), in process, without HTTP.

On a fresh database with 50 papers: ``--rounds`` batches of 1,000 events and of 1 event, each its own
transaction, timed for wall time and for this process's CPU (building and sending the parameters),
medians reported. Run it in two worktrees to compare two versions of the statement. Also the CPU of
validating a batch of 1,000 events as the API does (``load_items``): through ``EventIn`` alone, and with
the fast path (``schemas.events.load_event_fast``) first, alternated in the same run. Usage:

    .venv/bin/python bench/event_store.py [--rounds 15] [--out bench/results/event_store.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, fresh_database  # noqa: E402
from schemas.common import load_items  # noqa: E402
from schemas.events import EventIn, load_event_fast  # noqa: E402
from services.db import Database  # noqa: E402
from services.store import events  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "event_store.json")
    args = parser.parse_args()
    result = {}
    with fresh_database("bench") as (_, url):
        db = Database(url, min_size=0, max_size=1)
        with db.connection() as conn:
            for i in range(50):
                conn.execute("INSERT INTO papers (id, title, abstract, authors, categories) "
                             "VALUES (%s, 'A', 'B', '{C}', '{cs.LG}')", (f"p{i}",))
        now, n = dt.datetime.now(dt.UTC), 0
        for size in (1000, 1):
            walls, cpus = [], []
            for _ in range(args.rounds):
                batch = [{"user_id": f"u{i % 500}", "paper_id": f"p{i % 50}", "type": "read", "event_id": f"e{i}",
                          "occurred_at": now, "context": {"source": "bench"}} for i in range(n, n + size)]
                n += size
                with db.connection() as conn:
                    wall, cpu = time.perf_counter(), time.process_time()
                    outcomes = events.ingest(conn, batch)
                    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                if outcomes.count("accepted") != size:
                    raise RuntimeError(f"expected {size} accepted, got {outcomes}")
                walls.append(wall * 1000)
                cpus.append(cpu * 1000)
            result[f"batch_{size}"] = {"wall_ms": round(statistics.median(walls), 2),
                                       "client_cpu_ms": round(statistics.median(cpus), 2),
                                       "events_per_s_one_connection": round(size / statistics.median(walls) * 1000)}
        db.close()
    result["validate_1000"] = validation(args.rounds)
    print(f"\nvalidating 1,000 events, CPU ms: schema {result['validate_1000']['schema_cpu_ms']}, "
          f"fast path {result['validate_1000']['fast_cpu_ms']}")
    print(f"\n{'batch':>6} {'wall ms':>8} {'client CPU ms':>13} {'events/s (1 conn)':>18}")
    for name, row in result.items():
        if not name.startswith("batch_"):
            continue
        print(f"{name[6:]:>6} {row['wall_ms']:>8.2f} {row['client_cpu_ms']:>13.2f} {row['events_per_s_one_connection']:>18,}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "event_store", "rounds": args.rounds, **result}, indent=2))
    print(f"\nwrote {args.out}")


def validation(rounds: int) -> dict[str, float]:
    """CPU ms to validate 1,000 events as JSON brings them (ISO times, a feed context), schema alone vs
    fast path first; the two alternate, medians of ``rounds`` each."""
    now = dt.datetime.now(dt.UTC)
    items = [{"user_id": f"u{i % 97}", "paper_id": f"2606.{10000 + i}", "type": ("read", "star", "click")[i % 3],
              "event_id": f"e{i}", "occurred_at": (now - dt.timedelta(minutes=i)).isoformat(),
              "context": {"feed_id": "5f0c1e2a", "position": i % 20}} for i in range(1000)]
    times: dict[str, list[float]] = {"schema": [], "fast": []}
    for _ in range(rounds):
        for name, fast in (("schema", None), ("fast", load_event_fast)):
            cpu = time.process_time()
            valid, rejected = load_items(EventIn(), items, fast)
            times[name].append((time.process_time() - cpu) * 1000)
            if len(valid) != len(items) or rejected:
                raise RuntimeError(f"{name}: {len(rejected)} rejected")
    return {f"{name}_cpu_ms": round(statistics.median(t), 2) for name, t in times.items()}


if __name__ == "__main__":
    main()
