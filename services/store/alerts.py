"""alerts: the outbox. A row exists before any delivery; (user, paper, subscription) is unique.

Status moves pending → sending → delivered, or back to pending (a retry) or on to failed. Every move is
a conditional UPDATE from the expected state, so a repeated or late step changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from services.store import keyset


@dataclass(frozen=True)
class NewAlert:
    user_id: str
    subscription_id: str
    paper_id: str
    channel: str
    score: float | None
    reasons: list[dict]
    digest_key: str | None = None


def insert_many(conn: psycopg.Connection, alerts: Sequence[NewAlert]) -> int:
    """Insert alerts, skipping any (user, paper, subscription) that exists already, papers the user
    has read, starred or dismissed, and subscriptions no longer enabled. Returns how many were new.

    Rows travel by COPY into a per-session temporary table, then one INSERT … SELECT applies the rules:
    a million decisions cost one statement, not a million parameters. The subscriptions and papers it
    reads stay locked FOR KEY SHARE until commit: the outbox has no foreign keys (migration 0018), so a
    concurrent delete must wait to see these rows in its cascade (or have removed the parent first)."""
    if not alerts:
        return 0
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS new_alerts (user_id text, subscription_id text, paper_id text, "
        "channel text, score float8, reasons jsonb, digest_key text) ON COMMIT DELETE ROWS"
    )
    conn.execute("TRUNCATE new_alerts")  # an earlier call in this same transaction
    with conn.cursor() as cur, cur.copy("COPY new_alerts FROM STDIN") as copy:
        for a in alerts:
            copy.write_row((a.user_id, a.subscription_id, a.paper_id, a.channel, a.score,
                            json.dumps(a.reasons, ensure_ascii=False), a.digest_key))
    return conn.execute(
        """
        INSERT INTO alerts (user_id, subscription_id, paper_id, channel, score, reasons, digest_key)
        SELECT a.user_id, a.subscription_id, a.paper_id, a.channel, a.score, a.reasons, a.digest_key
        FROM new_alerts a
        JOIN subscriptions s ON s.user_id = a.user_id AND s.id = a.subscription_id AND s.enabled
        JOIN papers p ON p.id = a.paper_id
        WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.user_id = a.user_id AND e.paper_id = a.paper_id
                          AND e.type IN ('read', 'star', 'dismiss'))
        FOR KEY SHARE OF s, p
        ON CONFLICT (user_id, paper_id, subscription_id) DO NOTHING
        """
    ).rowcount


INSTANT_COPY_COLUMNS = "user_id, subscription_id, channel, status, attempts, paper_id, score, reasons, delivered_at"


def transaction_time(conn: psycopg.Connection) -> str:
    """This transaction's ``now()`` as COPY text: the ``created_at`` every row it inserts gets by default."""
    return conn.execute("SELECT now()::text AS now").fetchone()["now"]


def copy_instant(conn: psycopg.Connection, chunks: Iterable[str]) -> None:
    """COPY rows (text format, columns INSTANT_COPY_COLUMNS, one line per alert) straight into the outbox.

    No rules, no conflict handling and no parent check: the caller has applied the rules, owns these
    papers (claimed FOR NO KEY UPDATE) and holds their subscriptions FOR KEY SHARE until after this
    commits (see services.alerts.instant_store); a repeated (user, paper, subscription) raises
    IntegrityError, and the caller rolls back."""
    with conn.cursor() as cur, cur.copy(f"COPY alerts ({INSTANT_COPY_COLUMNS}) FROM STDIN") as copy:  # nosec B608  # a fixed column list
        for chunk in chunks:
            copy.write(chunk)


def read_starred_or_dismissed(conn: psycopg.Connection, paper_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(user_id, paper_id) of every read, star or dismiss of ``paper_ids``: alerts for them are skipped."""
    rows = conn.execute("SELECT DISTINCT user_id, paper_id FROM events WHERE paper_id = ANY(%s) "
                        "AND type IN ('read', 'star', 'dismiss')", (list(paper_ids),)).fetchall()
    return [(r["user_id"], r["paper_id"]) for r in rows]


def insert_follow_matches(conn: psycopg.Connection, paper_ids: Sequence[str]) -> int:
    """Alerts for author, category and saved-query subscriptions that match any of ``paper_ids``.

    One statement per kind, each a join of the enabled subscriptions of that kind with the given papers
    (GIN-indexed arrays for authors/categories; the papers' tsvector for queries): O(subscriptions ×
    papers) for queries, index lookups for the others. Parents locked FOR KEY SHARE, as in ``insert_many``."""
    if not paper_ids:
        return 0
    common = """
        INSERT INTO alerts (user_id, subscription_id, paper_id, channel, score, reasons)
        SELECT s.user_id, s.id, p.id, s.channel, NULL, jsonb_build_array(jsonb_build_object(
               'kind', %(kind)s::text, 'detail', {detail}))
        FROM subscriptions s JOIN papers p ON {match}
        WHERE s.enabled AND s.kind = %(sub_kind)s AND p.id = ANY(%(ids)s)
          AND p.deleted_at IS NULL AND NOT p.hidden
          AND NOT EXISTS (SELECT 1 FROM events e WHERE e.user_id = s.user_id AND e.paper_id = p.id
                          AND e.type IN ('read', 'star', 'dismiss'))
        FOR KEY SHARE OF s, p
        ON CONFLICT (user_id, paper_id, subscription_id) DO NOTHING
    """
    kinds = [
        ("author", "followed_author", "'by ' || s.author || ', whom you follow'",
         "p.authors @> ARRAY[s.author]"),
        ("category", "new_in_followed_category", "'new in ' || s.category || ', which you follow'",
         "p.categories @> ARRAY[s.category]"),
        ("query", "matches_query", "'matches your saved search “' || s.query || '”'",
         "p.search @@ websearch_to_tsquery('english', s.query)"),
    ]
    total = 0
    for sub_kind, kind, detail, match in kinds:
        total += conn.execute(common.format(detail=detail, match=match),
                              {"kind": kind, "sub_kind": sub_kind, "ids": list(paper_ids)}).rowcount
    return total


def deliver_inbox(conn: psycopg.Connection, *, limit: int) -> int:
    """Mark up to ``limit`` pending inbox alerts delivered (the row is the inbox item). One statement;
    rows another worker holds are skipped, so concurrent runs never double-count."""
    return conn.execute(
        """
        UPDATE alerts a SET status = 'delivered', delivered_at = now(), attempts = a.attempts + 1
        FROM (SELECT id FROM alerts WHERE status = 'pending' AND channel = 'inbox'
              ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) due
        WHERE a.id = due.id
        """,
        (limit,),
    ).rowcount


def claim_deliveries(conn: psycopg.Connection, *, limit: int) -> list[dict[str, Any]]:
    """Claim up to ``limit`` due email/webhook alerts: pending → sending, grouped into deliveries.

    Rows of one subscription and period (digest key) that are due together form one delivery and share
    a delivery_id; a retried row keeps the delivery_id it was first given, and a retried delivery is
    claimed whole even where ``limit`` ends inside it (one id must never go out with part of its
    alerts: a receiver dropping repeated ids would drop the rest). Returns one row per delivery:
    delivery_id, user_id, subscription_id, channel, digest_key, alert_ids, attempts, and claimed_at (the
    same for every row of the claim: the lease token ``renew_claim`` checks)."""
    return conn.execute(
        """
        WITH picked AS (
            SELECT a.id, a.delivery_id
            FROM alerts a
            WHERE a.status = 'pending' AND a.channel <> 'inbox' AND a.next_attempt_at <= now()
            ORDER BY a.next_attempt_at, a.id LIMIT %s FOR UPDATE SKIP LOCKED
        ), due AS (
            SELECT a.id, a.user_id, a.subscription_id, a.digest_key, a.delivery_id
            FROM alerts a
            WHERE a.id IN (SELECT id FROM picked
                           UNION
                           SELECT s.id FROM alerts s
                           WHERE s.status = 'pending'
                             AND s.delivery_id IN (SELECT delivery_id FROM picked WHERE delivery_id IS NOT NULL))
            FOR UPDATE SKIP LOCKED
        ), groups AS MATERIALIZED (
            SELECT user_id, subscription_id, digest_key, delivery_id AS old_id,
                   coalesce(delivery_id, gen_random_uuid()) AS new_id
            FROM due GROUP BY user_id, subscription_id, digest_key, delivery_id
        ), claimed AS (
            UPDATE alerts a SET status = 'sending', claimed_at = now(), attempts = a.attempts + 1,
                                delivery_id = g.new_id
            FROM due d JOIN groups g ON g.user_id = d.user_id AND g.subscription_id = d.subscription_id
                 AND g.digest_key IS NOT DISTINCT FROM d.digest_key AND g.old_id IS NOT DISTINCT FROM d.delivery_id
            WHERE a.id = d.id
            RETURNING a.id, a.delivery_id, a.user_id, a.subscription_id, a.channel, a.digest_key, a.attempts,
                      a.claimed_at
        )
        SELECT delivery_id::text, user_id, subscription_id, min(channel) AS channel, digest_key,
               array_agg(id ORDER BY id) AS alert_ids, max(attempts) AS attempts, max(claimed_at) AS claimed_at
        FROM claimed GROUP BY delivery_id, user_id, subscription_id, digest_key
        """,
        (limit,),
    ).fetchall()


def delivery_items(conn: psycopg.Connection, alert_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The alerts of a delivery with their scores and reasons, best first."""
    return conn.execute(
        "SELECT id, paper_id, score, reasons FROM alerts WHERE id = ANY(%s) "
        "ORDER BY score DESC NULLS LAST, id", (list(alert_ids),),
    ).fetchall()


def renew_claim(conn: psycopg.Connection, delivery_id: str, claimed_at: Any, *, rows: int) -> bool:
    """Renew this worker's lease on a delivery right before sending it; False if the lease is lost.

    One claim stamps a whole batch with one claimed_at, and a batch of slow deliveries can outlast
    ALERT_SENDING_TIMEOUT_SECONDS: the sweeper would then hand back rows a live worker is still about to
    send, and another worker would send them too. So each delivery moves its claimed_at to now just
    before its send, all ``rows`` rows or none, and only while they are still 'sending' under the
    claimed_at this worker's claim gave them. False means the sweeper released them (another worker may
    hold them already): do not send. Rows are locked in id order, as ``release_stale`` locks them, so
    the two never deadlock and never split a delivery between them."""
    return conn.execute(
        """
        WITH held AS MATERIALIZED (
            SELECT id FROM alerts WHERE delivery_id = %(d)s AND status = 'sending' AND claimed_at = %(t)s
            ORDER BY id FOR UPDATE
        ), renewed AS (
            UPDATE alerts a SET claimed_at = now() FROM held
            WHERE a.id = held.id AND (SELECT count(*) FROM held) = %(n)s
            RETURNING a.id
        )
        SELECT count(*) AS n FROM renewed
        """,
        {"d": delivery_id, "t": claimed_at, "n": rows},
    ).fetchone()["n"] == rows


def mark_delivered(conn: psycopg.Connection, delivery_id: str) -> int:
    """sending → delivered for every row of the delivery (no-op if they were already moved on)."""
    return conn.execute(
        "UPDATE alerts SET status = 'delivered', delivered_at = now(), last_error = NULL "
        "WHERE delivery_id = %s AND status = 'sending'", (delivery_id,),
    ).rowcount


def mark_failed_attempt(conn: psycopg.Connection, delivery_id: str, *, error: str, retry_in_seconds: float | None
                        ) -> int:
    """sending → pending again after ``retry_in_seconds``, or → failed when that is None."""
    if retry_in_seconds is None:
        return conn.execute(
            "UPDATE alerts SET status = 'failed', last_error = %s WHERE delivery_id = %s AND status = 'sending'",
            (error[:2000], delivery_id),
        ).rowcount
    return conn.execute(
        """
        UPDATE alerts SET status = 'pending', last_error = %s,
            next_attempt_at = now() + make_interval(secs => %s)
        WHERE delivery_id = %s AND status = 'sending'
        """,
        (error[:2000], retry_in_seconds, delivery_id),
    ).rowcount


def fail_pending_of_subscription(conn: psycopg.Connection, user_id: str, subscription_id: str, error: str
                                 ) -> int:
    """A disabled subscription's waiting alerts will not be sent: mark them failed, saying why."""
    return conn.execute(
        "UPDATE alerts SET status = 'failed', last_error = %s "
        "WHERE user_id = %s AND subscription_id = %s AND status = 'pending'",
        (error, user_id, subscription_id),
    ).rowcount


def release_stale(conn: psycopg.Connection, *, older_than_seconds: float) -> int:
    """Rows left in 'sending' by a worker that died go back to pending (keeping their delivery_id).

    Locks in id order, as ``renew_claim`` does: a delivery being renewed at this moment is either
    renewed whole (and skipped here) or released whole (and its renewal fails)."""
    return conn.execute(
        """
        UPDATE alerts a SET status = 'pending', next_attempt_at = now(),
            last_error = coalesce(a.last_error, 'worker stopped while sending; retried')
        FROM (SELECT id FROM alerts WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => %s)
              ORDER BY id FOR UPDATE) stale
        WHERE a.id = stale.id
        """,
        (older_than_seconds,),
    ).rowcount


def due_count(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) AS n FROM alerts WHERE status = 'pending' AND next_attempt_at <= now()"
                        ).fetchone()["n"]


def retry(conn: psycopg.Connection, alert_id: int) -> bool:
    """failed → pending now, with a fresh attempt budget (an operator asked for it)."""
    return conn.execute(
        "UPDATE alerts SET status = 'pending', attempts = 0, next_attempt_at = now() "
        "WHERE id = %s AND status = 'failed'", (alert_id,),
    ).rowcount == 1


def inbox(conn: psycopg.Connection, user_id: str, *, unread: bool, after: tuple | None, limit: int
          ) -> list[dict[str, Any]]:
    """Delivered alerts of the user, newest first, optionally only unread ones."""
    params: dict[str, Any] = {"u": user_id, "limit": limit}
    where = "user_id = %(u)s AND status = 'delivered'"
    if unread:
        where += " AND read_at IS NULL"
    if after is not None:
        where += " AND " + keyset.after("created_at, id", after, params)
    return conn.execute(
        f"SELECT id, subscription_id, paper_id, channel, score, reasons, created_at, delivered_at, read_at "
        f"FROM alerts WHERE {where} ORDER BY created_at DESC, id DESC LIMIT %(limit)s", params,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchall()


def mark_read(conn: psycopg.Connection, user_id: str, alert_id: int) -> bool:
    """Set read_at (first read wins); False when the user has no such alert."""
    row = conn.execute(
        "UPDATE alerts SET read_at = coalesce(read_at, now()) WHERE id = %s AND user_id = %s RETURNING id",
        (alert_id, user_id),
    ).fetchone()
    return row is not None


def _listing(conn: psycopg.Connection, where: list[str], params: dict[str, Any], *, key: str, after: tuple | None,
             limit: int) -> list[dict[str, Any]]:
    """Outbox rows matching every condition of ``where`` with their paper's title, ordered by the columns
    ``key`` descending and continued after ``after`` (a keyset over the same columns)."""
    params["limit"] = limit
    if after is not None:
        where = [*where, keyset.after(key, after, params)]
    order = ", ".join(f"{column} DESC" for column in key.split(", "))
    return conn.execute(
        f"""
        SELECT a.id, a.user_id, a.subscription_id, a.paper_id, p.title, a.channel, a.status, a.attempts,
               a.last_error, a.created_at, a.delivered_at, a.next_attempt_at
        FROM alerts a JOIN papers p ON p.id = a.paper_id
        WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %(limit)s
        """, params,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchall()


def outbox_listing(conn: psycopg.Connection, *, status: str, q: str | None = None, after: tuple | None, limit: int
                   ) -> list[dict[str, Any]]:
    """Outbox rows of one ``status`` with their paper's title, newest (highest id) first; ``after`` = (id,).
    ``q`` matches the user id, the paper id or part of the error.

    By id rather than creation time: delivered rows, nearly all of them, are read backwards along the
    primary key; the others along ``alerts_open_idx``, which holds only rows not delivered (migration
    0019: no index over every row's status and time is kept up on each insert)."""
    where, params = ["a.status = %(status)s"], {"status": status}
    if status != "delivered":
        where.append("a.status <> 'delivered'")  # the partial index's predicate, for the planner to match
    if q:
        where.append("(a.user_id = %(q)s OR a.paper_id = %(q)s OR a.last_error ILIKE %(like)s)")
        params.update(q=q, like=f"%{q}%")
    return _listing(conn, where, params, key="a.id", after=after, limit=limit)


def user_listing(conn: psycopg.Connection, user_id: str, *, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """A user's outbox rows, any status, with their paper's title, newest first; ``after`` = (created_at, id)
    (the inbox's index)."""
    return _listing(conn, ["a.user_id = %(user_id)s"], {"user_id": user_id}, key="a.created_at, a.id",
                    after=after, limit=limit)
