"""Where published artifact versions are shared between hosts (ARTIFACT_URL).

Each host keeps a local, memory-mapped cache under ARTIFACT_DIR (``ArtifactStore``); a remote store is
the copy every host can reach, so API hosts and workers need no common filesystem:

- ``postgresql`` — large objects in Paperfeed's own database (no new server to run);
- ``s3://bucket/prefix`` — any S3-compatible object store, through obstore (credentials, region and a
  custom endpoint from the usual ``AWS_*`` variables: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...);
- ``file:///shared/folder`` — a mounted shared folder (NFS and the like), through the same obstore API.

Keys are ``<kind>/<version>/<file name>``: relative, so hosts may keep their caches anywhere.
Errors: ``BlobMissing`` when a key does not exist (the version is incomplete or was pruned), any other
exception is treated by callers as transient (network, database restart) and retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import obstore
import obstore.store

from services.db import Database
from services.store import artifact_blobs

POSTGRES_URL = "postgresql"
STREAM_CHUNK_BYTES = 4 * 1024 * 1024


class BlobMissing(LookupError):
    """The remote store has no such file."""


class BlobStore(Protocol):
    """A flat key → bytes store shared by every host."""

    description: str

    def put_file(self, kind: str, version: str, name: str, source: Path) -> None: ...

    def read(self, kind: str, version: str, name: str) -> Iterator[bytes]:
        """The file's bytes in chunks; BlobMissing when it does not exist."""
        ...

    def delete_version(self, kind: str, version: str) -> None: ...


class PostgresBlobStore:
    """Large objects in the service's own database (services/store/artifact_blobs)."""

    description = "PostgreSQL large objects"

    def __init__(self, db: Database) -> None:
        self._db = db

    def put_file(self, kind: str, version: str, name: str, source: Path) -> None:
        with self._db.connection() as conn, source.open("rb") as fh:
            artifact_blobs.put(conn, kind=kind, version=version, name=name, source=fh)

    def read(self, kind: str, version: str, name: str) -> Iterator[bytes]:
        with self._db.connection() as conn:
            chunks = artifact_blobs.read(conn, kind=kind, version=version, name=name)
            if chunks is None:
                raise BlobMissing(f"{kind}/{version}/{name}")
            yield from chunks

    def delete_version(self, kind: str, version: str) -> None:
        with self._db.connection() as conn:
            artifact_blobs.delete(conn, kind=kind, version=version)


class ObjectBlobStore:
    """An object store (S3-compatible, or a shared folder) through obstore."""

    def __init__(self, url: str) -> None:
        self.description = url.split("?", 1)[0]
        if url.startswith("file://"):
            Path(url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
        self._store = obstore.store.from_url(url)

    def put_file(self, kind: str, version: str, name: str, source: Path) -> None:
        with source.open("rb") as fh:
            obstore.put(self._store, f"{kind}/{version}/{name}", fh)

    def read(self, kind: str, version: str, name: str) -> Iterator[bytes]:
        try:
            result = obstore.get(self._store, f"{kind}/{version}/{name}")
        except FileNotFoundError as exc:
            raise BlobMissing(f"{kind}/{version}/{name}") from exc
        for chunk in result.stream(min_chunk_size=STREAM_CHUNK_BYTES):
            yield bytes(chunk)

    def delete_version(self, kind: str, version: str) -> None:
        paths = [meta["path"] for batch in obstore.list(self._store, prefix=f"{kind}/{version}/")
                 for meta in batch]
        if paths:
            obstore.delete(self._store, paths)


def from_url(url: str | None, db: Database | None) -> BlobStore | None:
    """The remote store ARTIFACT_URL names, or None (one host, or a filesystem shared at the same path)."""
    if not url:
        return None
    if url == POSTGRES_URL:
        if db is None:
            raise ValueError("ARTIFACT_URL=postgresql needs the database")
        return PostgresBlobStore(db)
    return ObjectBlobStore(url)
