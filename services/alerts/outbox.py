"""Delivering the outbox: inbox rows in bulk, email and webhook deliveries one message at a time.

Exactly once, per (user, paper, subscription):
- the alert row is unique, so a paper is decided once per subscription;
- inbox delivery is one conditional UPDATE (pending → delivered): nothing leaves the database;
- an email/webhook delivery is claimed (pending → sending, committed) before anything is sent, and
  marked delivered (sending → delivered) right after; a worker killed in between leaves the rows in
  'sending', and ``release_stale`` hands them back after ALERT_SENDING_TIMEOUT_SECONDS with the same
  delivery_id. The one unavoidable window (sent, then killed before the commit) resends the same
  delivery_id (X-Paperfeed-Delivery, the email's Message-ID), so a receiver can drop the repeat.
  The lease is renewed per delivery right before its send (``renew_claim``), so a live worker whose
  batch outlasts the timeout skips what the sweeper took back instead of sending it a second time.
Failures retry with exponential backoff (ALERT_RETRY_BASE_SECONDS × 2^(attempt-1), capped at
ALERT_RETRY_MAX_SECONDS, with equal jitter) up to ALERT_MAX_ATTEMPTS; a webhook failing WEBHOOK_DISABLE_AFTER_FAILURES
times in a row disables its subscription (visible to the user and the operator).
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import psycopg

from services.alerts import links
from services.alerts.channels import (
    AlertItem,
    Channel,
    DeliveryError,
    Message,
    Recipient,
    Sender,
    open_session,
)
from services.alerts.unsubscribe import unsubscribe_url
from services.config import Settings
from services.db import Database
from services.store import alerts as alerts_store
from services.store import papers as papers_store
from services.store import subscriptions as subscriptions_store
from services.store import users as users_store

log = logging.getLogger(__name__)

INBOX_BATCH = 10_000


def backoff_seconds(attempts: int, settings: Settings, *, jitter: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``attempts`` (1-based): base × 2^(attempts-1), capped, then scaled by a
    random factor in [0.5, 1] ("equal jitter"). Without the jitter every delivery that failed in the same
    outage (a receiver down for a minute) would come back at the same instant and knock it over again;
    with it they spread over half the delay, and the wait still grows with each attempt."""
    ceiling = min(settings.alert_retry_max_seconds, settings.alert_retry_base_seconds * 2 ** max(0, attempts - 1))
    return ceiling * (0.5 + 0.5 * jitter())


def deliver_inbox(db: Database, *, batch: int = INBOX_BATCH) -> int:
    """Mark every pending inbox alert delivered, ``batch`` rows per transaction; returns the count."""
    total = 0
    while True:
        with db.connection() as conn:
            n = alerts_store.deliver_inbox(conn, limit=batch)
        total += n
        if n < batch:
            return total


def deliver_due(db: Database, settings: Settings, channels: Mapping[str, Channel], *,
                max_deliveries: int = 200) -> dict[str, Any]:
    """Deliver what is due: all inbox alerts, then up to ``max_deliveries`` email/webhook messages."""
    started = time.perf_counter()
    counts = {"inbox": deliver_inbox(db), "delivered": 0, "retrying": 0, "failed": 0, "lease_lost": 0}
    with db.connection() as conn:
        claimed = alerts_store.claim_deliveries(conn, limit=max_deliveries)
    # One session per channel for the whole batch (one SMTP connection, not one per email), opened
    # on the channel's first message and closed when the batch is done.
    with contextlib.ExitStack() as sessions:
        senders: dict[str, Sender] = {}

        def sender(name: str) -> Sender | None:
            if name not in senders and name in channels:
                senders[name] = sessions.enter_context(open_session(channels[name]))
            return senders.get(name)

        for delivery in claimed:
            outcome = _deliver_one(db, settings, sender, delivery)
            counts[outcome] += 1
    counts["seconds"] = round(time.perf_counter() - started, 3)
    return counts


def _deliver_one(db: Database, settings: Settings, sender: Callable[[str], Sender | None],
                 delivery: dict[str, Any]) -> str:
    with db.connection() as conn:
        if not alerts_store.renew_claim(conn, delivery["delivery_id"], delivery["claimed_at"],
                                        rows=len(delivery["alert_ids"])):
            return "lease_lost"  # the sweeper released it while this batch was busy: another run sends it
        message = _message(conn, settings, delivery)
    if isinstance(message, str):  # nothing left to send: say why and stop
        with db.connection() as conn:
            alerts_store.mark_failed_attempt(conn, delivery["delivery_id"], error=message, retry_in_seconds=None)
        return "failed"
    try:
        channel = sender(delivery["channel"])
        if channel is None:
            raise DeliveryError(f"no channel {delivery['channel']!r} configured", retryable=False)
        channel.send(message)
    except DeliveryError as exc:
        return _record_failure(db, settings, delivery, str(exc), retryable=exc.retryable)
    except Exception as exc:  # a bug in a channel must not leave the rows stuck in 'sending'
        log.exception("channel %s raised", delivery["channel"])
        return _record_failure(db, settings, delivery, f"{type(exc).__name__}: {exc}", retryable=True)
    with db.connection() as conn:
        alerts_store.mark_delivered(conn, delivery["delivery_id"])
        subscriptions_store.record_success(conn, delivery["user_id"], delivery["subscription_id"])
    return "delivered"


def _record_failure(db: Database, settings: Settings, delivery: dict[str, Any], error: str, *, retryable: bool
                    ) -> str:
    attempts = delivery["attempts"]
    retry = retryable and attempts < settings.alert_max_attempts
    with db.connection() as conn:
        alerts_store.mark_failed_attempt(conn, delivery["delivery_id"], error=error,
                                         retry_in_seconds=backoff_seconds(attempts, settings) if retry else None)
        if delivery["channel"] == "webhook":
            reason = f"disabled after {settings.webhook_disable_after_failures} failed deliveries in a row: {error}"
            if subscriptions_store.record_failure(conn, delivery["user_id"], delivery["subscription_id"],
                                                  disable_after=settings.webhook_disable_after_failures,
                                                  reason=reason[:500]):
                alerts_store.fail_pending_of_subscription(conn, delivery["user_id"], delivery["subscription_id"],
                                                          "subscription disabled")
    return "retrying" if retry else "failed"


def _message(conn: psycopg.Connection, settings: Settings, delivery: dict[str, Any]) -> Message | str:
    """The message for a claimed delivery, or why there is none to send."""
    subscription = subscriptions_store.for_delivery(conn, delivery["user_id"], delivery["subscription_id"])
    user = users_store.get(conn, delivery["user_id"])
    if subscription is None or user is None:
        return "the user or subscription was deleted"
    if not subscription["enabled"]:
        return f"subscription disabled: {subscription['disabled_reason'] or 'by the user'}"
    if subscription["channel"] == "email" and not users_store.email_is_confirmed(user):
        return "the user's email address is not confirmed (it changed, or was never confirmed)"
    rows = alerts_store.delivery_items(conn, delivery["alert_ids"])
    papers = papers_store.visible_by_ids(conn, [r["paper_id"] for r in rows])
    items = [AlertItem(r["id"], papers[r["paper_id"]], r["score"], r["reasons"]) for r in rows
             if r["paper_id"] in papers]
    if not items:
        return "every paper of this alert was deleted or hidden before delivery"
    return Message(
        delivery_id=delivery["delivery_id"], kind=subscription["kind"], subscription=subscription,
        recipient=Recipient(user["id"], user["email"], user["name"], user["timezone"]), items=items,
        unsubscribe_url=unsubscribe_url(settings, user["id"], subscription["id"], subscription["created_at"]),
        period=delivery["digest_key"], manage_url=links.manage_url(settings, user["id"]),
    )


def release_stale(db: Database, settings: Settings) -> int:
    """Hand back deliveries a dead worker left in 'sending' (same delivery_id); returns how many rows."""
    with db.connection() as conn:
        return alerts_store.release_stale(conn, older_than_seconds=settings.alert_sending_timeout_seconds)


def due_count(conn: psycopg.Connection) -> int:
    """Alerts waiting to be sent now."""
    return alerts_store.due_count(conn)


def retry(conn: psycopg.Connection, alert_id: int) -> bool:
    """An operator's retry of a failed alert: back to pending now, with a fresh attempt budget."""
    return alerts_store.retry(conn, alert_id)
