"""What an API process serves from: the live artifacts, loaded once and swapped atomically.

``LiveModels.index(conn)`` / ``.cf(conn)`` return the loaded live version of each kind, checking at
most every ``refresh_seconds`` (one small query) whether a newer version was published. A new version
is loaded fully before it replaces the old reference (one assignment), so a request sees either the old
or the new version, never a mix, and no restart is needed. A version that fails to load is refused: the
previous one keeps serving and ``problems`` says why (readiness reports it).

``index(conn, pin)`` / ``cf(conn, pin)`` with a version name (FEED_PIN_INDEX / FEED_PIN_CF, set by an
experiment's variant) serve that published version instead: loaded on first use and kept, at most
PINNED_KEPT of them, least recently used dropped. A pin that cannot be served (never published, its
files pruned) falls back to the live version, logged and reported in ``problems``; ``versions(pins)``
names what was really served, so a feed's recorded model_version, and so the experiment's readout,
stays true.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psycopg

from services.config import Settings
from services.recommender.artifacts import ArtifactError, ArtifactKind, ArtifactStore, ArtifactUnavailable
from services.recommender.cf import LoadedCf
from services.recommender.index import LoadedIndex
from services.store import models

log = logging.getLogger(__name__)

# Pinned (non-live) versions kept loaded per process: an experiment compares one or two of them, and
# each is a whole index or factor matrix in memory.
PINNED_KEPT = 2


# The setting that pins each kind (an experiment's variant names these in its overrides).
PIN_SETTINGS = {ArtifactKind.INDEX: "FEED_PIN_INDEX", ArtifactKind.CF: "FEED_PIN_CF"}


def pins(settings: Settings) -> dict[str, str]:
    """The model versions ``settings`` pin, kind → version ("" for the live one)."""
    return {ArtifactKind.INDEX: settings.feed_pin_index, ArtifactKind.CF: settings.feed_pin_cf}


class LiveModels:
    def __init__(self, artifacts: ArtifactStore, *, refresh_seconds: float, ef_search: int) -> None:
        self.artifacts = artifacts
        self.refresh_seconds = refresh_seconds
        self._loaders: dict[str, Callable[[Path, dict[str, Any]], Any]] = {
            ArtifactKind.INDEX: lambda folder, row: LoadedIndex.load(folder, version=row["version"],
                                                             embedder=row["params"]["embedder"], ef_search=ef_search),
            ArtifactKind.CF: lambda folder, row: LoadedCf.load(
                folder, row["version"], imputed_items=int((row["metrics"] or {}).get("imputed_items") or 0),
                forgotten=row["forgotten"]),
        }
        self._loaded: dict[str, Any] = {}
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._shared: dict[Any, tuple[float, Any]] = {}
        self.problems: dict[str, str] = {}
        # kind → the live version that failed to load. Versions are immutable, so it is not retried
        # (and not logged again) at every refresh; a newer version gets its own chance.
        self._refused: dict[str, str] = {}
        self._pin_lock = threading.Lock()
        self._pinned: OrderedDict[tuple[str, str], Any] = OrderedDict()  # (kind, version) → loaded, LRU
        # (kind, version) of pins that could not be served → when, so they are retried once per refresh.
        self._pin_failed: dict[tuple[str, str], float] = {}
        # models.forgotten_mark when CF was last loaded: a deleted user's factors leave at the next refresh.
        self._forgotten_mark: Any = None

    def index(self, conn: psycopg.Connection, pin: str = "") -> LoadedIndex | None:
        """The live index, or the published version ``pin`` names (see the module doc)."""
        self._maybe_refresh(conn)
        return self._served(conn, ArtifactKind.INDEX, pin)

    def cf(self, conn: psycopg.Connection, pin: str = "") -> LoadedCf | None:
        """The live CF model, or the published version ``pin`` names (see the module doc)."""
        self._maybe_refresh(conn)
        return self._served(conn, ArtifactKind.CF, pin)

    def _served(self, conn: psycopg.Connection, kind: ArtifactKind, pin: str) -> Any:
        live = self._loaded.get(kind)
        if not pin or (live is not None and live.version == pin):
            return live
        key = (str(kind), pin)
        with self._pin_lock:  # one lock for the LRU: pinned requests are few, a first load is waited for once
            loaded = self._pinned.get(key)
            if loaded is not None:
                self._pinned.move_to_end(key)
                return loaded
            failed_at = self._pin_failed.get(key)
            if failed_at is not None and time.monotonic() - failed_at < self.refresh_seconds:
                return live
            loaded = self._load_pin(conn, kind, pin)
            if loaded is None:
                self._pin_failed[key] = time.monotonic()
                return live
            self._pin_failed.pop(key, None)
            self.problems.pop(f"{kind} pin", None)
            return loaded

    def _load_pin(self, conn: psycopg.Connection, kind: ArtifactKind, version: str) -> Any:
        row = models.by_version(conn, kind, version)
        if row is not None and kind == ArtifactKind.CF:
            row = {**row, "forgotten": models.forgotten_cf_users(conn)}
        try:
            if row is None:
                raise ArtifactError(f"no published {kind} version {version}")
            loaded = self._loaders[kind](self.artifacts.local(kind, version), row)
        except (ArtifactError, OSError, ValueError, KeyError, RuntimeError) as exc:
            self.problems[f"{kind} pin"] = f"pinned {kind} {version} not served, the live one is (the API log says why)"
            log.error("pinned %s %s not served, falling back to the live one: %s", kind, version, exc)
            return None
        self._pinned[(str(kind), version)] = loaded
        while len(self._pinned) > PINNED_KEPT * len(self._loaders):
            self._pinned.popitem(last=False)
        log.info("serving pinned %s %s", kind, version)
        return loaded

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

    def versions(self, conn: psycopg.Connection | None = None, pins: Mapping[str, str] | None = None
                 ) -> dict[str, str]:
        """kind → the version served: the live one, or for a kind in ``pins`` (kind → version) the
        version a pinned request really got (needs ``conn`` to load it on first use)."""
        served = {kind: model.version for kind, model in self._loaded.items()}
        for kind, pin in (pins or {}).items():
            if pin and conn is not None:
                model = self._served(conn, ArtifactKind(kind), pin)
                if model is not None:
                    served[kind] = model.version
        return served

    def _maybe_refresh(self, conn: psycopg.Connection) -> None:
        if time.monotonic() - self._checked_at < self.refresh_seconds:
            return
        with self._lock:  # one thread loads; the others keep serving the current versions meanwhile
            if time.monotonic() - self._checked_at < self.refresh_seconds:
                return
            live = models.live_versions(conn)  # one small query; rows are read only for what changed
            mark = models.forgotten_mark(conn)
            forget = mark != self._forgotten_mark
            if forget:  # pinned CF versions are loaded again, without the forgotten users, when next asked for
                with self._pin_lock:
                    for key in [k for k in self._pinned if k[0] == ArtifactKind.CF]:
                        del self._pinned[key]
            for kind in self._loaders:
                current = self._loaded.get(kind)
                if kind not in live:
                    continue
                if current is not None and current.version == live[kind] and not (forget and kind == ArtifactKind.CF):
                    self.problems.pop(kind, None)  # e.g. rolled back from a refused version to this one
                    continue
                if self._refused.get(kind) == live[kind]:
                    continue
                row = models.live(conn, kind)
                if row is None:
                    continue
                if kind == ArtifactKind.CF:
                    row = {**row, "forgotten": models.forgotten_cf_users(conn)}
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
            self._forgotten_mark = mark
            self._checked_at = time.monotonic()
