"""Per-request overhead of authentication and rate limits, measured with Debian's ``wrk``.

Starts its own gunicorn (API_WORKERS processes, default 3) on a fresh database (embedded PostgreSQL and
Redis unless DATABASE_URL / REDIS_URL are set), stores one paper and mints a user token, then runs
``wrk -t2 -c16`` for ``--seconds`` against, in turn:

- ``/healthz`` (no authentication, no limit: the app's ceiling through the same middleware);
- ``GET /v1/me`` with a user token and ``GET /v1/papers/{id}`` with a service key (authenticated, limited,
  one small query each);
- ``POST /v1/events`` with one event per request (a Lua script gives every request its own event id).

Each is run ``--runs`` times; the table shows medians and each endpoint's ratio to /healthz of the same
round. Then the same four requests in this process through Flask's test client (``--cpu-requests`` each,
median of the rounds): CPU microseconds per request (``time.process_time``, so less sensitive to other load
on the machine than throughput), which is what authentication and rate limiting add per request.
Prints tables and writes JSON. Usage:

    .venv/bin/python bench/auth.py --out bench/results/auth.json [--seconds 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, api_server, fresh_database  # noqa: E402
from services import keys  # noqa: E402
from services.app import create_app  # noqa: E402
from services.db import Database  # noqa: E402

PAPER = {"title": "A paper", "abstract": "About things.", "authors": ["Ada Lovelace"], "categories": ["cs.LG"]}
EVENT_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
local n = 0
local tag = tostring(math.random(1, 1000000000))
request = function()
  n = n + 1
  local body = '{"events":[{"user_id":"u' .. (n %% 500) .. '","paper_id":"p1","type":"read","event_id":"' ..
               tag .. '-' .. n .. '"}]}'
  return wrk.format(nil, "/v1/events", nil, body)
end
"""


def _call(port: int, method: str, path: str, key: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310  # a local http URL we built
        return json.loads(response.read() or b"{}")


def wrk(port: int, path: str, seconds: float, *, header: str | None = None, script: str | None = None) -> dict:
    """One wrk run; requests/s, latency percentiles and non-2xx count."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds:g}s", "--latency"]
    if header:
        command += ["-H", header]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
            command += ["-s", lua.name]
    command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # nosec B603  # fixed argv
    os.unlink(lua.name)

    def latency(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        return round(value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": latency("50"), "p99_ms": latency("99"), "non_2xx": int(bad.group(1)) if bad else 0}


def cpu_per_request(settings, db: Database, key: str, token: str, requests: int, runs: int) -> dict:
    """CPU µs per request of each target, in this process (test client; the database and Redis are real)."""
    app = create_app(settings, db=db)
    client = app.test_client()
    by_key, by_token = {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {token}"}
    counter = iter(range(10**9))

    def event():
        n = next(counter)
        return client.post("/v1/events", headers=by_key, json={"events": [
            {"user_id": f"cpu{n % 50}", "paper_id": "p1", "type": "read", "event_id": f"cpu-{os.getpid()}-{n}"}]})

    targets = {"healthz": lambda: client.get("/healthz"), "me (user token)": lambda: client.get("/v1/me", headers=by_token),
               "paper (service key)": lambda: client.get("/v1/papers/p1", headers=by_key),
               "single events (POST)": event}
    out = {}
    for name, send in targets.items():
        for _ in range(20):  # warm: caches, prepared plans, the pool
            status = send().status_code
            if status >= 300:  # a benchmark of failures would mislead
                raise RuntimeError(f"{name}: HTTP {status}")
        samples = []
        for _ in range(runs):
            start = time.process_time()
            for _ in range(requests):
                send()
            samples.append((time.process_time() - start) / requests * 1e6)
        out[name] = round(statistics.median(samples))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "auth.json")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3, help="API_WORKERS")
    parser.add_argument("--no-wrk", action="store_true", help="only the in-process CPU measurement")
    parser.add_argument("--cpu-requests", type=int, default=300, help="in-process requests per target and round")
    args = parser.parse_args()

    with fresh_database("bench") as (server_settings, url):
        db = Database(url, min_size=0, max_size=1)
        with db.connection() as conn:
            key = keys.create(conn, name="bench", scopes=["admin"])
        db.close()
        settings = server_settings.replace(database_url=url, api_workers=args.workers,
                                           rate_limit_key="100000000/minute", rate_limit_user_token="100000000/minute",
                                           log_level="WARNING")
        with api_server(settings) as port:
            _call(port, "PUT", "/v1/papers/p1", key, PAPER)
            token = _call(port, "POST", "/v1/users/alice/tokens", key, {"ttl_seconds": 3600})["token"]
            targets = {
                "healthz": ("/healthz", None, None),
                "me (user token)": ("/v1/me", f"Authorization: Bearer {token}", None),
                "paper (service key)": ("/v1/papers/p1", f"Authorization: Bearer {key}", None),
                "single events (POST)": ("/v1/events", None, EVENT_SCRIPT % {"key": key}),
            }
            rounds = [] if args.no_wrk else [{name: wrk(port, path, args.seconds, header=header, script=script)
                                              for name, (path, header, script) in targets.items()}
                                             for _ in range(args.runs)]
        db = Database(url, min_size=0, max_size=2)
        cpu = cpu_per_request(settings, db, key, token, args.cpu_requests, args.runs)
        db.close()

    table = {}
    for name in targets if rounds else ():
        runs = [r[name] for r in rounds]
        table[name] = {"rps": statistics.median(r["rps"] for r in runs),
                       "ratio_to_healthz": round(statistics.median(r[name]["rps"] / r["healthz"]["rps"]
                                                                   for r in rounds), 3),
                       "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                       "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                       "non_2xx": sum(r["non_2xx"] for r in runs), "runs": runs}
    result = {"benchmark": "auth", "api_workers": args.workers, "wrk": "-t2 -c16", "seconds": args.seconds,
              "runs": args.runs, "cpu_count": os.cpu_count(), "endpoints": table, "cpu_us_per_request": cpu}
    print(f"\n{'endpoint':<22} {'req/s':>8} {'/healthz':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>7}")
    for name, row in table.items():
        print(f"{name:<22} {row['rps']:>8,.0f} {row['ratio_to_healthz']:>8.2f} {row['p50_ms']:>8.2f} "
              f"{row['p99_ms']:>8.2f} {row['non_2xx']:>7}")
    print(f"\n{'endpoint (in process)':<22} {'CPU µs/request':>14}")
    for name, micros in cpu.items():
        print(f"{name:<22} {micros:>14,}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
