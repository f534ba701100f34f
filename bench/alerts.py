"""Alerts at scale: 100,000 users with interest profiles, 1,000 new papers.

Measures, on a fresh database (embedded PostgreSQL unless DATABASE_URL is set):
- instant matching: deciding and storing every instant alert for 1,000 new papers
  (``matching.match_new_papers``: FAISS range search over the users' profile index + the follows),
  twice, as a worker runs it: a first run that reads every subscriber's profile vectors, then, after
  1 % of the users' profiles were rewritten, another 1,000 new papers with the vectors the worker held
  (``profile_index.HeldProfiles``: only the changed rows read). The < 20 s target is read on the second;
- digests: composing every user's daily digest (inbox channel) (``digests.compose_due``);
- inbox delivery: alerts marked delivered per second (``outbox.deliver_inbox``).

Users are synthetic but shaped like real ones: each has 1–3 interests, each interest the normalised
mix of two or three real papers of the catalogue (LSA vectors of the CC0 arXiv set), with an instant
and a daily digest subscription on the inbox. Prints a table, writes JSON.

    .venv/bin/python bench/alerts.py --out bench/results/alerts.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.common import REPO, fresh_database  # noqa: E402
from services.alerts import digests, matching, outbox  # noqa: E402
from services.alerts.profile_index import HeldProfiles  # noqa: E402
from services.catalog.importer import import_lines  # noqa: E402
from services.db import Database  # noqa: E402
from services.recommender import pipeline  # noqa: E402
from services.recommender.artifacts import ArtifactStore  # noqa: E402
from services.store import profiles as profiles_store  # noqa: E402

# ../shared beside the checkout (one level further up from a helper's worktree under wt/).
CATALOGUE = next((base / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl"
                  for base in (REPO.parent, REPO.parent.parent) if (base / "shared").is_dir()),
                 REPO.parent / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl")


def _catalogue_vectors(db: Database, embedder: str) -> tuple[list[str], np.ndarray]:
    with db.connection() as conn:
        rows = conn.execute("SELECT paper_id, vector FROM paper_embeddings WHERE embedder = %s", (embedder,)).fetchall()
    return [r["paper_id"] for r in rows], np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])


def _interests(rng: np.random.Generator, ids: list[str], matrix: np.ndarray
               ) -> Iterator[tuple[int, bytes, float, str]]:
    """One user's 1–3 interests: (cluster, vector, weight, anchor), each the normalised mix of 2–3 papers."""
    for cluster in range(int(rng.integers(1, 4))):
        members = rng.choice(len(ids), size=int(rng.integers(2, 4)), replace=False)
        centre = matrix[members].sum(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        yield cluster, centre.astype(np.float32).tobytes(), float(len(members)), ids[int(members[0])]


def rewrite_profiles(db: Database, embedder: str, *, users: list[str], seed: int) -> int:
    """New interests for ``users`` through the service's own profile write (as their stars changed)."""
    rng = np.random.default_rng(seed)
    ids, matrix = _catalogue_vectors(db, embedder)
    rows = [(u, cluster, vector, weight, anchor) for u in users
            for cluster, vector, weight, anchor in _interests(rng, ids, matrix)]
    with db.connection() as conn:
        profiles_store.replace(conn, embedder, users, rows)
    return len(rows)


def synthesize_users(db: Database, embedder: str, *, users: int, min_score: float, seed: int = 0) -> int:
    """Users, their profiles (1–3 interests from real paper vectors) and two subscriptions each."""
    rng = np.random.default_rng(seed)
    ids, matrix = _catalogue_vectors(db, embedder)
    profile_rows = 0
    with db.connection() as conn, conn.cursor() as cur:
        with cur.copy("COPY users (id, timezone) FROM STDIN") as copy:
            for u in range(users):
                copy.write_row((f"u{u}", "UTC"))
        with cur.copy("COPY subscriptions (user_id, id, kind, channel, frequency, min_score) FROM STDIN") as copy:
            for u in range(users):
                copy.write_row((f"u{u}", "instant", "instant", "inbox", None, min_score))
                copy.write_row((f"u{u}", "daily", "digest", "inbox", "daily", None))
        with cur.copy("COPY user_profiles (user_id, embedder, cluster, vector, weight, anchor_paper_id) "
                      "FROM STDIN") as copy:
            for u in range(users):
                for cluster, vector, weight, anchor in _interests(rng, ids, matrix):
                    copy.write_row((f"u{u}", embedder, cluster, vector, weight, anchor))
                    profile_rows += 1
    return profile_rows


def timed(fn, *args, **kwargs) -> tuple[dict, float]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--old-papers", type=int, default=10_000, help="catalogue before the new papers arrive")
    parser.add_argument("--new-papers", type=int, default=1_000)
    parser.add_argument("--min-score", type=float, default=None,
                        help="instant subscriptions' threshold (default: the service's ALERT_MIN_SCORE_DEFAULT)")
    parser.add_argument("--changed-users", type=int, default=1_000,
                        help="users whose profiles are rewritten between the two instant runs (default 1 %%)")
    parser.add_argument("--instant-only", action="store_true", help="skip the digests and inbox delivery")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "alerts.json")
    args = parser.parse_args()

    with open(CATALOGUE) as fh:
        lines = list(itertools.islice(fh, args.old_papers + 2 * args.new_papers))
    first_new, second_new = lines[args.old_papers:args.old_papers + args.new_papers], lines[args.old_papers + args.new_papers:]
    result: dict = {"users": args.users, "new_papers": args.new_papers}
    with fresh_database("bench-alerts") as (server_settings, url):
        settings = server_settings.replace(database_url=url, artifact_dir=REPO / ".paperfeed" / "bench-alerts-art")
        db = Database(url, min_size=0, max_size=4)
        artifacts = ArtifactStore(settings.artifacts)
        import_lines(db, lines[: args.old_papers])
        pipeline.refresh(db, artifacts, settings)
        with db.connection() as conn:  # the existing catalogue was matched long ago
            conn.execute("UPDATE papers SET alerts_matched_at = now()")
        embedder = matching.live_embedder(db)
        min_score = settings.alert_min_score_default if args.min_score is None else args.min_score
        result["min_score"] = min_score
        _, seconds = timed(synthesize_users, db, embedder, users=args.users, min_score=min_score)
        result["profiles"] = {"seconds_to_create": round(seconds, 1)}

        # New papers are embedded with the live model (no refit: the catalogue grew by 10 %).
        held = HeldProfiles()  # what the worker process keeps between matching runs
        import_lines(db, first_new)
        pipeline.embed_missing(db, artifacts, settings)
        match, seconds = timed(matching.match_new_papers, db, settings, held=held)
        result["instant_first_run"] = {**match, "seconds": round(seconds, 2)}
        print("instant, first run:", result["instant_first_run"], flush=True)

        changed = [f"u{u}" for u in np.random.default_rng(1).choice(args.users, args.changed_users, replace=False)]
        result["changed_users"] = len(changed)
        result["changed_profile_rows"] = rewrite_profiles(db, embedder, users=changed, seed=1)
        import_lines(db, second_new)
        pipeline.embed_missing(db, artifacts, settings)
        match, seconds = timed(matching.match_new_papers, db, settings, held=held)
        result["instant"] = {**match, "seconds": round(seconds, 2)}
        print("instant, profiles held:", result["instant"], flush=True)
        result["targets"] = {"instant_seconds": 20, "digest_seconds": 600, "inbox_alerts_per_second": 5000}
        if args.instant_only:
            db.close()
            finish(result, args.out)
            return
        now = dt.datetime.now(dt.UTC).replace(hour=max(settings.digest_local_hour, 9))
        composed, seconds = timed(digests.compose_due, db, settings, now=now)
        result["digests"] = {**composed, "seconds": round(seconds, 2)}
        print("digests:", result["digests"], flush=True)
        delivered, seconds = timed(outbox.deliver_inbox, db)
        result["inbox_delivery"] = {"alerts": delivered, "seconds": round(seconds, 2),
                                    "alerts_per_second": round(delivered / seconds) if seconds else None}
        db.close()
    finish(result, args.out)


def finish(result: dict, out: Path) -> None:
    print_table(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {out}")


def print_table(r: dict) -> None:
    first, held = r["instant_first_run"], r["instant"]
    rows = [
        ("users (instant + daily digest each)", r["users"], ""),
        ("instant min_score", r["min_score"], ""),
        ("profile rows (1–3 interests per user)", first["profiles"], ""),
        ("first run: new papers", first["papers"], ""),
        ("first run: alerts decided and stored", first["instant_alerts"], ""),
        ("first run: seconds", first["seconds"], "every profile vector read"),
        ("  of which reading the profiles", first["profile_seconds"], f"{first['profile_rows_read']} rows"),
        ("  of which FAISS range search", first["search_seconds"], ""),
        ("  of which storing the outbox rows", first["store_seconds"], ""),
        ("profile rows rewritten in between", r["changed_profile_rows"], f"of {r['changed_users']} users"),
        ("held: new papers", held["papers"], ""),
        ("held: alerts decided and stored", held["instant_alerts"], ""),
        ("held: seconds", held["seconds"], f"target < {r['targets']['instant_seconds']}"),
        ("  of which bringing the profiles up to date", held["profile_seconds"],
         f"{held['profile_rows_read']} rows read, {held['profile_rows_dropped']} let go"),
        ("  of which FAISS range search", held["search_seconds"], ""),
        ("  of which storing the outbox rows", held["store_seconds"], ""),
    ]
    if "digests" not in r:
        return _print_rows(rows)
    rows += [
        ("digests composed", r["digests"]["composed"], ""),
        ("digest alerts stored", r["digests"]["alerts"], ""),
        ("digests: seconds", r["digests"]["seconds"], f"target < {r['targets']['digest_seconds']}"),
        ("inbox alerts delivered", r["inbox_delivery"]["alerts"], ""),
        ("inbox delivery, alerts/s", r["inbox_delivery"]["alerts_per_second"],
         f"target ≥ {r['targets']['inbox_alerts_per_second']}"),
    ]
    _print_rows(rows)


def _print_rows(rows: list[tuple[str, object, str]]) -> None:
    print(f"\n{'step':<44} {'value':>12}  note")
    for name, value, note in rows:
        print(f"{name:<44} {value!s:>12}  {note}")


if __name__ == "__main__":
    main()
