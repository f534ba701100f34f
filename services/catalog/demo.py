"""A small synthetic community for the demo catalogue, so a first run has something to show: trending,
a trained CF model, non-empty dashboard charts, and demo readers whose feeds explain themselves.

Every reader is marked ``users.demo`` (named ``demo-reader-NNN``, "Demo reader (synthetic)") and
``remove`` deletes them all with their events. The community is made up, not recorded: each reader has
one or two interests (a category and a word frequent in its titles), stars a few papers of each and
reads some more, at random times over the last ``days`` days; popular papers are likelier picks (a
Zipf-like skew), so some papers trend. Seeded, so the same catalogue gives the same community.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.db import Database
from services.store import embeddings
from services.store import events as events_store
from services.store import users as users_store

READER_PREFIX = "demo-reader-"
_WORD = re.compile(r"[a-z][a-z-]{4,}")
_STOP = frozenset({"using", "based", "learning", "model", "models", "towards", "through", "their", "these",
                   "which", "where", "without", "large", "language", "multi", "approach", "method", "methods",
                   "paper", "study"})
INGEST_BATCH = 1000


@dataclass(frozen=True)
class Community:
    readers: int
    stars: int
    reads: int
    showcase: str | None  # a reader whose feed shows the reasons well (the first one)


def _interests(papers: list[dict], rng: random.Random) -> list[list[str]]:
    """Groups of paper ids that read as one topic: a category's papers whose title has one frequent word."""
    by_category: dict[str, list[dict]] = {}
    for paper in papers:
        if paper["categories"]:
            by_category.setdefault(paper["categories"][0], []).append(paper)
    groups = []
    for members in by_category.values():
        words = Counter(w for p in members for w in set(_WORD.findall(p["title"].lower())) if w not in _STOP)
        for word, n in words.most_common(12):
            if n >= 8:
                groups.append([p["id"] for p in members if word in p["title"].lower()])
    rng.shuffle(groups)
    return groups


def _skewed(ids: list[str], k: int, rng: random.Random) -> list[str]:
    """``k`` distinct ids, earlier ones likelier (weight 1 / (rank + 1))."""
    chosen: list[str] = []
    weights = [1.0 / (rank + 1) for rank in range(len(ids))]
    while len(chosen) < min(k, len(ids)):
        pick = rng.choices(ids, weights)[0]
        if pick not in chosen:
            chosen.append(pick)
    return chosen


def seed(db: Database, *, readers: int, now: datetime, days: int = 21, rng_seed: int = 7) -> Community:
    """Add ``readers`` demo readers with stars and reads (idempotent: event ids are fixed per reader)."""
    rng = random.Random(rng_seed)  # nosec B311  # not for security: sampling/jitter
    with db.connection() as conn:
        papers = embeddings.paper_texts(conn)
    groups = [g for g in _interests(papers, rng) if len(g) >= 5]
    if not groups or readers <= 0:
        return Community(0, 0, 0, None)
    ids = [f"{READER_PREFIX}{n:03d}" for n in range(1, readers + 1)]
    events: list[dict] = []
    seen: set[tuple[str, str, str]] = set()  # two interests may share a paper: one event each kind
    for user in ids:
        for group in rng.sample(groups, k=min(len(groups), rng.choice((1, 1, 2)))):
            starred = _skewed(group, rng.randint(3, 6), rng)
            read = _skewed(group, rng.randint(4, 10), rng)
            for kind, chosen in (("star", starred), ("read", read)):
                for paper_id in chosen:
                    if (user, kind, paper_id) in seen:
                        continue
                    seen.add((user, kind, paper_id))
                    when = now - timedelta(seconds=rng.uniform(0, days * 86400))
                    events.append({"user_id": user, "paper_id": paper_id, "type": kind,
                                   "event_id": f"demo-{kind}-{paper_id}", "occurred_at": when, "context": None})
    with db.connection() as conn:
        users_store.create_demo(conn, ids)
        for start in range(0, len(events), INGEST_BATCH):
            events_store.ingest(conn, events[start:start + INGEST_BATCH])
    stars = sum(1 for e in events if e["type"] == "star")
    return Community(len(ids), stars, len(events) - stars, ids[0])


def remove(db: Database) -> int:
    """Delete every demo reader and what they did; returns how many readers."""
    with db.connection() as conn:
        return users_store.delete_demo(conn)


def present(db: Database) -> int:
    with db.connection() as conn:
        return users_store.demo_count(conn)
