"""The events fast path (schemas.events.load_event_fast) is the schema, only faster: on generated items it
either returns exactly what EventIn / OwnEventIn load, or steps aside (None) — never accepting what the
schema rejects — and it does take the common shapes."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from schemas.events import EVENT_TYPES, EventIn, OwnEventIn, load_event_fast

NOW = dt.datetime.now(dt.UTC)
texts = st.one_of(st.text(max_size=6), st.text(min_size=60, max_size=140), st.sampled_from(
    ["ada", "2606.16011", " ada", "a/b", "x\x00y", "", "é", "\t", "a" * 128, "a" * 129]))
values = st.one_of(st.none(), texts, st.integers(-5, 20_000), st.booleans(), st.floats(allow_nan=False),
                   st.lists(st.integers(), max_size=2))
times = st.one_of(
    st.datetimes(min_value=dt.datetime(1980, 1, 1), max_value=dt.datetime(2100, 1, 1),
                 timezones=st.one_of(st.none(), st.just(dt.UTC), st.just(dt.timezone(dt.timedelta(hours=5))))
                 ).map(lambda d: d.isoformat()),
    st.sampled_from([(NOW - dt.timedelta(minutes=5)).isoformat(), "2026-13-01T00:00:00Z", "yesterday",
                     "2026-06-01", "2026-06-01T10:00:00Z"]),
    values)
contexts = st.one_of(values, st.dictionaries(st.one_of(texts, st.sampled_from(["feed_id", "position"])),
                                             st.one_of(values, st.dictionaries(texts, values, max_size=2)),
                                             max_size=4))
printable = st.characters(whitelist_categories=("L", "N", "P", "S"), blacklist_characters="/")
ids = st.one_of(st.text(printable, min_size=1, max_size=130), st.text(printable, min_size=1, max_size=8),
                st.sampled_from(["ada", "2606.16011", "a" * 128, "a" * 129]))
good_times = st.one_of(
    st.datetimes(min_value=dt.datetime(1989, 12, 31), max_value=dt.datetime(2027, 1, 1),
                 timezones=st.one_of(st.none(), st.just(dt.UTC))).map(lambda d: d.isoformat()),
    st.sampled_from([(NOW - dt.timedelta(minutes=5)).isoformat(), (NOW + dt.timedelta(minutes=59)).isoformat(),
                     (NOW + dt.timedelta(minutes=61)).isoformat()]))
good_contexts = st.fixed_dictionaries({}, optional={
    "feed_id": st.one_of(st.text(printable, max_size=64), st.sampled_from(["f" * 64, "f" * 65])),
    "position": st.one_of(st.integers(-2, 10_002), st.sampled_from([-1, 0, 10_000, 10_001, 15_000])),
    "rank": st.one_of(st.integers(), st.text(printable, max_size=20), st.sampled_from(["x" * n for n in (1990, 2020, 2100)])),
    "k" * 64: st.just(1), "k" * 65: st.just(1)})
valid_ish = st.fixed_dictionaries(
    {"user_id": ids, "paper_id": ids, "type": st.sampled_from(EVENT_TYPES)},
    optional={"occurred_at": good_times, "event_id": ids, "context": good_contexts})
FIELDS = ["user_id", "paper_id", "type", "occurred_at", "event_id", "context", "extra"]


def mutated(pair):
    (item, key, value, drop) = pair
    item = dict(item)
    if key is None:
        return item
    if drop:
        item.pop(key, None)
    else:
        item[key] = value
    return item


# Mostly items that are nearly valid, each with at most one field replaced by anything or left out, so
# every rule of the schema sits at a boundary some example crosses; and arbitrary values besides.
near_valid = st.tuples(valid_ish, st.one_of(st.none(), st.none(), st.sampled_from(FIELDS)),
                       st.one_of(values, times, contexts), st.booleans()).map(mutated)
items = st.one_of(
    near_valid, near_valid, near_valid, near_valid,
    st.fixed_dictionaries({}, optional={k: st.one_of(values, times, contexts) for k in FIELDS}),
    values)


def schema_load(schema, item):
    try:
        return schema.load(item)
    except ValidationError:
        return "rejected"


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items)
def test_the_fast_path_accepts_only_what_the_schema_accepts_and_returns_the_same(item):
    for schema, required in ((EventIn(), True), (OwnEventIn(), False)):
        fast = load_event_fast(item, user_required=required)
        if fast is not None:
            assert fast == schema_load(schema, item)
        if required:
            SEEN.append((fast is not None, schema_load(schema, item) != "rejected"))


SEEN: list[tuple[bool, bool]] = []  # (fast path took it, the schema accepts it) per generated item


def test_the_generated_items_exercise_both_answers():
    """The property above is only as good as its examples: many must be valid and many not."""
    SEEN.clear()
    test_the_fast_path_accepts_only_what_the_schema_accepts_and_returns_the_same()
    taken = sum(fast for fast, _ in SEEN)
    rejected = sum(not valid for _, valid in SEEN)
    assert taken > len(SEEN) // 15 and rejected > len(SEEN) // 4, (taken, rejected, len(SEEN))
    # Valid items the fast path leaves to the schema (rare shapes) cost time, never correctness.
    assert sum(valid and not fast for fast, valid in SEEN) < taken // 4


def test_the_fast_path_takes_the_common_shapes():
    common = [
        {"user_id": "ada", "paper_id": "2606.16011", "type": "star"},
        {"user_id": "ada", "paper_id": "2606.16011", "type": "read", "event_id": "e-1",
         "occurred_at": (NOW - dt.timedelta(hours=1)).isoformat()},
        {"user_id": "ada", "paper_id": "2606.16011", "type": "click", "event_id": None,
         "context": {"feed_id": "1b2c", "position": 3}},
    ]
    for item in common:
        assert load_event_fast(item) == EventIn().load(item)
    own = {"paper_id": "2606.16011", "type": "dismiss"}
    assert load_event_fast(own, user_required=False) == OwnEventIn().load(own)
    assert load_event_fast(own) is None  # a service key must name the user: the schema says why
