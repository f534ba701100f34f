"""subscriptions: what each user wants to hear about, and where."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from services.store import keyset

COLUMNS = ("id, kind, channel, frequency, query, author, category, webhook_url, min_score, enabled, "
           "disabled_reason, consecutive_failures, last_sent_at, last_digest_key, created_at, updated_at")
FIELDS = ("kind", "channel", "frequency", "query", "author", "category", "webhook_url", "min_score")


def upsert(conn: psycopg.Connection, user_id: str, subscription_id: str, fields: dict[str, Any], *,
           webhook_secret: str | None) -> tuple[dict[str, Any], bool]:
    """Create or replace a subscription; returns (row with webhook_secret, created).

    Replacing re-enables it and clears its failure count (the user has just said what they want). The
    webhook secret is kept across updates and set only when the row has none (``webhook_secret`` is a
    fresh one the caller made in case it is needed)."""
    values = {name: fields.get(name) for name in FIELDS}
    row = conn.execute(
        f"""
        INSERT INTO subscriptions (user_id, id, {', '.join(FIELDS)}, webhook_secret)
        VALUES (%(user_id)s, %(id)s, {', '.join(f'%({n})s' for n in FIELDS)}, %(secret)s)
        ON CONFLICT (user_id, id) DO UPDATE SET
            {', '.join(f'{n} = excluded.{n}' for n in FIELDS)},
            webhook_secret = coalesce(subscriptions.webhook_secret, excluded.webhook_secret),
            enabled = true, disabled_reason = NULL, consecutive_failures = 0, updated_at = now()
        RETURNING {COLUMNS}, webhook_secret, (xmax = 0) AS created
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        {**values, "user_id": user_id, "id": subscription_id, "secret": webhook_secret},
    ).fetchone()
    return row, row.pop("created")


def count_for_user(conn: psycopg.Connection, user_id: str) -> int:
    return conn.execute("SELECT count(*) AS n FROM subscriptions WHERE user_id = %s", (user_id,)).fetchone()["n"]


def get(conn: psycopg.Connection, user_id: str, subscription_id: str) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {COLUMNS} FROM subscriptions WHERE user_id = %s AND id = %s",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
                        (user_id, subscription_id)).fetchone()


def for_delivery(conn: psycopg.Connection, user_id: str, subscription_id: str) -> dict[str, Any] | None:
    """The subscription with its webhook secret, for a channel about to send."""
    return conn.execute(f"SELECT {COLUMNS}, webhook_secret, webhook_secret_previous, webhook_secret_previous_until "  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
                        "FROM subscriptions WHERE user_id = %s AND id = %s", (user_id, subscription_id)).fetchone()


def rotate_secret(conn: psycopg.Connection, user_id: str, subscription_id: str, new_secret: str,
                  grace_seconds: float) -> dict[str, Any] | None:
    """Make ``new_secret`` current; the old one stays valid for ``grace_seconds`` (0: not at all). A second
    rotation within the grace period drops the oldest secret. Returns the row with both, or None if the
    user has no such webhook subscription."""
    return conn.execute(
        f"""
        UPDATE subscriptions SET webhook_secret_previous = webhook_secret, webhook_secret = %(new)s,
            webhook_secret_previous_until = now() + make_interval(secs => %(grace)s), updated_at = now()
        WHERE user_id = %(u)s AND id = %(s)s AND channel = 'webhook'
        RETURNING {COLUMNS}, webhook_secret, webhook_secret_previous_until
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        {"new": new_secret, "grace": grace_seconds, "u": user_id, "s": subscription_id}).fetchone()


def page(conn: psycopg.Connection, user_id: str, *, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """The user's subscriptions, newest first (keyset on created_at, id)."""
    return keyset.newest_first(conn, f"SELECT {COLUMNS} FROM subscriptions", ["user_id = %(u)s"], {"u": user_id},  # nosec B608  # COLUMNS is a constant column list; values are bound parameters
                               cursor=after, limit=limit)


def delete(conn: psycopg.Connection, user_id: str, subscription_id: str) -> bool:
    """Delete it; its alerts go with it (ON DELETE CASCADE)."""
    return conn.execute("DELETE FROM subscriptions WHERE user_id = %s AND id = %s",
                        (user_id, subscription_id)).rowcount == 1


def disable(conn: psycopg.Connection, user_id: str, subscription_id: str, reason: str) -> bool:
    return conn.execute(
        "UPDATE subscriptions SET enabled = false, disabled_reason = %s, updated_at = now() "
        "WHERE user_id = %s AND id = %s AND enabled", (reason, user_id, subscription_id),
    ).rowcount == 1


def record_success(conn: psycopg.Connection, user_id: str, subscription_id: str) -> None:
    conn.execute("UPDATE subscriptions SET consecutive_failures = 0, last_sent_at = now() "
                 "WHERE user_id = %s AND id = %s", (user_id, subscription_id))


def record_failure(conn: psycopg.Connection, user_id: str, subscription_id: str, *, disable_after: int,
                   reason: str) -> bool:
    """Count a failed delivery; disable the subscription once ``disable_after`` fail in a row.
    Returns True when this failure disabled it."""
    row = conn.execute(
        """
        UPDATE subscriptions SET consecutive_failures = consecutive_failures + 1,
            enabled = CASE WHEN consecutive_failures + 1 >= %(n)s THEN false ELSE enabled END,
            disabled_reason = CASE WHEN consecutive_failures + 1 >= %(n)s AND enabled THEN %(reason)s
                                   ELSE disabled_reason END,
            updated_at = now()
        WHERE user_id = %(u)s AND id = %(s)s
        RETURNING enabled, consecutive_failures
        """,
        {"n": disable_after, "reason": reason, "u": user_id, "s": subscription_id},
    ).fetchone()
    return row is not None and not row["enabled"] and row["consecutive_failures"] == disable_after


def instant(conn: psycopg.Connection, *, lock: bool = False) -> list[dict[str, Any]]:
    """Every enabled instant subscription: (user_id, id, channel, min_score).

    ``lock``: each row read is locked FOR KEY SHARE until the transaction ends, so none of them can be
    deleted before alerts written for it (on this or other connections, committed first) are visible to
    the delete's cascade (migration 0018: the outbox has no foreign key)."""
    locking = " FOR KEY SHARE" if lock else ""
    return conn.execute("SELECT user_id, id, channel, min_score FROM subscriptions "  # nosec B608  # a fixed clause
                        f"WHERE kind = 'instant' AND enabled ORDER BY user_id, id{locking}").fetchall()


def digests(conn: psycopg.Connection, *, after: tuple[str, str] | None, limit: int) -> list[dict[str, Any]]:
    """Enabled digest subscriptions with their user's timezone, in (user_id, id) order from ``after``."""
    params: dict[str, Any] = {"limit": limit}
    where = "s.kind = 'digest' AND s.enabled"
    if after is not None:
        where += " AND (s.user_id, s.id) > (%(u)s, %(s)s)"
        params.update(u=after[0], s=after[1])
    return conn.execute(
        f"""
        SELECT s.user_id, s.id, s.channel, s.frequency, s.last_digest_key, u.timezone
        FROM subscriptions s JOIN users u ON u.id = s.user_id
        WHERE {where} ORDER BY s.user_id, s.id LIMIT %(limit)s
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        params,
    ).fetchall()


def set_digest_keys(conn: psycopg.Connection, keys: Sequence[tuple[str, str, str]]) -> None:
    """Record (user_id, subscription_id, period key) as sent, so each period is composed once."""
    if not keys:
        return
    conn.execute(
        """
        UPDATE subscriptions s SET last_digest_key = k.key
        FROM unnest(%s::text[], %s::text[], %s::text[]) AS k(user_id, id, key)
        WHERE s.user_id = k.user_id AND s.id = k.id
        """,
        ([k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]),
    )


def of_user(conn: psycopg.Connection, user_id: str, *, limit: int) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, kind, channel, frequency, query, author, category, enabled, disabled_reason, "
        "consecutive_failures, last_sent_at, created_at FROM subscriptions WHERE user_id = %s "
        "ORDER BY created_at DESC, id DESC LIMIT %s", (user_id, limit),
    ).fetchall()
