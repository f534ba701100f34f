import numpy as np
import pytest

from services.recommender.hits import Hit, Reason
from services.recommender.ranking import (
    Candidate,
    blend,
    drop,
    interest_clusters,
    mmr,
    normalise_scores,
    rank_scores,
)


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_normalise_scales_each_list_to_unit_range():
    assert normalise_scores([("a", 5.0), ("b", 3.0), ("c", 1.0)]) == [("a", 1.0), ("b", 0.5), ("c", 0.0)]
    assert normalise_scores([("a", 0.2)]) == [("a", 1.0)]
    assert normalise_scores([]) == []


def test_blend_sums_weighted_scores_and_keeps_every_reason():
    content = [Hit("p1", 0.9, Reason("similar_to_starred", "")), Hit("p2", 0.5, Reason("similar_to_starred", ""))]
    trending = [Hit("p2", 10.0, Reason("trending", "")), Hit("p3", 2.0, Reason("trending", ""))]
    candidates = blend({"content": content, "trending": trending}, {"content": 1.0, "trending": 0.5})
    assert candidates["p1"].score == 1.0
    assert candidates["p2"].score == 0.0 + 0.5 * 1.0
    assert [r.kind for r in candidates["p2"].reasons] == ["similar_to_starred", "trending"]
    assert candidates["p3"].score == 0.0
    assert set(drop(candidates, ["p1", "p9"])) == {"p2", "p3"}


def test_interest_clusters_keep_two_topics_apart():
    video = [unit(1, 0.1, 0), unit(1, 0, 0.1), unit(0.9, 0.1, 0.1)]
    robots = [unit(0, 1, 0.1), unit(0.1, 1, 0), unit(0, 0.9, 0.2)]
    labels = interest_clusters(np.stack(video + robots), 2)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]
    assert list(interest_clusters(np.stack(video), 1)) == [0, 0, 0]


def test_mmr_shows_the_second_interest_before_near_duplicates_of_the_first():
    vectors = {"a1": unit(1, 0, 0), "a2": unit(1, 0.01, 0), "a3": unit(1, 0, 0.01), "b1": unit(0, 1, 0)}
    candidates = [Candidate("a1", score=1.0), Candidate("a2", score=0.99), Candidate("a3", score=0.98),
                  Candidate("b1", score=0.8)]
    assert [c.paper_id for c in mmr(candidates, vectors, lam=0.6, size=4)][:2] == ["a1", "b1"]
    # with lam = 1 it is plain relevance order
    assert [c.paper_id for c in mmr(candidates, vectors, lam=1.0, size=4)] == ["a1", "a2", "a3", "b1"]


def test_mmr_handles_candidates_without_vectors_and_size():
    candidates = [Candidate("x", score=0.5), Candidate("y", score=0.7)]
    assert [c.paper_id for c in mmr(candidates, {}, lam=0.7, size=1)] == ["y"]
    assert mmr([], {}, lam=0.7, size=5) == []


def test_rank_scores_depend_on_order_only():
    assert rank_scores([("a", 0.2), ("b", 9.0), ("c", 1.0)], 1.0) == [("a", 2 / 4), ("b", 1.0), ("c", 2 / 3)]
    assert rank_scores([("a", 5.0), ("b", 5.0)], 0.0) == [("a", 1.0), ("b", 0.5)]
    assert rank_scores([], 60.0) == []


def test_rank_fusion_keeps_a_retriever_with_huge_raw_scores_on_the_same_scale():
    content = [Hit("p1", 0.9, Reason("c", "")), Hit("p2", 0.8, Reason("c", ""))]
    cf = [Hit("p3", 1000.0, Reason("cf", "")), Hit("p1", 999.0, Reason("cf", ""))]
    fused = blend({"content": content, "cf": cf}, {"content": 1.0, "cf": 1.0}, fusion="rank", rank_k=1.0)
    assert fused["p1"].score == 1.0 + 2 / 3
    assert fused["p3"].score == 1.0 and fused["p2"].score == 2 / 3
    with pytest.raises(ValueError):
        blend({"content": content}, {"content": 1.0}, fusion="nope")


def _reference_order(retrieved, settings, unwanted, vectors, hidden):
    """The feed's ranking written out the slow, obvious way (a Candidate per hit, a Python MMR loop): the
    vectorised ``feed.order`` must give exactly this list."""
    from services.recommender.feed import INTEREST_PAGE, MIN_ONE_PLACE_UPTO, VISIBILITY_CHECKED
    from services.recommender.ranking import allot_interests
    from services.recommender.retrievers import weights

    candidates = drop(blend(retrieved, weights(settings), fusion=settings.feed_fusion, rank_k=settings.feed_rank_k),
                      unwanted)
    best = sorted(candidates.values(), key=lambda c: (-c.score, c.paper_id))[: VISIBILITY_CHECKED * settings.feed_size]
    pool = [c for c in best if c.paper_id not in hidden]
    lam, chosen = settings.feed_mmr_lambda, []
    top = pool[0].score or 1.0
    max_sim = {c.paper_id: 0.0 for c in pool}
    left = list(pool)
    while left and len(chosen) < settings.feed_size:
        pick = max(left, key=lambda c: (lam * c.score / top - (1 - lam) * max_sim[c.paper_id], -pool.index(c)))
        chosen.append(pick)
        left.remove(pick)
        for c in left:
            if c.paper_id in vectors and pick.paper_id in vectors:
                sim = float(np.dot(vectors[c.paper_id].astype(np.float64), vectors[pick.paper_id]))
                max_sim[c.paper_id] = max(max_sim[c.paper_id], sim)
    return allot_interests(chosen, page=INTEREST_PAGE, min_one_upto=MIN_ONE_PLACE_UPTO)


@pytest.mark.parametrize("fusion", ["rank", "minmax"])
def test_the_vectorised_order_equals_the_per_candidate_ranking(fusion):
    from services.config import Settings
    from services.recommender import index as faiss_index
    from services.recommender.feed import order
    from services.recommender.hits import InterestRef
    from services.recommender.visibility import Hidden

    rng = np.random.default_rng(3)
    ids = [f"p{i:03d}" for i in range(400)]
    matrix = rng.normal(size=(380, 8)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    built, _ = faiss_index.build(matrix, exact_below=10_000, hnsw_m=8)
    index = faiss_index.LoadedIndex.in_memory(built, ids[:380], matrix, version="v", embedder="e", ef_search=16)
    vectors = dict(zip(ids[:380], matrix, strict=True))  # the last 20 papers have no vector
    interests = [InterestRef(0, 0.7), InterestRef(1, 0.3)]

    def hits(source, n, with_interest=False):
        picked = rng.choice(len(ids), size=n, replace=False)
        return [Hit(ids[i], float(rng.random()), Reason(source, ids[i]) if rng.random() < 0.9 else None,
                    interests[int(rng.integers(2))] if with_interest else None) for i in picked]

    retrieved = {"content": hits("content", 250, True), "cf": hits("cf", 120), "trending": hits("trending", 100),
                 "fresh": hits("fresh", 50)}
    retrieved["cf"].append(Hit(retrieved["cf"][0].paper_id, 99.0))  # listed twice: the first counts
    s = Settings.from_env({"FEED_FUSION": fusion, "FEED_SIZE": "60", "FEED_MMR_LAMBDA": "0.7"})
    unwanted = set(ids[::7])
    hidden = frozenset(ids[1::9]) | {ids[395]}
    got = order(retrieved, s, unwanted=unwanted, index=index, hidden=Hidden(stamp=1, ids=hidden))
    want = _reference_order(retrieved, s, unwanted, vectors, hidden)
    assert [c.paper_id for c in got] == [c.paper_id for c in want]
    assert [(c.score, c.scores, c.reasons, c.interest) for c in got] == \
        [(c.score, c.scores, c.reasons, c.interest) for c in want]
    assert len(got) == 60 and not {c.paper_id for c in got} & (unwanted | hidden)
