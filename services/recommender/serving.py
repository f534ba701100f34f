"""What an API process serves from: the live artifacts, loaded once and swapped atomically.

``LiveModels.index(conn)`` / ``.cf(conn)`` return the loaded live version of each kind, checking at
most every ``refresh_seconds`` (one small query) whether a newer version was published. A new version
is loaded fully before it replaces the old reference (one assignment), so a request sees either the old
or the new version, never a mix, and no restart is needed. A version that fails to load is refused: the
previous one keeps serving and ``problems`` says why (readiness reports it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from services.recommender.artifacts import ArtifactError, ArtifactKind, ArtifactStore, ArtifactUnavailable
from services.recommender.cf import LoadedCf
from services.recommender.index import LoadedIndex
from services.store import models

log = logging.getLogger(__name__)


class LiveModels:
    def __init__(self, artifacts: ArtifactStore, *, refresh_seconds: float, ef_search: int) -> None:
        self.artifacts = artifacts
        self.refresh_seconds = refresh_seconds
        self._loaders: dict[str, Callable[[Path, dict[str, Any]], Any]] = {
            ArtifactKind.INDEX: lambda folder, row: LoadedIndex.load(folder, version=row["version"],
                                                             embedder=row["params"]["embedder"], ef_search=ef_search),
            ArtifactKind.CF: lambda folder, row: LoadedCf.load(
                folder, row["version"], imputed_items=int((row["metrics"] or {}).get("imputed_items") or 0)),
        }
        self._loaded: dict[str, Any] = {}
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._shared: dict[Any, tuple[float, Any]] = {}
        self.problems: dict[str, str] = {}
        # kind → the live version that failed to load. Versions are immutable, so it is not retried
        # (and not logged again) at every refresh; a newer version gets its own chance.
        self._refused: dict[str, str] = {}

    def index(self, conn: psycopg.Connection) -> LoadedIndex | None:
        self._maybe_refresh(conn)
        return self._loaded.get(ArtifactKind.INDEX)

    def cf(self, conn: psycopg.Connection) -> LoadedCf | None:
        self._maybe_refresh(conn)
        return self._loaded.get(ArtifactKind.CF)

    def shared(self, key: Any, ttl: float, compute: Callable[[], Any]) -> Any:
        """A value every request may share for ``ttl`` seconds (trending and fresh lists: the same for
        every user, so computing them per request is waste). Bounded: cleared past 256 keys."""
        now = time.monotonic()
        entry = self._shared.get(key)
        if entry is not None and now - entry[0] < ttl:
            return entry[1]
        value = compute()
        if len(self._shared) >= 256:
            self._shared = {}
        self._shared[key] = (now, value)
        return value

    def versions(self) -> dict[str, str]:
        return {kind: model.version for kind, model in self._loaded.items()}

    def _maybe_refresh(self, conn: psycopg.Connection) -> None:
        if time.monotonic() - self._checked_at < self.refresh_seconds:
            return
        with self._lock:  # one thread loads; the others keep serving the current versions meanwhile
            if time.monotonic() - self._checked_at < self.refresh_seconds:
                return
            live = models.live_versions(conn)  # one small query; rows are read only for what changed
            for kind in self._loaders:
                current = self._loaded.get(kind)
                if kind not in live:
                    continue
                if current is not None and current.version == live[kind]:
                    self.problems.pop(kind, None)  # e.g. rolled back from a refused version to this one
                    continue
                if self._refused.get(kind) == live[kind]:
                    continue
                row = models.live(conn, kind)
                if row is None:
                    continue
                try:
                    folder = self.artifacts.local(kind, row["version"])  # fetched first on a host that lacks it
                    loaded = self._loaders[kind](folder, row)
                except ArtifactUnavailable as exc:
                    # The shared store failed just now: keep serving what we have and try again at the
                    # next refresh, rather than refusing a version that is fine.
                    # /readyz is public: the version only; the cause (paths, hosts) goes to the log.
                    self.problems[kind] = f"{kind} {row['version']} not loaded yet (the API log says why)"
                    log.warning("%s %s not loaded yet: %s", kind, row["version"], exc)
                    continue
                except (ArtifactError, OSError, ValueError, KeyError, RuntimeError) as exc:
                    self.problems[kind] = f"{kind} {row['version']} refused (the API log says why)"
                    self._refused[kind] = row["version"]
                    log.error("%s %s refused: %s", kind, row["version"], exc)
                    continue
                self._loaded = {**self._loaded, kind: loaded}  # swap the whole mapping at once
                self.problems.pop(kind, None)
                log.info("serving %s %s", kind, row["version"])
            self._checked_at = time.monotonic()
