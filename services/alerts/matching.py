"""Which new papers each user should hear about: instant matches and follows.

Instant subscriptions are decided by searching an index of the users' interest profiles
(``user_profiles``, a few unit vectors per user) with each new paper's vector, never by looping over
users × papers in Python: FAISS ``range_search`` over a flat inner-product index returns every
(paper, profile) pair above the lowest threshold in use. That is exact, O(P × R × d) arithmetic done
as blocked BLAS for P new papers and R profile rows of dimension d (1,000 papers × 300,000 profiles ×
256 dims ≈ 8·10^10 multiply-adds: a few seconds on one core), with memory O(R × d + hits). Per-user
thresholds (``min_score``) are applied to the hits afterwards.

Author, category and saved-query follows are matched by the database in one statement per kind
(``store.alerts.insert_follow_matches``).

Each paper is considered once: it is claimed with FOR UPDATE SKIP LOCKED and stamped
``alerts_matched_at`` in the same transaction as its alerts, so two matchers never decide the same
paper and a crash leaves it to be decided again; the outbox's unique (user, paper, subscription)
makes a repeated decision harmless.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from services.alerts.profiles import live_embedder
from services.config import Settings
from services.db import Database
from services.store import alerts as alerts_store
from services.store import papers as papers_store
from services.store import profiles as profiles_store
from services.store import subscriptions as subscriptions_store

# A paper still without a vector after this long is matched against follows only.
EMBED_GRACE_SECONDS = 1800.0


@dataclass
class ProfileIndex:
    """The instant subscribers' profiles in a FAISS index, with who owns each row."""

    index: Any  # faiss.IndexFlatIP
    owner: np.ndarray  # row → position in ``users``
    anchors: list[str | None]
    users: list[str]
    subscriptions: dict[str, list[dict[str, Any]]]  # user_id → their instant subscriptions

    @property
    def size(self) -> int:
        return int(self.index.ntotal)


def build_profile_index(rows: list[dict[str, Any]], subscriptions: list[dict[str, Any]]) -> ProfileIndex | None:
    """Index ``rows`` (user_id, vector, anchor_paper_id) of users who have an instant subscription."""
    import faiss

    subs: dict[str, list[dict[str, Any]]] = {}
    for sub in subscriptions:
        subs.setdefault(sub["user_id"], []).append(sub)
    rows = [r for r in rows if r["user_id"] in subs]
    if not rows:
        return None
    users = sorted({r["user_id"] for r in rows})
    position = {u: i for i, u in enumerate(users)}
    matrix = np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(np.ascontiguousarray(matrix))
    return ProfileIndex(index, np.array([position[r["user_id"]] for r in rows]), [r["anchor_paper_id"] for r in rows],
                        users, subs)


def instant_matches(profiles: ProfileIndex, paper_ids: list[str], vectors: np.ndarray, *,
                    default_min_score: float) -> list[tuple[str, str, str, str, float, str | None]]:
    """Every (paper, subscription) whose best profile score reaches the subscription's min_score.

    Returns (user_id, subscription_id, channel, paper_id, score, anchor_paper_id) tuples."""
    thresholds = [s["min_score"] if s["min_score"] is not None else default_min_score
                  for subs in profiles.subscriptions.values() for s in subs]
    # range_search keeps scores strictly above the radius; nudge it so "at least min_score" holds.
    lims, scores, rows = profiles.index.range_search(np.ascontiguousarray(vectors, dtype=np.float32),
                                                     float(min(thresholds)) - 1e-6)
    if len(rows) == 0:
        return []
    paper_of = np.repeat(np.arange(len(paper_ids)), np.diff(lims).astype(np.int64))
    user_of = profiles.owner[rows]
    # Best profile per (paper, user): sort by paper, user, then score descending; keep the first.
    order = np.lexsort((-scores, user_of, paper_of))
    paper_of, user_of, scores, rows = paper_of[order], user_of[order], scores[order], rows[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (paper_of[1:] != paper_of[:-1]) | (user_of[1:] != user_of[:-1])
    out = []
    for p, u, score, row in zip(paper_of[first], user_of[first], scores[first], rows[first], strict=True):
        user_id = profiles.users[int(u)]
        for sub in profiles.subscriptions[user_id]:
            floor = sub["min_score"] if sub["min_score"] is not None else default_min_score
            if score >= floor - 1e-6:
                out.append((user_id, sub["id"], sub["channel"], paper_ids[int(p)], float(score),
                            profiles.anchors[int(row)]))
    return out


def _instant_alerts(matches: list[tuple[str, str, str, str, float, str | None]], titles: dict[str, str]
                    ) -> list[alerts_store.NewAlert]:
    out = []
    for user_id, sub_id, channel, paper_id, score, anchor in matches:
        reason: dict[str, Any] = {"kind": "matches_your_interests",
                                  "detail": f"close to your interest in “{titles.get(anchor, anchor)}”"}
        if anchor:
            reason["paper_id"] = anchor
        out.append(alerts_store.NewAlert(user_id, sub_id, paper_id, channel, round(score, 6), [reason]))
    return out


def match_new_papers(db: Database, settings: Settings, *, max_batches: int | None = None) -> dict[str, Any]:
    """Decide the alerts for every paper not yet considered, in batches of ALERT_BATCH_SIZE papers,
    one transaction each. Returns counts and timings."""
    started = time.perf_counter()
    embedder = live_embedder(db)
    profiles = None
    if embedder is not None:
        with db.connection() as conn:
            profiles = build_profile_index(profiles_store.of_instant_subscribers(conn, embedder),
                                           subscriptions_store.instant(conn))
    oldest = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.alert_max_paper_age_days)
    papers = instant = follows = batches = 0
    search_seconds = store_seconds = 0.0
    while max_batches is None or batches < max_batches:
        with db.connection() as conn:
            claimed = papers_store.unmatched_for_alerts(conn, embedder, embed_grace_seconds=EMBED_GRACE_SECONDS,
                                                        limit=settings.alert_batch_size)
            if not claimed:
                break
            # Deleted, hidden and old papers (a backfill of last year's catalogue) alert nobody.
            live = [r for r in claimed if not r["deleted"] and (r["listed_at"] is None or r["listed_at"] >= oldest)]
            with_vector = [r for r in live if r["vector"] is not None]
            if profiles is not None and with_vector:
                t0 = time.perf_counter()
                vectors = np.stack([np.frombuffer(bytes(r["vector"]), dtype=np.float32) for r in with_vector])
                matches = instant_matches(profiles, [r["id"] for r in with_vector], vectors,
                                          default_min_score=settings.alert_min_score_default)
                t1 = time.perf_counter()
                anchors = {m[5] for m in matches if m[5]}
                titles = {pid: p["title"] for pid, p in papers_store.visible_by_ids(conn, list(anchors)).items()}
                instant += alerts_store.insert_many(conn, _instant_alerts(matches, titles))
                search_seconds += t1 - t0
                store_seconds += time.perf_counter() - t1
            follows += alerts_store.insert_follow_matches(conn, [r["id"] for r in live])
            papers_store.mark_alerts_matched(conn, [r["id"] for r in claimed])
        papers += len(claimed)
        batches += 1
    return {"papers": papers, "instant_alerts": instant, "follow_alerts": follows,
            "profiles": 0 if profiles is None else profiles.size, "embedder": embedder,
            "search_seconds": round(search_seconds, 3), "store_seconds": round(store_seconds, 3),
            "seconds": round(time.perf_counter() - started, 3)}
