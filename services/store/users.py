"""Users and what is counted about them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

from services.store import keyset

USER_COLUMNS = "id, email, name, timezone, created_at, updated_at"


def upsert(conn: psycopg.Connection, user_id: str, *, email: str | None, name: str | None,
           timezone: str) -> tuple[dict[str, Any], bool]:
    """Create or replace the user's profile fields; returns (row, created)."""
    row = conn.execute(
        f"""
        INSERT INTO users (id, email, name, timezone) VALUES (%s, %s, %s, %s)
        ON CONFLICT (id) DO UPDATE
            SET email = excluded.email, name = excluded.name, timezone = excluded.timezone, updated_at = now()
        RETURNING {USER_COLUMNS}, email_confirmed, (xmax = 0) AS created
        """,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        (user_id, email, name, timezone),
    ).fetchone()
    return row, row.pop("created")


def ensure(conn: psycopg.Connection, user_id: str) -> None:
    """Create the user with defaults if unknown."""
    conn.execute("INSERT INTO users (id) VALUES (%s) ON CONFLICT (id) DO NOTHING", (user_id,))


def exists(conn: psycopg.Connection, user_id: str) -> bool:
    return conn.execute("SELECT 1 FROM users WHERE id = %s", (user_id,)).fetchone() is not None


def get(conn: psycopg.Connection, user_id: str) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {USER_COLUMNS}, tokens_valid_after, email_confirmed, email_confirmation_sent_at "  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
        "FROM users WHERE id = %s", (user_id,)
    ).fetchone()


def email_is_confirmed(user: dict[str, Any]) -> bool:
    """True while the user's address is the one they confirmed (a changed address is unconfirmed)."""
    return bool(user.get("email")) and user.get("email_confirmed") == user["email"]


def note_confirmation_sent(conn: psycopg.Connection, user_id: str, min_interval_seconds: float) -> bool:
    """Record that a confirmation email goes out now, unless one went out less than
    ``min_interval_seconds`` ago (then False, nothing changed)."""
    return conn.execute(
        "UPDATE users SET email_confirmation_sent_at = now() WHERE id = %s AND (email_confirmation_sent_at IS NULL "
        "OR email_confirmation_sent_at < now() - make_interval(secs => %s))", (user_id, min_interval_seconds),
    ).rowcount == 1


def confirm_email(conn: psycopg.Connection, user_id: str, email: str) -> bool:
    """Mark ``email`` confirmed, if it is still the user's address (case-insensitively); False otherwise."""
    return conn.execute(
        "UPDATE users SET email_confirmed = email, updated_at = now() WHERE id = %s AND lower(email) = lower(%s)",
        (user_id, email),
    ).rowcount == 1


def set_tokens_valid_after(conn: psycopg.Connection, user_id: str, instant: Any) -> bool:
    """Refuse the user's tokens issued at or before ``instant`` (never moves the mark backwards)."""
    return conn.execute(
        "UPDATE users SET tokens_valid_after = greatest(coalesce(tokens_valid_after, %(t)s), %(t)s) "
        "WHERE id = %(u)s", {"t": instant, "u": user_id},
    ).rowcount == 1


def counts(conn: psycopg.Connection, user_id: str) -> dict[str, int]:
    return conn.execute(
        """
        SELECT (SELECT count(*) FROM stars WHERE user_id = %(u)s AND starred) AS stars,
               (SELECT count(*) FROM events WHERE user_id = %(u)s AND type = 'read') AS reads,
               (SELECT count(*) FROM events WHERE user_id = %(u)s) AS events,
               (SELECT count(*) FROM subscriptions WHERE user_id = %(u)s) AS subscriptions,
               (SELECT count(*) FROM alerts WHERE user_id = %(u)s AND status = 'delivered' AND read_at IS NULL)
                   AS unread_alerts
        """,
        {"u": user_id},
    ).fetchone()


# A deleted user's CF factors stay inside model versions trained before: cf_forgotten records them (the
# SHA-256 of the id, as cf.user_hash computes it; the id itself is kept nowhere), so
# no loaded version serves them and the next publish removes them from the files (cf.purge_forgotten).
_FORGET = """
    INSERT INTO cf_forgotten (user_hash) SELECT encode(sha256(convert_to(id, 'UTF8')), 'hex') FROM gone
    ON CONFLICT (user_hash) DO UPDATE SET forgotten_at = excluded.forgotten_at
"""


def delete(conn: psycopg.Connection, user_id: str) -> bool:
    """Delete the user; events, stars, subscriptions and alerts go with them (ON DELETE CASCADE), and
    their CF factors are forgotten (``_FORGET``)."""
    return conn.execute(f"WITH gone AS (DELETE FROM users WHERE id = %s RETURNING id) {_FORGET}",  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
                        (user_id,)).rowcount == 1


EXPORT_QUERIES = {
    "events": "SELECT id, paper_id, type, event_id, occurred_at, received_at, context FROM events "
              "WHERE user_id = %s ORDER BY occurred_at, id",
    "stars": "SELECT paper_id, starred, changed_at FROM stars WHERE user_id = %s ORDER BY changed_at, paper_id",
    "subscriptions": "SELECT id, kind, channel, frequency, query, author, category, webhook_url, min_score, "
                     "enabled, disabled_reason, created_at, updated_at FROM subscriptions WHERE user_id = %s "
                     "ORDER BY created_at, id",
    "alerts": "SELECT id, subscription_id, paper_id, score, reasons, status, created_at, delivered_at, read_at "
              "FROM alerts WHERE user_id = %s ORDER BY created_at, id",
}
EXPORT_BATCH = 2000


def export_rows(conn: psycopg.Connection, user_id: str, table: str) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` held about the user, oldest first, read through a server-side cursor
    EXPORT_BATCH rows at a time (a user may have millions of events: never all in memory at once)."""
    with conn.cursor(name=f"export_{table}") as cursor:
        cursor.itersize = EXPORT_BATCH
        cursor.execute(EXPORT_QUERIES[table], (user_id,))
        yield from cursor


def listing(conn: psycopg.Connection, *, q: str | None, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """Users newest first, ``q`` matching part of the id, email or name; with their event count and
    last activity (index lookups per row of the page only)."""
    where, params = ["true"], {"limit": limit}
    if q:
        where.append("(id ILIKE %(like)s OR email ILIKE %(like)s OR name ILIKE %(like)s)")
        params["like"] = f"%{q}%"
    if after is not None:
        where.append(keyset.after("created_at, id", after, params))
    return conn.execute(
        f"""
        SELECT u.id, u.email, u.name, u.created_at,
               (SELECT count(*) FROM events e WHERE e.user_id = u.id) AS events,
               (SELECT max(occurred_at) FROM events e WHERE e.user_id = u.id) AS last_seen
        FROM users u WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %(limit)s
        """, params,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchall()


def reads(conn: psycopg.Connection, user_id: str, *, after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """The user's read events with the paper's title, newest first; ``after`` = (occurred_at, id)."""
    params: dict[str, Any] = {"u": user_id, "limit": limit}
    page = "AND " + keyset.after("e.occurred_at, e.id", after, params) if after is not None else ""
    return conn.execute(
        f"""
        SELECT e.id, e.paper_id, e.occurred_at, p.title FROM events e JOIN papers p ON p.id = e.paper_id
        WHERE e.user_id = %(u)s AND e.type = 'read' {page} ORDER BY e.occurred_at DESC, e.id DESC LIMIT %(limit)s
        """, params,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchall()


def create_demo(conn: psycopg.Connection, user_ids: list[str]) -> int:
    """Create synthetic demo readers (marked ``demo``); existing ids are left alone. Returns how many."""
    return conn.execute(
        "INSERT INTO users (id, name, demo) SELECT id, 'Demo reader (synthetic)', true FROM unnest(%s::text[]) AS id "
        "ON CONFLICT (id) DO NOTHING", (user_ids,)).rowcount


def demo_count(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) AS n FROM users WHERE demo").fetchone()["n"]


def delete_demo(conn: psycopg.Connection) -> int:
    """Delete every demo reader; their events, stars, feeds and alerts go with them (ON DELETE CASCADE)."""
    return conn.execute(f"WITH gone AS (DELETE FROM users WHERE demo RETURNING id) {_FORGET}").rowcount  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
