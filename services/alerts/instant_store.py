"""Storing a batch's instant alerts: COPY straight into the outbox, split across connections.

A batch of 1,000 new papers × 100,000 subscribers is about a million alert rows. The general path
(``store.alerts.insert_many``: COPY into a temporary table, then INSERT … SELECT … ON CONFLICT with the
rules) costs two passes and runs on one backend, so one core. Here the rules are applied in memory
first (the subscription still enabled, the user not having read, starred or dismissed the paper: both
read in the batch's transaction), and the rows go by COPY directly into ``alerts``, in
ALERT_STORE_CONNECTIONS shards, one connection and one thread each, so PostgreSQL inserts (index upkeep,
the bulk of the cost) on several cores while Python formats the next chunk.

Why no ON CONFLICT is needed: each paper is claimed once (``papers.unmatched_for_alerts`` locks it,
FOR NO KEY UPDATE SKIP LOCKED, until its ``alerts_matched_at`` stamp commits), so no other matcher
writes rows for these papers. The shards commit only when every shard's COPY succeeded, and just
before the claiming transaction stamps the papers; a crash between the two leaves rows whose papers
will be decided again. That case makes a COPY fail (the unique (user, paper, subscription) index):
every shard is then rolled back and the batch is stored by the general path on the claiming
connection, which skips what exists.

Why no foreign-key check is needed (the outbox has none: migration 0018): the claiming transaction holds
the batch's papers (FOR NO KEY UPDATE) and the subscriptions it decided for (FOR KEY SHARE, in
``matching.apply_rules``) until after the shards commit. A subscription deleted during the batch was
either deleted before the lock (not read, so no alert for it) or waits for the claiming commit, and
its cascade then sees and deletes the rows stored here.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import psycopg

from services.db import Database
from services.store import alerts as alerts_store

log = logging.getLogger(__name__)

# Lines sent per COPY write: large enough to amortise the call, small enough to overlap with the server.
CHUNK_ROWS = 20_000

INBOX_CHANNEL = "inbox"


def delivered_on_insert(channel: str) -> bool:
    """Whether an instant alert on ``channel`` is delivered as it is stored: an inbox alert is (the row is
    the inbox item and nothing is left to send), so it never waits for ``outbox.deliver_inbox`` and is
    written once instead of inserted pending and updated. Email and webhook alerts wait for the outbox."""
    return channel == INBOX_CHANNEL


def status_fields(channel: str) -> str:
    """The ``status`` and ``attempts`` fields (COPY text, each followed by a tab) of a new alert on ``channel``."""
    return "delivered\t1\t" if delivered_on_insert(channel) else "pending\t0\t"


def delivered_at_fields(now: str) -> tuple[str, str]:
    """The line ends (``delivered_at`` field and newline) of an alert not delivered / delivered when stored
    in a transaction whose time is ``now`` (COPY text)."""
    return "\t\\N\n", f"\t{now}\n"


def copy_escape(text: str) -> str:
    """``text`` as a field of COPY's text format (backslash, tab and line breaks escaped)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def reasons(anchor: str | None, titles: dict[str | None, str]) -> list[dict[str, str]]:
    """Why an instant alert: close to the user's interest anchored on ``anchor`` (titles: id → title)."""
    reason: dict[str, str] = {"kind": "matches_your_interests",
                              "detail": f"close to your interest in “{titles.get(anchor, anchor)}”"}
    if anchor:
        reason["paper_id"] = anchor
    return [reason]


def reasons_field(anchor: str | None, titles: dict[str | None, str]) -> str:
    """``reasons`` as the COPY text of the jsonb column."""
    return copy_escape(json.dumps(reasons(anchor, titles), ensure_ascii=False))


@dataclass(frozen=True)
class Shard:
    """One connection's share of a batch: ``rows`` alerts, which ``chunks(now)`` formats as COPY text
    (INSTANT_COPY_COLUMNS) a piece of CHUNK_ROWS lines at a time, given the connection's transaction time
    (COPY text; the rows' ``created_at``). Lazily, so PostgreSQL parses one piece while Python formats
    the next, instead of waiting for all of them."""

    rows: int
    chunks: Callable[[str], Iterator[str]]


def pieces(positions: np.ndarray) -> Iterator[np.ndarray]:
    """``positions`` in runs of CHUNK_ROWS (the last shorter)."""
    for start in range(0, len(positions), CHUNK_ROWS):
        yield positions[start:start + CHUNK_ROWS]


def store_parallel(db: Database, shards: Sequence[Shard]) -> int | None:
    """COPY each shard on its own connection and thread.

    Commits every shard when all succeeded and returns the rows written; when any failed on a constraint
    rolls every shard back and returns None (the caller stores the batch the general way)."""
    with contextlib.ExitStack() as stack:
        conns = [stack.enter_context(db.connection()) for _ in shards]
        with ThreadPoolExecutor(max_workers=len(shards), thread_name_prefix="alerts-copy") as pool:
            futures = [pool.submit(_copy_shard, conn, shard) for conn, shard in zip(conns, shards, strict=True)]
            failures = [f.exception() for f in futures]
        failed = [exc for exc in failures if exc is not None]
        if failed:
            for conn in conns:
                conn.rollback()
            if all(isinstance(exc, psycopg.errors.IntegrityError) for exc in failed):
                log.warning("instant alerts: direct COPY refused (%s); storing the batch with conflict checks",
                            failed[0])
                return None
            raise failed[0]
        for conn in conns:
            conn.commit()
        return sum(f.result() for f in futures)


def _copy_shard(conn: psycopg.Connection, shard: Shard) -> int:
    alerts_store.copy_instant(conn, shard.chunks(alerts_store.transaction_time(conn)))
    return shard.rows


def shard_of(sub: np.ndarray, paper: np.ndarray, shards: int) -> list[np.ndarray]:
    """Positions of the decisions in each shard, in (subscription, paper) order and split into contiguous
    runs of it: subscription rows follow user ids, so each connection inserts an ascending run of the
    outbox's user-leading indexes (unique key, inbox) instead of scattering over all of them, and the
    shards touch different parts of those indexes."""
    order = np.lexsort((paper, sub))
    return [part for part in np.array_split(order, shards) if len(part)]
