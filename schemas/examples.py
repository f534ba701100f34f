"""Examples of the main bodies, shown in /openapi.json (and so in /docs and the generated SDKs' docs)."""

from __future__ import annotations

PAPER_ID = "2606.15956"
FEED_ID = "f_3q9Zb2kQ"

USER_IN = {"email": "ada@example.org", "name": "Ada", "timezone": "Europe/London", "seed_papers": [PAPER_ID]}
PAPER_IN = {
    "title": "Visual Representation Learning via Temporal Differences",
    "abstract": "Progress in AI has largely been driven by methods that assume less...",
    "authors": ["Ninad Daithankar", "Alexi Gladstone"], "categories": ["cs.CV", "cs.LG"],
    "published_at": "2026-06-16T00:00:00Z", "url": f"https://arxiv.org/abs/{PAPER_ID}",
}
EVENTS_IN = {"events": [
    {"user_id": "ada", "paper_id": PAPER_ID, "type": "star", "event_id": "ada-star-1",
     "context": {"feed_id": FEED_ID, "position": 0}},
    {"user_id": "ada", "paper_id": "2606.16011", "type": "dismiss", "context": {"feed_id": FEED_ID, "position": 3}},
]}
TOKEN_IN = {"ttl_seconds": 3600}
TOKEN_OUT = {"token": "pfu_eyJ1IjoiYWRhIiwiayI6MSwiaSI6MTc2NDcwNjAwMCwiZSI6MTc2NDcwOTYwMH0.sig",
             "expires_at": "2026-12-02T21:00:00+00:00"}  # nosec B105  # not a password: a token prefix, hint text or documentation example
SUBSCRIPTION_IN = {"kind": "digest", "channel": "email", "frequency": "weekly"}
FEED_PAGE = {
    "items": [{
        "paper": {"id": PAPER_ID, "title": "Visual Representation Learning via Temporal Differences",
                  "authors": ["Ninad Daithankar", "Alexi Gladstone"], "categories": ["cs.CV", "cs.LG"],
                  "url": f"https://arxiv.org/abs/{PAPER_ID}", "published_at": "2026-06-16T00:00:00+00:00"},
        "score": 0.83,
        "reasons": [{"kind": "similar_to_starred", "detail": "similar to “Masked Autoencoders Are Scalable "
                     "Vision Learners”, which you starred", "paper_id": "2111.06377"}],
    }],
    "next_cursor": "eyJrIjoiZmVlZCIsImEiOlsiZl8zcTlaYjJrUSIsMjBdfQ",
    "model_version": "cf-20261202T0800",
    "feed_id": FEED_ID,
}
