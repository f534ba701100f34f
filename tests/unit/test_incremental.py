"""Incremental re-ranking's rules and merge (services/recommender/incremental.py), without I/O."""

from __future__ import annotations

from services.config import Settings
from services.recommender import incremental
from services.recommender.hits import Reason, ReasonKind
from services.recommender.incremental import Change, StoredFeed
from services.recommender.ranking import Candidate

SETTINGS = Settings.from_env({}).replace(feed_incremental_updates=3, feed_incremental_new=3)


def stored(events, *, updates=0, version="v1", experiment=False, entries=None):
    entries = entries if entries is not None else [{"p": f"p{i}", "s": 1.0 - i / 100, "r": []} for i in range(20)]
    return StoredFeed("f", version, entries, updates, experiment, events)


def ids(candidates):
    return [c.paper_id for c in candidates]


def arrival(paper_id, anchor="s"):
    return Candidate(paper_id, reasons=[Reason(ReasonKind.SIMILAR_TO_STARRED, f"similar to {anchor}", anchor)],
                     score=0.9, topical=True)


def test_stars_reads_and_dismissals_are_followed_newest_paper_first():
    change = incremental.updatable(stored([(5, "star", "a"), (6, "dismiss", "p3"), (7, "read", "b"),
                                           (8, "star", "a")]), version="v1", settings=SETTINGS)
    assert change == Change(gone=frozenset({"a", "p3", "b"}), added=("a", "b"), last_event_id=8)


def test_what_an_update_cannot_follow_ranks_in_full():
    star = [(5, "star", "a")]
    assert incremental.updatable(None, version="v1", settings=SETTINGS) is None
    assert incremental.updatable(stored([]), version="v1", settings=SETTINGS) is None  # nothing to apply
    assert incremental.updatable(stored(star + [(6, "unstar", "x")]), version="v1", settings=SETTINGS) is None
    assert incremental.updatable(stored(star), version="v2", settings=SETTINGS) is None  # new models
    assert incremental.updatable(stored(star, experiment=True), version="v1", settings=SETTINGS) is None
    assert incremental.updatable(stored(star, updates=3), version="v1", settings=SETTINGS) is None
    assert incremental.updatable(stored(star, updates=2), version="v1", settings=SETTINGS) is not None
    assert incremental.updatable(stored(star), version="v1",
                                 settings=SETTINGS.replace(feed_incremental_updates=0)) is None
    many = [(i, "dismiss", f"r{i}") for i in range(incremental.MAX_EVENTS + 1)]
    assert incremental.updatable(stored(many), version="v1", settings=SETTINGS) is None
    assert incremental.updatable(stored(many[1:]), version="v1", settings=SETTINGS) is not None
    added = [(i, "read", f"r{i}") for i in range(incremental.MAX_ADDED + 1)]
    assert incremental.updatable(stored(added), version="v1", settings=SETTINGS) is None
    assert incremental.updatable(stored(added[1:] + [(9, "star", "r1")]), version="v1", settings=SETTINGS) is not None
    interleaved = [{"p": "p0", "s": 1.0, "r": [], "t": "A"}]
    assert incremental.updatable(stored(star, entries=interleaved), version="v1", settings=SETTINGS) is None


def test_arrivals_take_every_gap_th_place_from_the_second_and_the_rest_keeps_its_order():
    ranked = [Candidate(f"p{i}", score=1.0 - i / 100) for i in range(12)]
    merged = incremental.merge(ranked, {"p2"}, [[arrival("n1"), arrival("n2"), arrival("n3")]], size=12)
    places = [incremental.FIRST_PLACE + i * incremental.GAP for i in range(3)]
    assert [merged[at].paper_id for at in places] == ["n1", "n2", "n3"]
    assert [p for p in ids(merged) if p.startswith("p")] == [f"p{i}" for i in range(12) if i != 2][:9]
    assert incremental.merge(ranked, set(), [[arrival("n1"), arrival("n2")]], size=12, gap=4)[5].paper_id == "n2"
    assert len(merged) == 12
    # An arrival takes its place's score, so scores still read down the list as before.
    assert merged[1].score == ranked[1].score and merged[1].reasons[0].paper_id == "s"


def test_several_new_papers_take_turns_and_nothing_appears_twice():
    ranked = [Candidate(f"p{i}") for i in range(10)] + [Candidate("n2")]
    newest = [arrival("n1", "a"), arrival("n2", "a")]
    older = [arrival("m1", "b"), arrival("n1", "b")]
    merged = incremental.merge(ranked, set(), [newest, older], size=20)
    gap = incremental.GAP
    assert ids(merged)[1:1 + 3 * gap:gap] == ["n1", "m1", "n2"] and len(ids(merged)) == len(set(ids(merged))) == 13
    assert merged[1].reasons[0].paper_id == "a"  # the newest paper's claim wins a shared neighbour


def test_a_list_run_short_is_ranked_in_full():
    ranked = [Candidate(f"p{i}") for i in range(10)]
    assert incremental.merge(ranked, {f"p{i}" for i in range(5)}, [], size=10) is not None  # half left
    assert incremental.merge(ranked, {f"p{i}" for i in range(6)}, [], size=10) is None
    assert incremental.merge(ranked, {f"p{i}" for i in range(6)}, [[arrival("n1")]], size=10) is not None


def test_stored_entries_read_back_as_the_candidates_they_were_stored_from():
    reason = Reason(ReasonKind.SIMILAR_TO_READ, "similar to “x”, which you read", "x")
    entries = [{"p": "a", "s": 0.5, "r": [reason.as_dict()]}, {"p": "b", "s": 0.25, "r": [{"kind": "fresh",
                                                                                            "detail": "new"}]}]
    candidates = incremental.entries_as_candidates(entries)
    assert [(c.paper_id, c.score) for c in candidates] == [("a", 0.5), ("b", 0.25)]
    assert candidates[0].reasons == [reason] and candidates[1].reasons[0].paper_id is None


def test_a_read_brings_fewer_neighbours_than_a_star():
    assert incremental.arrivals_per_paper("star", SETTINGS) == 3
    assert incremental.arrivals_per_paper("read", SETTINGS) == incremental.NEW_PER_READ
    assert incremental.arrivals_per_paper("read", SETTINGS.replace(feed_incremental_new=0)) == 0


def test_the_reader_shows_neither_unwanted_nor_hidden_papers_and_new_profiles_rank_in_full():
    class Hidden:
        def shows(self, paper_id):
            return paper_id != "h"

    reader = incremental.Reader([], [], {"seen"}, Hidden())
    assert reader.shows("x") and not reader.shows("seen") and not reader.shows("h")
    assert incremental.Reader([], [], set(), None).shows("h")
    rows = [{"paper_id": f"p{i}", "kind": "star"} for i in range(incremental.MIN_PROFILE)]
    assert incremental.too_new(rows[:-1]) and not incremental.too_new(rows)


def test_an_arrival_listed_above_its_place_stays_and_one_listed_below_moves_up_with_its_reasons():
    old = Reason(ReasonKind.MATCHES_INTEREST, "for your interest in x", None)
    ranked = [Candidate(f"p{i}", reasons=[old], score=1.0 - i / 100) for i in range(12)]
    # The arrivals' places are the second, fourth and sixth: p1 is at the second already and p0 above the
    # fourth, so both stay as they are; p9 moves up to the sixth, its interest reason after its new one.
    merged = incremental.merge(ranked, set(), [[arrival("p1"), arrival("p0"), arrival("p9")]], size=12)
    assert ids(merged) == ["p0", "p1", "p2", "p3", "p4", "p9", *[f"p{i}" for i in (5, 6, 7, 8, 10, 11)]]
    assert merged[1].reasons == [old] and merged[0].reasons == [old]
    assert [r.kind for r in merged[5].reasons] == [ReasonKind.SIMILAR_TO_STARRED, ReasonKind.MATCHES_INTEREST]
