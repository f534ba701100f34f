"""Daily and weekly digests: each user's top new papers of the period, at their local hour.

A digest subscription is due once per period (a local calendar day, or an ISO week) once the user's
local time has reached DIGEST_LOCAL_HOUR; ``subscriptions.last_digest_key`` records the period sent,
so running the composer twice, or every few minutes, composes each digest once.

Scoring uses the feed's retrievers and weights in batch form: content (the best match between a
paper and any of the user's interest profiles), trending and freshness, each min-max normalised over
the period's candidates and mixed with FEED_WEIGHT_CONTENT / _TRENDING / _FRESH. For B due users, P
candidate papers and R profile rows: one (P × d)·(d × R) product per batch of users, O(P × R × d),
then a top-k per user; no per-user database round trips.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from typing import Any

import numpy as np

from services.alerts.profiles import live_embedder
from services.config import Settings
from services.db import Database
from services.store import alerts as alerts_store
from services.store import digests as digests_store
from services.store import subscriptions as subscriptions_store

SUBSCRIPTIONS_PER_BATCH = 1000
MAX_CANDIDATES = 2000
SPAN = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}


def period_key(frequency: str, local_now: dt.datetime) -> str:
    """'2026-11-27' for a daily digest, '2026-W48' for a weekly one (ISO week of the local date)."""
    if frequency == "weekly":
        year, week, _ = local_now.isocalendar()
        return f"{year}-W{week:02d}"
    return local_now.date().isoformat()


def due_key(sub: dict[str, Any], now: dt.datetime, hour: int) -> str | None:
    """The period key to compose now for ``sub`` (with its user's timezone), or None if not due."""
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(sub["timezone"]))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = now.astimezone(dt.UTC)
    if local.hour < hour:
        return None
    key = period_key(sub["frequency"] or "daily", local)
    return None if key == sub["last_digest_key"] else key


def _normalise(values: np.ndarray, axis: int = 0) -> np.ndarray:
    low, high = values.min(axis=axis, keepdims=True), values.max(axis=axis, keepdims=True)
    span = np.where(high - low < 1e-12, 1.0, high - low)
    return np.where(high - low < 1e-12, 1.0, (values - low) / span)


def rank_digests(candidates: list[dict[str, Any]], vectors: np.ndarray | None, profiles: list[dict[str, Any]],
                 users: list[str], excluded: dict[str, set[str]], settings: Settings
                 ) -> dict[str, list[tuple[str, float, list[dict]]]]:
    """user → up to DIGEST_SIZE (paper_id, score, reasons), best first. Pure: no I/O.

    ``candidates`` rows: id, title, trend_score, trend_stars, age_rank (0 = newest); ``vectors`` their
    embeddings (rows aligned, or None without an index); ``profiles``: user_id, vector,
    anchor_paper_id, anchor_title, sorted by user."""
    n = len(candidates)
    if n == 0:
        return {}
    trend = _normalise(np.array([c["trend_score"] for c in candidates], dtype=np.float64))
    fresh = 1.0 / (1.0 + np.array([c["age_rank"] for c in candidates], dtype=np.float64))
    shared = settings.feed_weight_trending * trend + settings.feed_weight_fresh * fresh
    content = {}
    if vectors is not None and profiles:
        matrix = np.stack([np.frombuffer(p["vector"], dtype=np.float32) for p in profiles])
        sims = vectors @ matrix.T  # candidates × profile rows
        owners = [p["user_id"] for p in profiles]
        start = 0
        while start < len(owners):
            end = start
            while end < len(owners) and owners[end] == owners[start]:
                end += 1
            block = sims[:, start:end]
            best = block.argmax(axis=1)
            content[owners[start]] = (block.max(axis=1), start + best)  # best profile row per candidate
            start = end
    ids = [c["id"] for c in candidates]
    position = {pid: i for i, pid in enumerate(ids)}
    out = {}
    for user in users:
        allowed = np.ones(n, dtype=bool)
        for pid in excluded.get(user, ()):
            if pid in position:
                allowed[position[pid]] = False
        if not allowed.any():
            out[user] = []
            continue
        score = np.where(allowed, shared, -np.inf)
        similarity = None
        if user in content:
            # Normalised over what the user may get: their own starred papers would otherwise set the top.
            raw = content[user][0]
            similarity = np.zeros(n)
            similarity[allowed] = _normalise(raw[allowed])
            score = score + settings.feed_weight_content * similarity
        top = [int(i) for i in _top(score, settings.digest_size) if np.isfinite(score[i])]
        anchors = None if similarity is None else (similarity, content[user][1], profiles)
        out[user] = [(ids[i], round(float(score[i]), 6), _reasons(candidates[i], anchors, i)) for i in top]
    return out


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first, in O(n + k log k)."""
    if len(score) > k:
        part = np.argpartition(-score, k - 1)[:k]
        return part[np.argsort(-score[part], kind="stable")]
    return np.argsort(-score, kind="stable")


def _reasons(candidate: dict[str, Any], content: tuple[np.ndarray, np.ndarray, list[dict]] | None, i: int
             ) -> list[dict]:
    """Why candidate ``i`` is in the digest; ``content`` = (normalised similarity, best profile row per
    candidate, the profile rows)."""
    reasons = []
    if content is not None and content[0][i] >= 0.5:
        anchor = content[2][int(content[1][i])]
        reasons.append({"kind": "matches_your_interests", "paper_id": anchor["anchor_paper_id"],
                        "detail": f"close to your interest in “{anchor['anchor_title']}”"})
    if candidate["trend_stars"]:
        reasons.append({"kind": "trending", "detail": f"trending ({candidate['trend_stars']} stars this week)"})
    if not reasons:
        reasons.append({"kind": "fresh", "detail": "new this period"})
    return reasons


def compose_due(db: Database, settings: Settings, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Compose every digest that is due: alert rows (one digest_key per period) for the outbox to send.
    Batches of SUBSCRIPTIONS_PER_BATCH subscriptions, one transaction each."""
    now = now or dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    embedder = live_embedder(db)
    pools: dict[str, tuple[list[dict[str, Any]], np.ndarray | None]] = {}
    after, composed, alerts, scanned = None, 0, 0, 0
    while True:
        with db.connection() as conn:
            subs = subscriptions_store.digests(conn, after=after, limit=SUBSCRIPTIONS_PER_BATCH)
            if not subs:
                break
            after = (subs[-1]["user_id"], subs[-1]["id"])
            scanned += len(subs)
            due = [(s, key) for s in subs if (key := due_key(s, now, settings.digest_local_hour))]
            for frequency in ("daily", "weekly"):
                batch = [(s, key) for s, key in due if (s["frequency"] or "daily") == frequency]
                if not batch:
                    continue
                if frequency not in pools:
                    pools[frequency] = _candidate_pool(conn, embedder, now - SPAN[frequency])
                candidates, vectors = pools[frequency]
                alerts += _compose_batch(conn, settings, embedder, batch, candidates, vectors)
            subscriptions_store.set_digest_keys(conn, [(s["user_id"], s["id"], key) for s, key in due])
            composed += len(due)
    return {"subscriptions": scanned, "composed": composed, "alerts": alerts,
            "seconds": round(time.perf_counter() - started, 3)}


def _candidate_pool(conn, embedder: str | None, since: dt.datetime) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    """The period's candidates and their vectors; without an index (or any vector) content scoring is
    skipped; otherwise papers still waiting for a vector wait for the next period."""
    candidates = digests_store.candidates(conn, embedder, since=since, limit=MAX_CANDIDATES)
    with_vectors = [c for c in candidates if c["vector"] is not None]
    if embedder is None or not with_vectors:
        return candidates, None
    return with_vectors, np.stack([np.frombuffer(bytes(c["vector"]), dtype=np.float32) for c in with_vectors])


def _compose_batch(conn, settings: Settings, embedder: str | None, batch: list[tuple[dict[str, Any], str]],
                   candidates: list[dict[str, Any]], vectors: np.ndarray | None) -> int:
    users = sorted({s["user_id"] for s, _ in batch})
    profiles = digests_store.profiles_with_titles(conn, embedder, users) if embedder else []
    subs_by_user: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for s, key in batch:
        subs_by_user.setdefault(s["user_id"], []).append((s, key))
    excluded = digests_store.excluded(conn, users, [c["id"] for c in candidates])
    ranked = rank_digests(candidates, vectors, profiles, users, excluded, settings)
    rows = [alerts_store.NewAlert(user, s["id"], pid, s["channel"], score, reasons, digest_key=key)
            for user, items in ranked.items() for s, key in subs_by_user[user] for pid, score, reasons in items]
    return alerts_store.insert_many(conn, rows)

