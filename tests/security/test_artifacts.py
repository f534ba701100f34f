"""Model artifacts (audit finding 9): never unpickled, and only read from inside the artifact root."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from services.recommender.artifacts import ArtifactError, ArtifactStore
from services.recommender.embedders import LSA_COMPONENTS, LSA_IDF, LsaEmbedder
from tests.unit.test_embedders import TEXTS


class _Payload:
    """Unpickling this writes a file: what an attacker's pickle would do instead."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_the_lsa_artifact_is_plain_data(tmp_path):
    LsaEmbedder.fit(TEXTS, dimensions=2, version="plain").save(tmp_path)
    for path in tmp_path.iterdir():
        assert not path.read_bytes().startswith(b"\x80"), f"{path.name} looks like a pickle"
    assert np.load(tmp_path / LSA_IDF, allow_pickle=False).dtype == np.float32


def test_a_planted_pickle_is_never_loaded(tmp_path):
    marker = tmp_path / "owned"
    (tmp_path / "lsa.pickle").write_bytes(pickle.dumps({"vectorizer": _Payload(str(marker))}))
    with pytest.raises(ValueError, match="refit"):
        LsaEmbedder.load(tmp_path)
    assert not marker.exists()


def test_an_object_array_in_place_of_the_components_is_refused(tmp_path):
    LsaEmbedder.fit(TEXTS, dimensions=2, version="obj").save(tmp_path)
    marker = tmp_path / "owned"
    np.save(tmp_path / LSA_COMPONENTS, np.array([_Payload(str(marker))], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        LsaEmbedder.load(tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize(("kind", "version"), [("index", "../../../etc"), ("index", "/etc/passwd"),
                                               ("../cf", "v1"), ("index", "v1/../../x"), ("index", "")])
def test_versions_that_are_paths_are_refused(tmp_path, kind, version):
    """model_versions rows name (kind, version); whoever can write a row must not choose a folder
    outside the artifact root."""
    store = ArtifactStore(tmp_path / "artifacts")
    with pytest.raises(ArtifactError):
        store.path(kind, version)
    with pytest.raises(ArtifactError):
        store.local(kind, version)
