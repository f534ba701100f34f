"""Pure parts of alerts: digest periods and due times, digest ranking, instant matching, retry backoff."""

import datetime as dt

import numpy as np

from services.alerts import digests, matching, outbox, profile_index
from services.config import Settings

SETTINGS = Settings(digest_size=3, digest_local_hour=8, feed_weight_content=1.0, feed_weight_trending=0.3,
                    feed_weight_fresh=0.15, alert_retry_base_seconds=30, alert_retry_max_seconds=3600)


def test_period_keys_are_local_days_and_iso_weeks():
    moment = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)  # a Thursday in ISO week 1 of 2026
    assert digests.period_key("daily", moment) == "2026-01-01"
    assert digests.period_key("weekly", moment) == "2026-W01"
    assert digests.period_key("weekly", dt.datetime(2027, 1, 1, tzinfo=dt.UTC)) == "2026-W53"


def test_a_digest_is_due_once_per_period_after_the_local_hour():
    sub = {"timezone": "America/New_York", "frequency": "daily", "last_digest_key": None}
    at = dt.datetime(2026, 11, 27, 12, 30, tzinfo=dt.UTC)  # 07:30 in New York
    assert digests.due_key(sub, at, 8) is None
    assert digests.due_key(sub, at + dt.timedelta(hours=1), 8) == "2026-11-27"
    assert digests.due_key({**sub, "last_digest_key": "2026-11-27"}, at + dt.timedelta(hours=1), 8) is None
    # An unknown zone (not possible through the API) falls back to UTC instead of failing the batch.
    assert digests.due_key({**sub, "timezone": "Mars/Olympus"}, at, 8) == "2026-11-27"


def _unit(*values):
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_digest_ranking_prefers_the_users_interest_and_skips_what_they_have_seen():
    candidates = [{"id": f"p{i}", "title": f"P{i}", "trend_score": 0.0, "trend_stars": 0, "age_rank": i}
                  for i in range(5)]
    vectors = np.stack([_unit(1, 0), _unit(0.9, 0.1), _unit(0, 1), _unit(0.1, 0.9), _unit(1, 1)])
    profiles = [{"user_id": "a", "vector": _unit(1, 0).tobytes(), "anchor_paper_id": "s1", "anchor_title": "S1"}]
    ranked = digests.rank_digests(candidates, vectors, profiles, ["a", "b"], {"a": {"p0"}}, SETTINGS)
    assert [pid for pid, _, _ in ranked["a"]][:2] == ["p1", "p4"]
    assert "p0" not in [pid for pid, _, _ in ranked["a"]]
    assert ranked["a"][0][2][0] == {"kind": "matches_your_interests", "paper_id": "s1",
                                    "detail": "close to your interest in “S1”"}
    # No profile: the newest papers, explained as fresh.
    assert [pid for pid, _, _ in ranked["b"]] == ["p0", "p1", "p2"]
    assert ranked["b"][0][2] == [{"kind": "fresh", "detail": "new this period"}]


def test_instant_matching_applies_each_subscriptions_threshold():
    rows = [{"user_id": "a", "vector": _unit(1, 0).tobytes(), "anchor_paper_id": "sa"},
            {"user_id": "a", "vector": _unit(0, 1).tobytes(), "anchor_paper_id": "sa2"},
            {"user_id": "b", "vector": _unit(1, 1).tobytes(), "anchor_paper_id": "sb"},
            {"user_id": "c", "vector": _unit(1, 0).tobytes(), "anchor_paper_id": "sc"}]  # c has no instant sub
    subs = [{"user_id": "a", "id": "i", "channel": "inbox", "min_score": 0.9},
            {"user_id": "b", "id": "i", "channel": "email", "min_score": None}]
    index = profile_index.build_profile_index(rows, subs)
    assert index.size == 3
    papers = np.stack([_unit(1, 0.05), _unit(-1, 0)])
    got = matching.instant_matches(index, ["near-a", "far"], papers, default_min_score=0.5)
    # a: best of its two interests (0.998 ≥ 0.9), anchored on the first; b: 0.74 ≥ default 0.5; c: never.
    assert [(u, s, p, a) for u, s, _, p, _, a in got] == [("a", "i", "near-a", "sa"), ("b", "i", "near-a", "sb")]


def test_retry_backoff_doubles_and_is_capped():
    assert [outbox.backoff_seconds(n, SETTINGS, jitter=lambda: 1.0) for n in (1, 2, 3)] == [30, 60, 120]
    assert outbox.backoff_seconds(20, SETTINGS, jitter=lambda: 1.0) == 3600
    assert [outbox.backoff_seconds(n, SETTINGS, jitter=lambda: 0.0) for n in (1, 2, 20)] == [15, 30, 1800]
    delays = [outbox.backoff_seconds(3, SETTINGS) for _ in range(200)]
    assert all(60 <= d <= 120 for d in delays) and len(set(delays)) > 150  # spread, not one instant
