"""The LSA embedder reads at most LSA_FIT_PAPERS papers, embeds the whole catalogue with that fit, and is
refitted when the catalogue (not the sample) has doubled."""

from __future__ import annotations

import gzip
import itertools

import pytest

from infra.cli import DEMO_CATALOGUE
from services.catalog.importer import import_lines
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactKind, ArtifactStore
from services.store import embeddings, models

SAMPLE = 100


@pytest.fixture
def lines():
    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        return list(itertools.islice(fh, 4 * SAMPLE))


@pytest.fixture
def lsa_settings(settings, tmp_path):
    return settings.replace(artifact_dir=tmp_path / "artifacts", artifact_refresh_seconds=0.0,
                            embedder="tfidf-lsa", lsa_dimensions=16, lsa_fit_papers=SAMPLE)


def _live_embedder(db):
    with db.connection() as conn:
        return models.live(conn, ArtifactKind.EMBEDDER)


def test_the_fit_reads_an_even_sample_and_every_paper_is_embedded(clean_db, lsa_settings, lines):
    import_lines(clean_db, lines[: 2 * SAMPLE])
    artifacts = ArtifactStore(lsa_settings.artifacts)

    result = pipeline.embed_missing(clean_db, artifacts, lsa_settings)

    assert result["embedded"] == 2 * SAMPLE
    live = _live_embedder(clean_db)
    assert live["params"]["fitted_on"] == SAMPLE and live["params"]["catalogue"] == 2 * SAMPLE
    with clean_db.connection() as conn:
        sample = [p["id"] for p in embeddings.paper_texts(conn, limit=SAMPLE)]
        again = [p["id"] for p in embeddings.paper_texts(conn, limit=SAMPLE)]
        everyone = [p["id"] for p in embeddings.paper_texts(conn)]
    assert sample == again == sorted(sample)  # the same papers on every run, in id order
    # A hash sample, not the first ids: it reaches into the later half of the id order.
    assert set(sample) & set(everyone[SAMPLE:])


def test_a_refit_waits_for_the_catalogue_to_double(clean_db, lsa_settings, lines):
    artifacts = ArtifactStore(lsa_settings.artifacts)
    import_lines(clean_db, lines[: 2 * SAMPLE])
    pipeline.embed_missing(clean_db, artifacts, lsa_settings)
    first = _live_embedder(clean_db)["version"]

    # 1.5× the catalogue of the fit (3× its sample): the same fit embeds the newcomers.
    import_lines(clean_db, lines[2 * SAMPLE: 3 * SAMPLE])
    assert pipeline.embed_missing(clean_db, artifacts, lsa_settings)["embedded"] == SAMPLE
    assert _live_embedder(clean_db)["version"] == first

    # Twice the catalogue of the fit: refitted on a sample again.
    import_lines(clean_db, lines[3 * SAMPLE:])
    pipeline.embed_missing(clean_db, artifacts, lsa_settings)
    live = _live_embedder(clean_db)
    assert live["version"] != first
    assert live["params"]["fitted_on"] == SAMPLE and live["params"]["catalogue"] == 4 * SAMPLE
