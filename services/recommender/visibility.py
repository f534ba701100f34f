"""Which papers a feed may show, known in process: the hidden and deleted ones, kept current by the
catalogue's change stamp.

Every ranked feed used to ask PostgreSQL which of its few hundred candidates were still visible. Hidden
and deleted papers are few and change rarely, so each API process keeps their ids (and, per index
version, a boolean array over the index's rows) and asks only for the catalogue's change stamp
(``papers.last_change``: max(updated_at), one index probe). Every write that can hide a paper (hide,
delete, edit, import) moves the stamp, and the next feed reloads the set before it ranks: a paper hidden
now is gone from the very next ranked feed.

``updated_at`` is its transaction's start time, so a write committed after a later-started one may carry
an older stamp than the one already seen; the set is therefore also reloaded at least every
RELOAD_SECONDS, which bounds that (rare) race.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg

from services.recommender.index import LoadedIndex
from services.store import papers as papers_store

# Reload the hidden/deleted set at least this often, whatever the stamp says (see the module docstring).
RELOAD_SECONDS = 30.0


@dataclass(frozen=True)
class Hidden:
    """The papers no feed may show, as read at ``stamp``."""

    stamp: Any
    ids: frozenset[str]
    # index version → a boolean per index row (True: hidden or deleted), built on first use
    _bits: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def shows(self, paper_id: str) -> bool:
        return paper_id not in self.ids

    def bits(self, index: LoadedIndex) -> np.ndarray:
        """The index's rows as a bitmap: True for a hidden or deleted paper."""
        bits = self._bits.get(index.version)
        if bits is None:
            bits = np.zeros(len(index.paper_ids), dtype=bool)
            rows = [index.positions[p] for p in self.ids if p in index.positions]
            bits[rows] = True
            self._bits.clear()  # one index is live at a time: keep only its bitmap
            self._bits[index.version] = bits
        return bits

    def visible(self, paper_ids: Sequence[str], positions: np.ndarray, index: LoadedIndex | None) -> np.ndarray:
        """A boolean per paper: may it be shown? ``positions``: each paper's index row, -1 when not indexed
        (those few are looked up in the set)."""
        out = np.ones(len(paper_ids), dtype=bool)
        if not self.ids or len(paper_ids) == 0:
            return out
        indexed = positions >= 0
        if index is not None and indexed.any():
            out[indexed] = ~self.bits(index)[positions[indexed]]
        for i in np.flatnonzero(~indexed).tolist():
            out[i] = paper_ids[i] not in self.ids
        return out


class Visibility:
    """One per process (``LiveModels.shared``): ``current(conn)`` is the hidden set as of now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hidden = Hidden(stamp=None, ids=frozenset())
        self._loaded_at = float("-inf")

    def current(self, conn: psycopg.Connection) -> Hidden:
        """One small query (the stamp); the set itself only when the stamp moved or RELOAD_SECONDS passed."""
        stamp = papers_store.last_change(conn)
        hidden = self._hidden
        if stamp == hidden.stamp and time.monotonic() - self._loaded_at < RELOAD_SECONDS:
            return hidden
        with self._lock:
            stamp, ids = papers_store.invisible_ids(conn)  # stamp and set from one snapshot
            self._hidden = Hidden(stamp=stamp, ids=frozenset(ids))
            self._loaded_at = time.monotonic()
            return self._hidden
