"""What the dashboard shows: the overview's numbers, a paper's and a user's page (read-only, no Flask)."""

from __future__ import annotations

import math
from typing import Any

import psycopg

from services.config import Settings
from services.errors import NotFound, NotReady
from services.recommender import experiments, lookups
from services.recommender.feed import FeedRequest, rank
from services.recommender.interleaving import rank_treated
from services.recommender.serving import LiveModels
from services.store import jobs as jobs_store
from services.store import models as models_store
from services.store import papers as papers_store
from services.store import stats
from services.store import subscriptions as subscriptions_store
from services.store import users as users_store

PERIODS = (7, 30, 90)
FEED_ENDPOINTS = ("/v1/users/<user_id>/feed", "/v1/me/feed")
SIMILAR_SHOWN = 10
SUBSCRIPTIONS_SHOWN = 100


def overview(conn: psycopg.Connection, settings: Settings, *, days: int) -> dict[str, Any]:
    """Totals, one row per day of the period, feed engagement over the retention window, live versions."""
    window_hours = min(24.0, settings.feed_retention_hours)
    engagement = stats.engagement(conn, window_hours)
    impressions = engagement["impressions"]
    return {
        "totals": stats.overview(conn),
        "daily": stats.daily(conn, days),
        "engagement": {**engagement, "hours": window_hours,
                       "ctr": engagement["clicks"] / impressions if impressions else None,
                       "star_rate": engagement["stars"] / impressions if impressions else None},
        "models": models_store.live_ages(conn),
        "jobs": jobs_store.counts(conn, days),
    }


def feed_latency(metrics_text: str) -> dict[str, Any]:
    """Feed requests and their latency from the Prometheus exposition of this deployment's API
    processes (since they started): count, mean and bucket-interpolated p50/p95 in seconds."""
    from prometheus_client.parser import text_string_to_metric_families

    buckets: dict[float, float] = {}
    total = count = 0.0
    for family in text_string_to_metric_families(metrics_text):
        if family.name != "paperfeed_http_request_duration_seconds":
            continue
        for sample in family.samples:
            if sample.labels.get("endpoint") not in FEED_ENDPOINTS:
                continue
            if sample.name.endswith("_bucket"):
                le = float(sample.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + sample.value
            elif sample.name.endswith("_sum"):
                total += sample.value
            elif sample.name.endswith("_count"):
                count += sample.value
    return {"requests": int(count), "mean": total / count if count else None,
            "p50": _quantile(buckets, count, 0.5), "p95": _quantile(buckets, count, 0.95)}


def _quantile(buckets: dict[float, float], count: float, q: float) -> float | None:
    """The q-quantile from cumulative histogram buckets, interpolated linearly within a bucket."""
    if not count:
        return None
    rank_ = q * count
    lower, below = 0.0, 0.0
    for le in sorted(buckets):
        if buckets[le] >= rank_:
            if math.isinf(le):
                return lower
            share = (rank_ - below) / (buckets[le] - below) if buckets[le] > below else 1.0
            return lower + (le - lower) * share
        lower, below = le, buckets[le]
    return lower


def queue_depths(redis_url: str | None, queues: tuple[str, ...] = ("default",)) -> dict[str, int | None]:
    """Tasks waiting in each Celery queue (the Redis list of that name); None where Redis is unreachable."""
    import redis

    if redis_url is None:
        return dict.fromkeys(queues)
    client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        return {q: int(client.llen(q)) for q in queues}
    except redis.RedisError:
        return dict.fromkeys(queues)
    finally:
        client.close()


def paper_page(conn: psycopg.Connection, live: LiveModels, paper_id: str) -> dict[str, Any]:
    """A paper of any visibility, its event counts, and its nearest papers (or why there are none)."""
    paper = papers_store.get(conn, paper_id)
    if paper is None:
        raise NotFound(f"no paper {paper_id}")
    similar: list[dict[str, Any]] = []
    similar_note = None
    if paper["deleted_at"] is not None:
        similar_note = "deleted papers have no neighbours"
    else:
        try:
            similar = lookups.similar(conn, live, paper_id, SIMILAR_SHOWN)["items"]
        except NotReady as exc:
            similar_note = exc.detail
    return {"paper": paper, "stats": papers_store.activity(conn, paper_id), "similar": similar,
            "similar_note": similar_note}


def user_page(conn: psycopg.Connection, user_id: str) -> dict[str, Any]:
    """A user's profile, counts and subscriptions (at most SUBSCRIPTIONS_SHOWN: a person has a few)."""
    user = users_store.get(conn, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return {"user": user, "counts": users_store.counts(conn, user_id),
            "subscriptions": subscriptions_store.of_user(conn, user_id, limit=SUBSCRIPTIONS_SHOWN)}


def user_feed(conn: psycopg.Connection, live: LiveModels, settings: Settings, user_id: str,
              limit: int) -> list[dict[str, Any]]:
    """The user's feed ranked exactly as GET /v1/users/{id}/feed ranks it, with every reason.

    Calls ``rank`` rather than ``get_feed``: looking must not store a snapshot, which would count as
    a feed served to the user (impressions, click-through)."""
    if users_store.get(conn, user_id) is None:
        raise NotFound(f"no user {user_id}")
    # With the reader's experiment variants and the promoted defaults, as the API would rank it.
    treatment = experiments.load_treatment(conn, settings, user_id)
    ranked = rank_treated(lambda treated: rank(conn, live, treated, FeedRequest(user_id=user_id, limit=limit)),
                          treatment)[0][:limit]
    papers = papers_store.visible_by_ids(conn, [c.paper_id for c in ranked])
    return [{"position": i, "paper": papers[c.paper_id], "score": c.score, "reasons": [r.as_dict() for r in c.reasons]}
            for i, c in enumerate(ranked) if c.paper_id in papers]
