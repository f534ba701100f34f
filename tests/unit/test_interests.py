"""Interests and their share of the page (content.group_interests, ranking.allot_interests), no I/O."""

import numpy as np
import scipy.sparse as sp

from services.config import Settings
from services.recommender import feed
from services.recommender import index as faiss_index
from services.recommender.content import (
    _label,
    content_hits,
    group_interests,
    interest_refs,
    mark_topical,
    name_papers,
    profile_interests,
    profile_rows,
    similarity_for,
)
from services.recommender.hits import Hit, InterestRef, Reason, ReasonKind
from services.recommender.itemknn import ItemKnn
from services.recommender.lexical import FieldWeights, LexicalModel
from services.recommender.ranking import Candidate, allot_interests, topical_first


def test_papers_group_by_average_similarity_up_to_a_maximum():
    sim = np.array([[1.0, 0.5, 0.4, 0.0, 0.0],
                    [0.5, 1.0, 0.45, 0.0, 0.1],
                    [0.4, 0.45, 1.0, 0.0, 0.0],
                    [0.0, 0.0, 0.0, 1.0, 0.3],
                    [0.0, 0.1, 0.0, 0.3, 1.0]])
    assert group_interests(sim, threshold=0.2, max_groups=5) == [[0, 1, 2], [3, 4]]
    assert group_interests(sim, threshold=0.35, max_groups=5) == [[0, 1, 2], [3], [4]]
    # beyond the maximum the closest groups merge whatever their similarity
    assert group_interests(sim, threshold=0.35, max_groups=2) == [[0, 1, 2], [3, 4]]
    assert group_interests(sim, threshold=0.0, max_groups=5) == [[0, 1, 2, 3, 4]]
    assert group_interests(np.zeros((0, 0)), threshold=0.1, max_groups=3) == []


def _ranked(spec):
    """"AAAB-" → candidates a0 a1 a2 b0 o0 (A: interest 0, B: 1, -: none), scores falling."""
    out, counts = [], {}
    for n, ch in enumerate(spec):
        counts[ch] = counts.get(ch, 0) + 1
        interest = None if ch == "-" else InterestRef("AB".index(ch), 0.5)
        out.append(Candidate(f"{ch}{counts[ch]}", score=1.0 - n / 100, interest=interest))
    return out


def test_each_interest_gets_its_share_of_every_page_interleaved():
    ranked = _ranked("AAAAAAAAAA" + "BBBBBBBBBB")
    allotted = allot_interests(ranked, page=10, min_one_upto=5)
    assert [c.paper_id[0] for c in allotted[:10]].count("B") == 5
    assert [c.paper_id[0] for c in allotted[:4]] == ["A", "B", "A", "B"]
    assert sorted(c.paper_id for c in allotted) == sorted(c.paper_id for c in ranked)  # nothing lost or repeated


def test_other_retrievers_keep_their_places_and_a_small_interest_gets_one():
    ranked = [Candidate(f"a{i}", score=1 - i / 100, interest=InterestRef(0, 0.95)) for i in range(12)]
    ranked.insert(2, Candidate("t1", score=0.99))
    ranked.append(Candidate("b1", score=0.1, interest=InterestRef(1, 0.05)))
    allotted = allot_interests(ranked, page=10, min_one_upto=5)
    assert allotted[2].paper_id == "t1"
    assert "b1" in [c.paper_id for c in allotted[:10]]  # share 5 % of 9 places: rounds to 0, but at least one
    assert len(allotted) == len(ranked)


def test_a_short_interest_leaves_its_places_to_the_others():
    ranked = _ranked("AAAAAAAAAAAB")
    allotted = allot_interests(ranked, page=10, min_one_upto=5)
    assert [c.paper_id for c in allotted].count("B1") == 1 and len(allotted) == 12
    assert [c.paper_id[0] for c in allotted[:10]].count("A") == 9


PAPERS = [
    {"id": "d1", "title": "diffusion models for image synthesis", "categories": ["cs.CV"]},
    {"id": "d2", "title": "latent diffusion models for image editing", "categories": ["cs.CV"]},
    {"id": "d3", "title": "fast sampling of diffusion models", "categories": ["cs.LG"]},
    {"id": "d4", "title": "diffusion models for video synthesis", "categories": ["cs.CV"]},
    {"id": "s1", "title": "speech recognition for low resource languages", "categories": ["cs.CL"]},
    {"id": "s2", "title": "speech synthesis with expressive prosody", "categories": ["cs.CL"]},
    {"id": "s3", "title": "speech recognition with self supervised models", "categories": ["cs.CL"]},
    {"id": "s4", "title": "speech synthesis for low resource languages", "categories": ["cs.CL"]},
    {"id": "v1", "title": "captioning benchmark with human judgements", "categories": ["cs.CV", "cs.CL"]},
    {"id": "v2", "title": "chart question answering benchmark", "categories": ["cs.CV", "cs.CL"]},
]


def _index():
    lexical = LexicalModel.fit(PAPERS, FieldWeights(labels=2.0, categories=0.25, broad_share=0.05))
    dense = lexical.matrix.toarray().astype(np.float32)  # a dense view of the same texts
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    built, _ = faiss_index.build(dense, exact_below=100, hnsw_m=8)
    return faiss_index.LoadedIndex.in_memory(built, [p["id"] for p in PAPERS], dense, version="t", embedder="t",
                                             ef_search=16, lexical=lexical)


def test_two_interests_retrieve_apart_and_reasons_name_the_closest_paper():
    settings = Settings.from_env({"FEED_SIZE": "10"})
    profile = [{"paper_id": pid, "kind": "star", "title": pid} for pid in ("d1", "d2", "s1", "s2")]
    hits = {h.paper_id: h for h in content_hits(_index(), profile, settings)}
    assert {"d3", "d4", "s3", "s4"} <= set(hits)
    assert hits["d4"].interest.index != hits["s4"].interest.index
    assert hits["d4"].interest.share == hits["s4"].interest.share == 0.5
    assert hits["d4"].reason.paper_id == "d1" and hits["s4"].reason.paper_id in ("s1", "s2")
    assert hits["s3"].reason.paper_id == "s1"  # "speech recognition": s1, not s2
    # a paper sharing only categories with the profile is not said to be similar to any of it
    assert "v1" in hits or "v2" in hits  # found by its categories (the weak prior) ...
    for pid in ("v1", "v2"):
        if pid in hits:  # ... but said to be for an interest, not similar to a paper
            assert hits[pid].reason.paper_id is None and hits[pid].reason.kind == "matches_your_interest"


def test_papers_named_on_the_final_list_are_those_content_hits_names():
    """The feed retrieves with interest reasons only and names the resembled papers on its list
    (content.name_papers): for every hit, the same reason as content_hits names at once, and nothing
    else about the hits changes."""
    index = _index()
    settings = Settings.from_env({"FEED_SIZE": "10"})
    profile = [{"paper_id": "d1", "kind": "star", "title": "diffusion models for image synthesis"},
               {"paper_id": "s1", "kind": "read", "title": "speech recognition for low resource languages"},
               {"paper_id": "s2", "kind": "star", "title": "speech synthesis with expressive prosody"}]
    named = content_hits(index, profile, settings)
    unnamed = content_hits(index, profile, settings, named=False)
    assert [(h.paper_id, h.score, h.interest) for h in unnamed] == [(h.paper_id, h.score, h.interest) for h in named]
    assert {h.reason.kind for h in unnamed} == {"matches_your_interest"}
    assert {h.reason.kind for h in named} > {"matches_your_interest"}  # some papers are named, not all
    # a candidate also carrying another retriever's reason keeps it, in its place
    trending = Reason(ReasonKind.TRENDING, "trending this week")
    candidates = [Candidate(h.paper_id, {"content": h.score}, [h.reason, trending], h.score, h.interest)
                  for h in unnamed]
    candidates.append(Candidate("x", {"trending": 1.0}, [trending], 0.1))
    out = name_papers(index, profile, settings, candidates)
    assert [c.reasons for c in out] == [[h.reason, trending] for h in named] + [[trending]]
    assert [c.reasons[0] for c in candidates[:-1]] == [h.reason for h in unnamed]  # not changed in place
    assert name_papers(index, [], settings, candidates) == candidates


def test_the_profile_rows_gathered_once_give_what_the_ids_give():
    """A feed gathers its profile's rows once (content.profile_rows) for the interests, the topical marks
    and the named papers: each must come out exactly as from the ids, on either side of a similarity."""
    index = _index()
    settings = Settings.from_env({"FEED_SIZE": "10"})
    profile = [{"paper_id": pid, "kind": kind, "title": pid}
               for pid, kind in (("d1", "star"), ("s1", "read"), ("s2", "star"), ("nowhere", "star"))]
    rows = profile_rows(index, profile, settings)
    ids = [row["paper_id"] for row in profile]
    similarity = similarity_for(index, settings)
    others = ["d3", "v1", "s4", "missing"]
    assert np.array_equal(similarity.between(others, rows), similarity.between(others, ids))
    assert np.array_equal(similarity.between(rows, rows), similarity.between(ids, ids))
    assert similarity.between(others, ids).any()  # not comparing two zero matrices
    assert profile_interests(index, profile, settings, rows) == profile_interests(index, profile, settings)
    hits = [Hit(pid, 1.0) for pid in others]
    assert mark_topical(index, profile, settings, hits, rows) == mark_topical(index, profile, settings, hits)
    assert {h.topical for h in mark_topical(index, profile, settings, hits)} == {True, False}
    unnamed = content_hits(index, profile, settings, named=False)
    candidates = [Candidate(h.paper_id, {"content": h.score}, [h.reason], h.score, h.interest) for h in unnamed]
    assert name_papers(index, profile, settings, candidates, rows) == name_papers(index, profile, settings, candidates)


def test_a_new_star_in_a_new_field_is_an_interest_of_its_own():
    settings = Settings.from_env({"FEED_SIZE": "10"})
    profile = [{"paper_id": pid, "kind": "star", "title": pid} for pid in ("s1", "d1", "d2", "d3")]
    hits = content_hits(_index(), profile, settings)
    shares = {h.interest.index: h.interest.share for h in hits}
    assert sorted(shares.values()) == [0.25, 0.75]
    near_speech = [h for h in hits if h.paper_id in ("s3", "s4")]
    assert near_speech and all(h.reason.paper_id == "s1" for h in near_speech)


def test_an_interest_is_labelled_by_its_shared_title_words_else_by_one_of_its_papers():
    assert _label(["Speech resynthesis units", "Interleaved speech language models", "Speech LMs"]) == "speech"
    assert _label(["HumanScale: egocentric video", "ENPIRE: agentic policy"]) == "papers like “HumanScale: egocentric video”"
    assert _label(["Only one"]) == "“Only one”"
    assert _label([]) == ""


def _co_saved(groups: list[tuple[str, ...]]) -> ItemKnn:
    """An item-item model where reader i saved ``groups[i]``."""
    ids = [p["id"] for p in PAPERS]
    rows = [(u, ids.index(pid)) for u, group in enumerate(groups) for pid in group]
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), tuple(zip(*rows, strict=True))),
                           shape=(len(groups), len(ids)))
    return ItemKnn.fit(ids, matrix, neighbours=10, shrink=0.0)


def test_papers_saved_with_one_interest_count_in_that_interests_places():
    """Readers of the speech papers also saved two off-topic benchmark papers, many times over: the
    item-item retriever ranks those first. They count in the speech interest's places (the interest of
    the paper their reason names), so the reader's diffusion interest keeps its share of the page."""
    settings = Settings.from_env({"FEED_SIZE": "10", "FEED_WEIGHT_ITEMKNN": "5", "FEED_MMR_LAMBDA": "1"})
    index = _index()
    profile = [{"paper_id": pid, "kind": "star", "title": pid} for pid in ("d1", "d2", "s1", "s2")]
    interests = profile_interests(index, profile, settings)
    refs = interest_refs(interests)
    assert len(interests) == 2 and refs["s1"] == refs["s2"] != refs["d1"] == refs["d2"]
    knn = _co_saved([("s1", "s2", "v1", "v2")] * 4 + [("d1", "d3")])
    hits = knn.hits(profile, 10, interest_of=refs)
    by_id = {h.paper_id: h for h in hits}
    assert by_id["v1"].interest == refs["s1"] and by_id["v1"].reason.paper_id in ("s1", "s2")
    assert by_id["d3"].interest == refs["d1"]
    retrieved = {"content": content_hits(index, profile, settings, interests), "itemknn": hits}
    ranked = feed.order(retrieved, settings, unwanted={"d1", "d2", "s1", "s2"}, index=index)
    # the content retriever found v1 too, barely, for diffusion (shared categories): the interest a
    # candidate counts in is that of the evidence that put it there, the co-saves with speech
    assert next(c for c in ranked if c.paper_id == "v1").interest == refs["s1"]
    assert [c.paper_id for c in ranked][:2] == ["v1", "d3"], ranked  # interleaved: diffusion keeps a place
    # without the anchors' interests, v1 and v2 would count in diffusion's places, and take them
    untagged = feed.order({**retrieved, "itemknn": knn.hits(profile, 10)}, settings, unwanted=set(), index=index)
    assert next(c for c in untagged if c.paper_id == "v1").interest == refs["d1"]


def test_papers_unlike_an_interest_take_few_of_its_places():
    def c(pid, topical):
        return Candidate(pid, scores={"itemknn": 1.0}, interest=InterestRef(0, 1.0), topical=topical)

    bridged = [c("k1", False), c("k2", False), c("k3", False), c("t1", True), c("t2", True), c("t3", True),
               c("t4", True), c("t5", True), c("t6", True)]
    # one once three topical papers are in, a second after six; the rest when no topical paper is left
    assert [x.paper_id for x in topical_first(bridged, per_other=3)] == ["t1", "t2", "t3", "k1", "t4", "t5", "t6",
                                                                        "k2", "k3"]
    assert topical_first(bridged, per_other=0) == bridged  # 0: the rule is off
    queue = [c("t1", True), c("t2", True), c("t3", True), c("t4", True), c("k1", False)]
    assert topical_first(queue, per_other=3) == queue  # within the limit: kept as ranked
    assert [x.paper_id for x in topical_first([c("k1", False), c("t1", True), c("t2", True)], per_other=1)] == [
        "t1", "k1", "t2"]  # 1: alternate
    none_topical = [c("k1", False), c("k2", False)]
    assert topical_first(none_topical, per_other=3) == none_topical


def test_a_reader_with_one_interest_keeps_the_ranked_order_but_for_papers_unlike_theirs():
    ranked = []
    for n, (pid, topical) in enumerate([("k1", False), ("t1", True), ("-1", None), ("k2", False), ("t2", True),
                                        ("t3", True), ("t4", True), ("-2", None), ("t5", True)]):
        interest = None if topical is None else InterestRef(0, 1.0)
        ranked.append(Candidate(pid, score=1.0 - n / 100, interest=interest, topical=bool(topical)))
    assert allot_interests(ranked, page=10, min_one_upto=5, per_other=0) == ranked
    assert [c.paper_id for c in allot_interests(ranked, page=10, min_one_upto=5, per_other=3)] == [
        "t1", "t2", "-1", "t3", "k1", "t4", "t5", "-2", "k2"]
