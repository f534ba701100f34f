"""Artifact versions shared between hosts: published once, fetched by a host that lacks them, verified,
and retried (never refused for good) when the shared store is down. Three real shared stores:
PostgreSQL large objects, an S3-compatible server (moto's, on loopback) and a shared folder."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import numpy as np
import pytest
from moto.server import ThreadedMotoServer

from infra.embedded import free_port
from services.recommender import pipeline
from services.recommender.artifact_remote import ObjectBlobStore, PostgresBlobStore
from services.recommender.artifacts import ArtifactError, ArtifactStore, ArtifactUnavailable
from services.recommender.serving import LiveModels
from services.store import artifact_blobs
from tests.faults.conftest import load_catalogue

BUCKET = "paperfeed-artifacts"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port())
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3_env(monkeypatch, s3_endpoint) -> str:
    """The standard AWS_* variables obstore reads, pointing at the loopback server."""
    for name, value in {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
                        "AWS_ALLOW_HTTP": "true"}.items():
        monkeypatch.setenv(name, value)
    return s3_endpoint


@pytest.fixture(params=["postgresql", "s3", "folder"])
def remote(request, clean_db, tmp_path):
    if request.param == "postgresql":
        return PostgresBlobStore(clean_db)
    if request.param == "s3":
        request.getfixturevalue("s3_env")
        return ObjectBlobStore(f"s3://{BUCKET}/run-{tmp_path.name}")
    return ObjectBlobStore(f"file://{tmp_path / 'shared'}")


def _write(folder: Path) -> dict:
    np.save(folder / "vectors.npy", np.arange(3 * 1024 * 1024, dtype=np.float32).reshape(-1, 64))  # 12 MB
    (folder / "ids.json").write_text(json.dumps(["a", "b"]))
    return {"rows": 2}


def test_a_host_without_the_version_fetches_it_verified(remote, tmp_path):
    worker = ArtifactStore(tmp_path / "worker", remote)
    api = ArtifactStore(tmp_path / "api", remote)
    worker.publish("index", "v1", _write)
    assert not api.path("index", "v1").exists()

    folder = api.local("index", "v1")

    assert folder == api.path("index", "v1")
    for name in ("vectors.npy", "ids.json", "manifest.json"):
        assert (folder / name).read_bytes() == (worker.path("index", "v1") / name).read_bytes()
    assert api.manifest("index", "v1")["rows"] == 2
    assert not list((tmp_path / "api" / "index").glob(".fetch-*"))  # no scratch left behind


def test_a_damaged_local_copy_is_replaced_from_the_shared_store(remote, tmp_path):
    worker = ArtifactStore(tmp_path / "worker", remote)
    api = ArtifactStore(tmp_path / "api", remote)
    worker.publish("cf", "v1", _write)
    folder = api.local("cf", "v1")
    (folder / "ids.json").write_text('["tampered"]')

    assert json.loads((api.local("cf", "v1") / "ids.json").read_text()) == ["a", "b"]


def test_a_version_missing_from_the_shared_store_is_an_error_not_a_retry(remote, tmp_path):
    api = ArtifactStore(tmp_path / "api", remote)
    with pytest.raises(ArtifactError):
        api.local("index", "never-published")


def test_pruning_removes_the_shared_copies_too(remote, tmp_path):
    worker = ArtifactStore(tmp_path / "worker", remote)
    for version in ("v1", "v2", "v3"):
        worker.publish("index", version, _write)
    assert worker.prune("index", keep=1, protect={"v1"}) == ["v2"]
    with pytest.raises(ArtifactError):
        ArtifactStore(tmp_path / "other", remote).local("index", "v2")
    assert ArtifactStore(tmp_path / "third", remote).local("index", "v1").is_dir()


def test_a_checksum_mismatch_in_the_shared_copy_is_refused(clean_db, tmp_path):
    remote = PostgresBlobStore(clean_db)
    ArtifactStore(tmp_path / "worker", remote).publish("index", "v1", _write)
    with clean_db.connection() as conn:
        artifact_blobs.put(conn, kind="index", version="v1", name="ids.json", source=io.BytesIO(b'["evil"]'))
    with pytest.raises(ArtifactError, match="checksum"):
        ArtifactStore(tmp_path / "api", remote).local("index", "v1")


def test_an_unreachable_store_is_transient(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_REGION": "us-east-1",
                        "AWS_ALLOW_HTTP": "true"}.items():
        monkeypatch.setenv(name, value)
    api = ArtifactStore(tmp_path / "api", ObjectBlobStore(f"s3://{BUCKET}/nowhere"))
    with pytest.raises(ArtifactUnavailable):
        api.local("index", "v1")
    assert not list((tmp_path / "api" / "index").glob(".fetch-*"))


def test_an_api_host_retries_a_version_it_could_not_fetch(settings, clean_db, s3_env, tmp_path, monkeypatch):
    """The shared store is down when the new version appears: the host keeps trying at each refresh and
    serves it once the store is back (before, a version that failed once was refused for good)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="test",
                 aws_secret_access_key="test", region_name="us-east-1").create_bucket(Bucket="flaky-store")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    engine = settings.replace(artifact_dir=tmp_path / "worker", data_dir=tmp_path / "data")
    load_catalogue(clean_db, 60)
    url = f"s3://flaky-store/{tmp_path.name}"
    pipeline.refresh(clean_db, ArtifactStore(engine.artifacts, ObjectBlobStore(url)), engine)
    live = LiveModels(ArtifactStore(tmp_path / "api", ObjectBlobStore(url)), refresh_seconds=0.0,
                      ef_search=engine.hnsw_ef_search)
    server.stop()
    try:
        with clean_db.connection() as conn:
            assert live.index(conn) is None
            assert "not loaded yet" in live.problems["index"]
    finally:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)  # the same data: moto keeps it in-process
        server.start()
    try:
        with clean_db.connection() as conn:
            index = live.index(conn)
        assert index is not None and "index" not in live.problems
    finally:
        server.stop()
