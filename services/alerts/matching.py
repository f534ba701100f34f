"""Which new papers each user should hear about: instant matches and follows.

Instant subscriptions are decided by searching an index of the users' interest profiles
(``user_profiles``, a few unit vectors per user) with each new paper's vector, never by looping over
users × papers in Python: FAISS ``range_search`` over a flat inner-product index returns every
(paper, profile) pair above the lowest threshold in use. That is exact, O(P × R × d) arithmetic done
as blocked BLAS for P new papers and R profile rows of dimension d (1,000 papers × 300,000 profiles ×
256 dims ≈ 8·10^10 multiply-adds: a few seconds on one core), with memory O(R × d + hits). Per-user
thresholds (``min_score``) are applied to the hits afterwards. A worker keeps the profile vectors
between runs and reads only the rows that changed (``profile_index.HeldProfiles``); a run with no new
paper to match reads none.

Author, category and saved-query follows are matched by the database in one statement per kind
(``store.alerts.insert_follow_matches``).

Each paper is considered once: it is claimed with FOR NO KEY UPDATE SKIP LOCKED and stamped
``alerts_matched_at`` in the same transaction as its alerts, so two matchers never decide the same
paper and a crash leaves it to be decided again; the outbox's unique (user, paper, subscription)
makes a repeated decision harmless.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from services.alerts import instant_store
from services.alerts.profile_index import HeldProfiles, ProfileIndex, ProfileUpdate
from services.alerts.profiles import live_embedder
from services.config import Settings
from services.db import Database
from services.store import alerts as alerts_store
from services.store import papers as papers_store
from services.store import subscriptions as subscriptions_store

# A paper still without a vector after this long is matched against follows only.
EMBED_GRACE_SECONDS = 1800.0


@dataclass
class Decisions:
    """Instant alerts decided for one batch, as parallel arrays (one entry per alert): the subscription
    (a row of the ProfileIndex's ``sub_*``), the paper (a position in the batch), the score and the
    profile row the paper was closest to (its anchor paper explains the alert)."""

    sub: np.ndarray
    paper: np.ndarray
    score: np.ndarray
    row: np.ndarray

    def __len__(self) -> int:
        return len(self.sub)

    def select(self, keep: np.ndarray) -> Decisions:
        return Decisions(self.sub[keep], self.paper[keep], self.score[keep], self.row[keep])


def instant_decisions(profiles: ProfileIndex, vectors: np.ndarray, *, default_min_score: float) -> Decisions:
    """Every (paper, subscription) whose best profile score reaches the subscription's min_score, in
    array form: no Python loop over hits (a batch of 1,000 papers × 100k subscribers is ~1M alerts)."""
    floors = np.where(np.isnan(profiles.sub_min_score), default_min_score, profiles.sub_min_score)
    # range_search keeps scores strictly above the radius; nudge it so "at least min_score" holds.
    lims, scores, rows = profiles.index.range_search(np.ascontiguousarray(vectors, dtype=np.float32),
                                                     float(floors.min()) - 1e-6)
    empty = np.zeros(0, dtype=np.int64)
    if len(rows) == 0:
        return Decisions(empty, empty, np.zeros(0, dtype=np.float32), empty)
    paper_of = np.repeat(np.arange(len(vectors)), np.diff(lims).astype(np.int64))
    user_of = profiles.owner[rows]
    # Best profile per (paper, user): sort by paper, user, then score descending; keep the first.
    order = np.lexsort((-scores, user_of, paper_of))
    paper_of, user_of, scores, rows = paper_of[order], user_of[order], scores[order], rows[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (paper_of[1:] != paper_of[:-1]) | (user_of[1:] != user_of[:-1])
    paper_of, user_of, scores, rows = paper_of[first], user_of[first], scores[first], rows[first]
    # One decision per (hit, subscription of its user): most users have one instant subscription.
    counts = profiles.sub_start[user_of + 1] - profiles.sub_start[user_of]
    hit = np.repeat(np.arange(len(user_of)), counts)
    offset = np.arange(len(hit)) - np.repeat(np.cumsum(counts) - counts, counts)
    sub = profiles.sub_start[user_of][hit] + offset
    keep = scores[hit] >= floors[sub] - 1e-6
    return Decisions(sub[keep], paper_of[hit][keep], scores[hit][keep], rows[hit][keep])


def instant_matches(profiles: ProfileIndex, paper_ids: list[str], vectors: np.ndarray, *,
                    default_min_score: float) -> list[tuple[str, str, str, str, float, str | None]]:
    """``instant_decisions`` as (user_id, subscription_id, channel, paper_id, score, anchor_paper_id)
    tuples, ordered by paper then user (for tests and small batches)."""
    d = instant_decisions(profiles, vectors, default_min_score=default_min_score)
    return [(u, s, c, p, score, profiles.anchors[r]) for u, s, c, p, score, r in _tuples(profiles, paper_ids, d)]


def match_new_papers(db: Database, settings: Settings, *, held: HeldProfiles | None = None,
                     max_batches: int | None = None) -> dict[str, Any]:
    """Decide the alerts for every paper not yet considered, in batches of ALERT_BATCH_SIZE papers,
    one claiming transaction each (instant alerts stored by ``instant_store`` beside it). ``held``: the
    profile vectors this process keeps between runs (a worker's), brought up to date here; without it
    they are read afresh. Returns counts and timings."""
    started = time.perf_counter()
    embedder = live_embedder(db)
    held = HeldProfiles() if held is None else held
    profiles: ProfileIndex | None = None
    update = ProfileUpdate()
    loaded = False  # the profiles are brought up to date once, and only when a claimed paper has a vector
    oldest = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.alert_max_paper_age_days)
    papers = instant = follows = batches = 0
    profile_seconds = search_seconds = store_seconds = 0.0
    while max_batches is None or batches < max_batches:
        with db.connection() as conn:
            claimed = papers_store.unmatched_for_alerts(conn, embedder, embed_grace_seconds=EMBED_GRACE_SECONDS,
                                                        limit=settings.alert_batch_size)
            if not claimed:
                break
            # Deleted, hidden and old papers (a backfill of last year's catalogue) alert nobody.
            live = [r for r in claimed if not r["deleted"] and (r["listed_at"] is None or r["listed_at"] >= oldest)]
            with_vector = [r for r in live if r["vector"] is not None]
            subscriptions_locked = False  # the index's subscriptions read and locked in this transaction
            if with_vector and embedder is not None and not loaded:
                t0 = time.perf_counter()
                (profiles, update), loaded = held.current(conn, embedder), True
                profile_seconds, subscriptions_locked = time.perf_counter() - t0, True
            if profiles is not None and with_vector:
                t0 = time.perf_counter()
                vectors = np.stack([np.frombuffer(bytes(r["vector"]), dtype=np.float32) for r in with_vector])
                paper_ids = [r["id"] for r in with_vector]
                decided = instant_decisions(profiles, vectors, default_min_score=settings.alert_min_score_default)
                decided = apply_rules(conn, profiles, paper_ids, decided,
                                      subscriptions_locked=subscriptions_locked)
                t1 = time.perf_counter()
                instant += store_instant(db, conn, settings, profiles, paper_ids, decided)
                search_seconds += t1 - t0
                store_seconds += time.perf_counter() - t1
            follows += alerts_store.insert_follow_matches(conn, [r["id"] for r in live])
            papers_store.mark_alerts_matched(conn, [r["id"] for r in claimed])
        papers += len(claimed)
        batches += 1
    return {"papers": papers, "instant_alerts": instant, "follow_alerts": follows,
            "profiles": 0 if profiles is None else profiles.size, "embedder": embedder,
            "profile_rows_read": update.read, "profile_rows_dropped": update.dropped, "profile_rows_held": update.held,
            "profile_seconds": round(profile_seconds, 3), "search_seconds": round(search_seconds, 3),
            "store_seconds": round(store_seconds, 3), "seconds": round(time.perf_counter() - started, 3)}


def apply_rules(conn: psycopg.Connection, profiles: ProfileIndex, paper_ids: list[str], decided: Decisions, *,
                subscriptions_locked: bool = False) -> Decisions:
    """Drop what the outbox's rules forbid, as of this transaction: subscriptions disabled or deleted
    since the index was built, and papers the user has read, starred or dismissed. The enabled
    subscriptions are locked until this transaction ends (after the COPY connections commit), so none
    can be deleted without its cascade seeing the alerts stored for it. ``subscriptions_locked``: the
    index's subscriptions were read and locked in this same transaction (``HeldProfiles.current``), so
    they are not read again (one disabled since that read, a few seconds earlier, keeps this batch's
    alerts, which the outbox then does not send)."""
    if not len(decided):
        return decided
    if subscriptions_locked:
        keep = np.ones(len(decided), dtype=bool)
    else:
        enabled = {(s["user_id"], s["id"]) for s in subscriptions_store.instant(conn, lock=True)}
        keep = np.fromiter(((u, i) in enabled for u, i in zip(profiles.sub_user, profiles.sub_id, strict=True)),
                           dtype=bool, count=len(profiles.sub_id))[decided.sub]
    seen = alerts_store.read_starred_or_dismissed(conn, paper_ids)
    if seen:
        user_pos = {u: i for i, u in enumerate(profiles.users)}
        paper_pos = {p: i for i, p in enumerate(paper_ids)}
        n_users = len(profiles.users)
        forbidden = np.array([paper_pos[p] * n_users + user_pos[u] for u, p in seen if u in user_pos], dtype=np.int64)
        user_of_sub = np.searchsorted(profiles.sub_start, np.arange(len(profiles.sub_id)), side="right") - 1
        keep &= ~np.isin(decided.paper * n_users + user_of_sub[decided.sub], forbidden)
    return decided.select(keep)


def store_instant(db: Database, conn: psycopg.Connection, settings: Settings, profiles: ProfileIndex,
                   paper_ids: list[str], decided: Decisions) -> int:
    """Write the decisions: straight COPY across connections, or (should that be refused) the general
    conflict-checking insert on the claiming connection. Returns the rows written."""
    if not len(decided):
        return 0
    rows = np.unique(decided.row)
    anchors = {profiles.anchors[int(r)] for r in rows}
    titles: dict[str | None, str] = {
        pid: p["title"] for pid, p in papers_store.visible_by_ids(conn, list(anchors - {None})).items()}
    by_anchor = {a: instant_store.reasons_field(a, titles) for a in anchors}  # a reason depends on its anchor only
    reasons = {int(r): by_anchor[profiles.anchors[int(r)]] for r in rows}
    prefix, delivered = profiles.copy_prefixes(), profiles.delivered_on_insert()
    papers = [instant_store.copy_escape(p) + "\t" for p in paper_ids]

    def shard(part: np.ndarray) -> instant_store.Shard:
        def chunks(now: str) -> Iterator[str]:
            ends = instant_store.delivered_at_fields(now)
            for piece in instant_store.pieces(part):
                yield "".join([f"{prefix[s]}{papers[p]}{score:.6f}\t{reasons[r]}{ends[delivered[s]]}"
                               for s, p, score, r in zip(decided.sub[piece].tolist(), decided.paper[piece].tolist(),
                                                         decided.score[piece].tolist(), decided.row[piece].tolist(),
                                                         strict=True)])
        return instant_store.Shard(rows=len(part), chunks=chunks)

    shards = min(settings.alert_store_connections, max(1, db.max_size - 1))
    parts = instant_store.shard_of(decided.sub, decided.paper, shards)
    stored = instant_store.store_parallel(db, [shard(part) for part in parts])
    if stored is not None:
        return stored
    anchor_of = {int(r): profiles.anchors[int(r)] for r in rows}
    return alerts_store.insert_many(conn, [
        alerts_store.NewAlert(user_id, sub_id, paper_id, channel, round(score, 6),
                              instant_store.reasons(anchor_of[row], titles))
        for user_id, sub_id, channel, paper_id, score, row in _tuples(profiles, paper_ids, decided)])


def _tuples(profiles: ProfileIndex, paper_ids: list[str], d: Decisions
            ) -> list[tuple[str, str, str, str, float, int]]:
    """(user_id, subscription_id, channel, paper_id, score, profile row) per decision."""
    return [(profiles.sub_user[s], profiles.sub_id[s], profiles.sub_channel[s], paper_ids[p], float(score), r)
            for s, p, score, r in zip(d.sub.tolist(), d.paper.tolist(), d.score.tolist(), d.row.tolist(),
                                      strict=True)]
