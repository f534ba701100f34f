"""The profile vectors a worker keeps between matching runs (services.alerts.profile_index.HeldProfiles)
on real PostgreSQL: after every kind of change (a profile rewritten, a subscription added, disabled or
deleted, a new embedder) the held index decides exactly what an index built afresh decides, and only
the changed rows are read."""

from __future__ import annotations

import numpy as np
import pytest

from services.alerts import matching, profile_index
from services.store import profiles as profiles_store
from services.store import subscriptions as subscriptions_store

DIM = 16
USERS = [f"reader{i:02d}" for i in range(12)]


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _write_profiles(db, embedder, users, rng, clusters=2):
    rows = [(u, c, _unit(rng).tobytes(), 1.0, f"anchor-{u}-{c}") for u in users for c in range(clusters)]
    with db.connection() as conn:
        profiles_store.replace(conn, embedder, users, rows)


def _decisions(index, papers):
    if index is None:
        return set()
    got = matching.instant_matches(index, [f"p{i}" for i in range(len(papers))], papers, default_min_score=0.3)
    return {(u, s, c, p, round(score, 5), a) for u, s, c, p, score, a in got}


def _fresh(db, embedder, papers):
    """The oracle: an index built from every current row, as a worker without a held copy would."""
    with db.connection() as conn:
        rows = [{"user_id": u, "vector": v, "anchor_paper_id": a}
                for u, _, _, v, a in profiles_store.instant_subscriber_rows(conn, embedder)]
        return _decisions(profile_index.build_profile_index(rows, subscriptions_store.instant(conn)), papers)


@pytest.fixture
def readers(clean_db):
    with clean_db.connection() as conn:
        for u in USERS:
            conn.execute("INSERT INTO users (id) VALUES (%s)", (u,))
            conn.execute("INSERT INTO subscriptions (user_id, id, kind, channel, min_score) "
                         "VALUES (%s, 'now', 'instant', 'inbox', %s)", (u, 0.3 if u != "reader00" else 0.6))
    return clean_db


def test_held_profiles_read_only_what_changed_and_decide_as_a_fresh_index(readers):
    db, rng = readers, np.random.default_rng(7)
    papers = np.stack([_unit(rng) for _ in range(40)])
    _write_profiles(db, "lsa:1", USERS, rng)
    held = profile_index.HeldProfiles()

    def current(embedder="lsa:1"):
        with db.connection() as conn:
            index, update = held.current(conn, embedder)
        assert _decisions(index, papers) == _fresh(db, embedder, papers)
        return index, update

    index, update = current()
    assert (update.read, update.dropped, update.held) == (24, 0, 24) and _decisions(index, papers)
    first = held.index
    # Nothing changed: nothing read, the same vectors searched.
    assert current()[1].read == 0 and held.index is first

    # Two readers' profiles rewritten (one now has a single interest): their rows, and only theirs.
    _write_profiles(db, "lsa:1", ["reader03"], rng)
    _write_profiles(db, "lsa:1", ["reader07"], rng, clusters=1)
    _, update = current()
    assert (update.read, update.dropped, update.held) == (3, 4, 23) and held.index is first

    # Subscriptions are read afresh: a disabled one, a deleted one and a changed threshold count at
    # once; a new subscriber's existing profile is read.
    with db.connection() as conn:
        conn.execute("INSERT INTO users (id) VALUES ('late')")
        profiles_store.replace(conn, "lsa:1", ["late"], [("late", 0, _unit(rng).tobytes(), 1.0, "anchor-late")])
    _, update = current()
    assert update.read == 0
    with db.connection() as conn:
        conn.execute("UPDATE subscriptions SET enabled = false WHERE user_id = 'reader01'")
        conn.execute("DELETE FROM subscriptions WHERE user_id = 'reader02'")
        conn.execute("UPDATE subscriptions SET min_score = 0.1 WHERE user_id = 'reader04'")
        conn.execute("INSERT INTO subscriptions (user_id, id, kind, channel) VALUES ('late', 'now', 'instant', 'email')")
    index, update = current()
    assert (update.read, update.dropped, update.held) == (1, 4, 20)
    assert {"reader01", "reader02"}.isdisjoint(index.users) and "late" in index.users

    # A deleted user's rows go; a new embedder (a refit) replaces every row.
    with db.connection() as conn:
        conn.execute("DELETE FROM users WHERE id = 'reader05'")
    assert current()[1].dropped == 2
    _write_profiles(db, "lsa:2", [u for u in USERS if u != "reader05"] + ["late"], rng)
    _, update = current("lsa:2")
    assert (update.read, update.dropped, update.held) == (20, 18, 20) and held.index is not first


def test_most_rows_changed_are_read_in_one_pass_and_nobody_left_is_none(readers):
    db, rng = readers, np.random.default_rng(8)
    papers = np.stack([_unit(rng) for _ in range(20)])
    _write_profiles(db, "lsa:1", USERS, rng)
    held = profile_index.HeldProfiles()
    with db.connection() as conn:
        held.current(conn, "lsa:1")
    _write_profiles(db, "lsa:1", USERS[:9], rng)  # 18 of 24 rows: more than RELOAD_SHARE
    with db.connection() as conn:
        index, update = held.current(conn, "lsa:1")
    assert (update.read, update.dropped, update.held) == (24, 24, 24)
    assert _decisions(index, papers) == _fresh(db, "lsa:1", papers)
    with db.connection() as conn:
        conn.execute("UPDATE subscriptions SET enabled = false")
        assert held.current(conn, "lsa:1") == (None, profile_index.ProfileUpdate(read=0, dropped=24, held=0))
