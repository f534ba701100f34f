"""The instant subscribers' interest profiles as one FAISS inner-product index.

``ProfileIndex`` is what a matching run searches: the index, who owns each row and, per owner, their
instant subscriptions as arrays. ``HeldProfiles`` keeps the costly part, the vectors, in a worker
process between runs (at 100k subscribers × 2 interests × 1,024 dimensions they are ≈ 800 MB, ≈ 10 s to
read from PostgreSQL) and brings it up to date before each run by reading only the rows whose
``computed_at`` changed: every profile write replaces the user's rows, and a new row gets the writing
transaction's time. The subscriptions (small) are read afresh for every run, so a new, changed or
disabled subscription counts at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg

from services.alerts import instant_store
from services.store import profiles as profiles_store
from services.store import subscriptions as subscriptions_store

# When no more than this share of the wanted rows is missing from the held copy (new or rewritten), those
# are read by key; when more, every row is read afresh (one scan instead of a join against a long key list).
RELOAD_SHARE = 0.5

ProfileKey = tuple[str, int]  # (user_id, cluster)


@dataclass
class ProfileIndex:
    """The instant subscribers' profiles in a FAISS index, with who owns each row and, per user, their
    instant subscriptions as arrays (``sub_start[u]:sub_start[u+1]`` are user ``u``'s rows of ``sub_*``;
    a row whose owner has no instant subscription any more has none, so it decides nothing)."""

    index: Any  # faiss.IndexFlatIP
    owner: np.ndarray  # row → position in ``users``
    anchors: list[str | None]
    users: list[str]
    sub_start: np.ndarray  # int64, len(users) + 1
    sub_user: list[str]
    sub_id: list[str]
    sub_channel: list[str]
    sub_min_score: np.ndarray  # float64; NaN = the default threshold

    _prefixes: list[str] | None = None
    _delivered: list[int] | None = None

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def copy_prefixes(self) -> list[str]:
        """Per subscription row, the first five COPY fields of its alerts (user, subscription, channel,
        status, attempts: ``instant_store.status_fields``)."""
        if self._prefixes is None:
            esc, status = instant_store.copy_escape, instant_store.status_fields
            self._prefixes = [f"{esc(u)}\t{esc(s)}\t{esc(c)}\t{status(c)}"
                              for u, s, c in zip(self.sub_user, self.sub_id, self.sub_channel, strict=True)]
        return self._prefixes

    def delivered_on_insert(self) -> list[int]:
        """Per subscription row, 1 when its alerts are delivered as they are stored (the inbox), else 0."""
        if self._delivered is None:
            self._delivered = [int(instant_store.delivered_on_insert(c)) for c in self.sub_channel]
        return self._delivered


def assemble(index: Any, row_users: Sequence[str], anchors: list[str | None],
             subscriptions: list[dict[str, Any]]) -> ProfileIndex:
    """A ProfileIndex over ``index`` (row i owned by ``row_users[i]``, explained by ``anchors[i]``) and
    the enabled instant ``subscriptions`` (user_id, id, channel, min_score)."""
    subs: dict[str, list[dict[str, Any]]] = {}
    for sub in subscriptions:
        subs.setdefault(sub["user_id"], []).append(sub)
    users = sorted(set(row_users))
    position = {u: i for i, u in enumerate(users)}
    flat = [s for u in users for s in subs.get(u, ())]
    counts = np.array([len(subs.get(u, ())) for u in users], dtype=np.int64)
    return ProfileIndex(index, np.array([position[u] for u in row_users], dtype=np.int64), anchors, users,
                        np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                        [s["user_id"] for s in flat], [s["id"] for s in flat], [s["channel"] for s in flat],
                        np.array([np.nan if s["min_score"] is None else s["min_score"] for s in flat],
                                 dtype=np.float64))


def flat_index(matrix: np.ndarray) -> Any:
    """An exact inner-product index holding ``matrix``'s rows, in order."""
    import faiss  # heavy; only the worker's matching needs it

    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(np.ascontiguousarray(matrix, dtype=np.float32))
    return index


def build_profile_index(rows: list[dict[str, Any]], subscriptions: list[dict[str, Any]]) -> ProfileIndex | None:
    """Index ``rows`` (user_id, vector, anchor_paper_id) of users who have an instant subscription."""
    subscribers = {s["user_id"] for s in subscriptions}
    rows = [r for r in rows if r["user_id"] in subscribers]
    if not rows:
        return None
    matrix = np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])
    return assemble(flat_index(matrix), [r["user_id"] for r in rows], [r["anchor_paper_id"] for r in rows],
                    subscriptions)


@dataclass
class ProfileUpdate:
    """What bringing the held profiles up to date took: rows read from PostgreSQL, rows let go, and the
    rows held afterwards."""

    read: int = 0
    dropped: int = 0
    held: int = 0


@dataclass
class HeldProfiles:
    """One worker process's copy of the instant subscribers' profile vectors, kept between matching runs.

    ``current`` makes it equal to ``user_profiles`` for the live embedder as of its reads (rows of users
    without an enabled instant subscription left out) and returns the index to search. A prefork worker
    process runs one task at a time, so there is no lock; the index is changed in place (rows removed,
    rows appended), never copied, so the process holds one copy of the vectors."""

    embedder: str | None = None
    index: Any = None  # faiss.IndexFlatIP; row i is keys[i]
    keys: list[ProfileKey] = field(default_factory=list)
    stamps: list[dt.datetime] = field(default_factory=list)
    anchors: list[str | None] = field(default_factory=list)

    def current(self, conn: psycopg.Connection, embedder: str) -> tuple[ProfileIndex | None, ProfileUpdate]:
        """The index of every instant subscriber's profile under ``embedder``, read only where changed.

        Its subscriptions are read locked FOR KEY SHARE in ``conn``'s transaction: until that ends none of
        them can be deleted (``matching.apply_rules`` relies on it). One can still be disabled meanwhile;
        its alerts from this batch are stored, as they would be had it been disabled just after, and
        the outbox sends nothing for a disabled subscription (``outbox``'s check at send time)."""
        listing = profiles_store.instant_subscriber_stamps(conn, embedder)
        update = ProfileUpdate()
        if embedder != self.embedder:  # a refit: none of the held vectors is comparable any more
            update.dropped = len(self.keys)
            self._reset(embedder)
        wanted = {(user_id, cluster): at for user_id, cluster, at in listing}
        keep = np.fromiter((wanted.get(key) == at for key, at in zip(self.keys, self.stamps, strict=True)),
                           dtype=bool, count=len(self.keys))
        update.dropped += int((~keep).sum())
        missing = len(wanted) - int(keep.sum())
        if missing > RELOAD_SHARE * len(wanted):
            update.dropped += int(keep.sum())
            self._reset(embedder)
            rows = profiles_store.instant_subscriber_rows(conn, embedder)
        else:
            self._drop(keep)
            held = set(self.keys)
            wanted_keys = [key for key in wanted if key not in held]
            rows = profiles_store.instant_subscriber_rows(conn, embedder, keys=wanted_keys) if wanted_keys else []
        self._append(rows)
        update.read, update.held = len(rows), len(self.keys)
        if not self.keys:
            return None, update
        return assemble(self.index, [user_id for user_id, _ in self.keys], self.anchors,
                        subscriptions_store.instant(conn, lock=True)), update

    def _reset(self, embedder: str) -> None:
        self.embedder, self.index, self.keys, self.stamps, self.anchors = embedder, None, [], [], []

    def _drop(self, keep: np.ndarray) -> None:
        if keep.all():
            return
        self.index.remove_ids(np.flatnonzero(~keep).astype(np.int64))  # keeps the other rows in order
        self.keys = [k for k, kept in zip(self.keys, keep.tolist(), strict=True) if kept]
        self.stamps = [s for s, kept in zip(self.stamps, keep.tolist(), strict=True) if kept]
        self.anchors = [a for a, kept in zip(self.anchors, keep.tolist(), strict=True) if kept]

    def _append(self, rows: list[tuple[str, int, dt.datetime, bytes, str | None]]) -> None:
        if not rows:
            return
        matrix = np.stack([np.frombuffer(vector, dtype=np.float32) for _, _, _, vector, _ in rows])
        if self.index is None:
            self.index = flat_index(matrix)
        else:
            self.index.add(np.ascontiguousarray(matrix))
        self.keys += [(user_id, cluster) for user_id, cluster, _, _, _ in rows]
        self.stamps += [at for _, _, at, _, _ in rows]
        self.anchors += [anchor for _, _, _, _, anchor in rows]
