"""The artifact store: versioned, immutable folders of files (FAISS index, ALS factors, fitted embedders).

``publish`` writes into a hidden scratch folder and renames it into place, so a reader never sees a
half-written version; the database row (model_versions) is written after the files exist, so a live row
always points at complete files. Old versions beyond ``keep`` are pruned, never the live one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

# A scratch folder this old belongs to a publish that died (kill -9, power loss): writing files takes
# seconds, so no live publish is ever near it.
STALE_SCRATCH_SECONDS = 3600


class ArtifactError(RuntimeError):
    """An artifact folder is missing, incomplete or corrupt."""


def new_version() -> str:
    """Sortable and unique: UTC time to the microsecond plus a short random suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, version: str) -> Path:
        return self.root / kind / version

    def publish(self, kind: str, version: str, write: Callable[[Path], dict[str, Any]]) -> Path:
        """Call ``write(folder)`` on a scratch folder, record its returned metadata in manifest.json, then
        rename the folder into place. Returns the final path."""
        final = self.path(kind, version)
        scratch = self.root / kind / f".tmp-{version}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        try:
            meta = write(scratch)
            manifest = {"kind": kind, "version": version, "files": sorted(p.name for p in scratch.iterdir()),
                        **(meta or {})}
            (scratch / "manifest.json").write_text(json.dumps(manifest, indent=2))
            for file in scratch.iterdir():
                with file.open("rb") as fh:
                    os.fsync(fh.fileno())
            os.rename(scratch, final)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return final

    def manifest(self, kind: str, version: str) -> dict[str, Any]:
        """The manifest of a complete version; ArtifactError if the folder or any listed file is missing."""
        folder = self.path(kind, version)
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"{kind} {version}: no readable manifest in {folder}") from exc
        missing = [name for name in manifest.get("files", []) if not (folder / name).is_file()]
        if missing:
            raise ArtifactError(f"{kind} {version}: missing {', '.join(missing)}")
        return manifest

    def prune(self, kind: str, *, keep: int, protect: set[str]) -> list[str]:
        """Delete all but the newest ``keep`` versions of ``kind`` (never those in ``protect``), and the
        scratch folders of publishes that died more than STALE_SCRATCH_SECONDS ago."""
        folder = self.root / kind
        if not folder.is_dir():
            return []
        for scratch in folder.glob(".tmp-*"):
            with contextlib.suppress(OSError):
                if time.time() - scratch.stat().st_mtime > STALE_SCRATCH_SECONDS:
                    shutil.rmtree(scratch, ignore_errors=True)
        versions = sorted((p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                          reverse=True)
        removed = [v for v in versions[keep:] if v not in protect]
        for version in removed:
            shutil.rmtree(folder / version, ignore_errors=True)
        return removed
