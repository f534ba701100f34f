"""The arXiv evaluation set's split logic (bench/arxiv_eval.py) on tiny synthetic catalogues."""

import numpy as np

from bench.arxiv_eval import build, cold_papers, pair_readers, primary_field, readers, split_cold, split_two


def paper(pid, day, authors, cats=("cs.CV",)):
    return {"id": pid, "title": f"title {pid}", "abstract": f"abstract {pid}", "authors": list(authors),
            "categories": list(cats), "first_listed": f"2026-04-{day:02d}", "comment": "x"}


CATALOGUE = [
    # Ann (vision) writes 4 papers, Bob (language) 4, Cy co-authors all of Ann's (same set: one reader)
    *(paper(f"a{i}", 1 + i, ["Ann", "Cy"]) for i in range(4)),
    *(paper(f"b{i}", 2 + i, ["Bob"], ("cs.CL", "cs.AI")) for i in range(4)),
    paper("d0", 1, ["Dee"]), paper("d1", 9, ["Dee"]),  # 2 papers: not a P1 reader, but a cold one
    paper("e0", 3, ["Eve"], ("cs.CV",)),
]


def test_readers_are_authors_with_enough_papers_in_time_order_and_deduplicated():
    own = readers(CATALOGUE)
    ids = sorted({a for p in CATALOGUE for a in p["authors"]})  # Ann, Bob, Cy, Dee, Eve -> u0..u4
    assert own == {"u0": ["a0", "a1", "a2", "a3"], "u1": ["b0", "b1", "b2", "b3"]}  # Cy is Ann's copy
    assert ids[2] == "Cy"
    assert set(readers(CATALOGUE, min_papers=2)) == {"u0", "u1", "u3"}


def test_primary_field_is_the_most_common_first_category():
    cats = {"x": ["cs.CL", "cs.AI"], "y": ["cs.CV"], "z": ["cs.CL"], "w": []}
    assert primary_field(["x", "y", "z", "w"], cats) == "cs.CL"
    assert primary_field(["x", "y"], cats) == "cs.CL"  # tie: alphabetical
    assert primary_field(["w"], cats) == ""


def test_split_two_gives_equal_latest_test_papers():
    assert split_two(["a", "b", "c", "d", "e"], ["p", "q"]) == (["a", "b", "c", "d"], ["e"], ["p"], ["q"])
    assert split_two(["a"] * 20, ["b"] * 30, max_test=5)[1] == ["a"] * 5
    assert split_two(["a"], ["p", "q"]) is None


def test_pairs_are_of_different_fields_and_share_no_paper():
    own = {"r1": ["x", "y"], "r2": ["x", "z"], "r3": ["v", "w"], "r4": ["s", "t"]}
    fields = {"r1": "cs.CV", "r2": "cs.CL", "r3": "cs.CV", "r4": "cs.CV"}
    pairs = pair_readers(own, fields, np.random.default_rng(0), limit=0)
    assert len(pairs) == 1 and set(pairs[0]) in ({"r2", "r3"}, {"r2", "r4"})
    for first, second in pairs:
        assert fields[first] != fields[second] and not set(own[first]) & set(own[second])


def test_cold_papers_are_the_newest_share():
    assert cold_papers(CATALOGUE, share=0.2) == ["b3", "d1"]  # 11 papers: the last 2 by (day, id)
    split = split_cold({"r": ["a", "b", "c"], "s": ["a"], "t": ["c"]}, ["c"])
    assert split.train == {"r": ["a", "b"]} and split.test == {"r": ["c"]}


def test_build_removes_authors_and_is_deterministic():
    first = build(CATALOGUE, seed=3, max_users=10)
    again = build(CATALOGUE, seed=3, max_users=10)
    assert first == again
    assert all(set(item) == {"id", "title", "abstract", "categories"} for item in first.items)
    assert first.splits["P1"].train == {"u0": ["a0"], "u1": ["b0"]}
    assert first.splits["P1"].test == {"u0": ["a1", "a2", "a3"], "u1": ["b1", "b2", "b3"]}
    multi = first.splits["multi"]
    assert list(multi.train) == ["m0"]
    assert sorted(multi.test["m0"]) == ["a2", "a3", "b2", "b3"]  # 2 latest of each (4 // 2)
    assert first.interests["m0"]["a0"] != first.interests["m0"]["b0"]
    assert first.cold_items == ["b3", "d1"]
    assert first.splits["cold"].train == {"u1": ["b0", "b1", "b2"], "u3": ["d0"]}


def test_max_users_samples_each_split():
    many = [paper(f"p{a}-{i}", 1 + i, [f"A{a}"], (f"cs.X{a % 3}",)) for a in range(30) for i in range(4)]
    built = build(many, seed=1, max_users=7)
    assert len(built.splits["P1"].train) == 7 and len(built.splits["cold"].train) <= 7
    assert len(built.splits["multi"].train) <= 7
    assert build(many, seed=1, max_users=7).splits["P1"].train == built.splits["P1"].train
