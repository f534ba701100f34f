"""CF re-scoring of other retrievers' candidates (feed.cf_hits, LoadedCf.score_items), no I/O."""

import numpy as np

from services.config import Settings
from services.recommender import ranking
from services.recommender.cf import LoadedCf
from services.recommender.hits import Hit, Reason
from services.recommender.retrievers import cf_hits


def _model() -> LoadedCf:
    users = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    items = np.array([[1.0, 0.0], [0.9, 0.1], [0.1, 0.9], [0.0, 1.0], [0.05, 0.0]], dtype=np.float32)
    return LoadedCf("t", users, items, {"u": 0, "w": 1}, ("a", "b", "c", "d", "e"))


def test_score_items_scores_known_papers_in_order():
    model = _model()
    assert [(p, round(s, 3)) for p, s in model.score_items("u", ["c", "zz", "a"])] == [("c", 0.1), ("a", 1.0)]
    assert model.score_items("nobody", ["a"]) == []
    assert model.score_items("u", []) == []


def test_cf_hits_rescore_appends_candidates_without_a_reason():
    settings = Settings.from_env({"FEED_SIZE": "10", "FEED_CF_RESCORE": "true"})
    hits = cf_hits(_model(), "u", settings, history=5, rescore=["e", "a", "zz"])
    found = [h.paper_id for h in hits if h.reason is not None]
    assert found == ["a", "b"]  # c, d, e are below CF_RELATIVE_FLOOR of the best
    assert [(h.paper_id, h.reason) for h in hits if h.reason is None] == [("e", None)]  # a: found already
    off = cf_hits(_model(), "u", settings.replace(feed_cf_rescore=False), history=5, rescore=["e"])
    assert [h.paper_id for h in off] == ["a", "b"]
    assert cf_hits(_model(), "u", settings, history=1, rescore=["e"]) == []  # below FEED_CF_MIN_HISTORY


def test_a_rescored_candidate_gets_the_cf_score_but_not_its_reason():
    content = [Hit("e", 0.9, Reason("similar_to_starred", "")), Hit("a", 0.5, Reason("similar_to_starred", ""))]
    cf = [Hit("a", 1.0, Reason("liked_by_similar_readers", "")), Hit("e", 0.05)]
    fused = ranking.blend({"content": content, "cf": cf}, {"content": 1.0, "cf": 1.0}, fusion="rank", rank_k=1.0)
    assert fused["e"].scores == {"content": 1.0, "cf": 2 / 3}
    assert [r.kind for r in fused["e"].reasons] == ["similar_to_starred"]
    assert [r.kind for r in fused["a"].reasons] == ["similar_to_starred", "liked_by_similar_readers"]


def test_papers_nobody_read_are_scored_but_not_claimed():
    model = _model()
    imputed = LoadedCf(model.version, model.user_factors, model.item_factors, model.user_index, model.items,
                       trained_items=1)  # only "a" was fitted on interactions
    assert imputed.has_readers("a") and not imputed.has_readers("b") and not imputed.has_readers("zz")
    settings = Settings.from_env({"FEED_SIZE": "10"})
    hits = cf_hits(imputed, "u", settings, history=5)
    assert [(h.paper_id, h.reason is not None) for h in hits] == [("a", True), ("b", False)]
    assert all(model.has_readers(pid) for pid in model.items)  # trained_items None: all fitted
