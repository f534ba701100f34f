import numpy as np
import pytest

from services.recommender.embedders import LsaEmbedder, from_bytes, paper_text, to_bytes

TEXTS = [
    "Diffusion models for video generation with temporal attention",
    "Video diffusion: generating long videos with latent diffusion models",
    "Graph neural networks for molecule property prediction",
    "Message passing graph networks predict molecular properties",
    "Reinforcement learning for robot manipulation from demonstrations",
    "Robots learn manipulation skills with offline reinforcement learning",
]


def test_lsa_vectors_are_normalised_and_topical():
    embedder = LsaEmbedder.fit(TEXTS, dimensions=4, version="t1")
    vectors = embedder.embed(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (6, embedder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    for i in range(0, 6, 2):  # each text is closest to its topical twin
        others = [j for j in range(6) if j != i]
        assert max(others, key=lambda j: sims[i, j]) == i + 1


def test_lsa_round_trips_through_its_artifact(tmp_path):
    embedder = LsaEmbedder.fit(TEXTS, dimensions=3, version="t2")
    embedder.save(tmp_path)
    again = LsaEmbedder.load(tmp_path)
    assert again.name == "tfidf-lsa:t2"
    assert np.allclose(again.embed(TEXTS[:2]), embedder.embed(TEXTS[:2]))


def test_vector_bytes_round_trip_and_dimension_check():
    v = np.arange(4, dtype=np.float32)
    assert np.array_equal(from_bytes(to_bytes(v), 4), v)
    with pytest.raises(ValueError):
        from_bytes(to_bytes(v), 8)


def test_paper_text_uses_title_abstract_and_categories():
    text = paper_text({"title": "T", "abstract": "A", "categories": ["cs.LG"]})
    assert "T" in text and "A" in text and "cs.LG" in text
