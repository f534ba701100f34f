"""Subscription and inbox operations behind /v1/users/{id}/subscriptions and /alerts."""

from __future__ import annotations

import secrets
from typing import Any

import psycopg

from services import pagination
from services.alerts import links, netguard, signing
from services.alerts.unsubscribe import InvalidUnsubscribeToken, read_token, unsubscribe_url
from services.config import Settings
from services.errors import InvalidInput, NotFound
from services.store import alerts as alerts_store
from services.store import papers as papers_store
from services.store import subscriptions as store
from services.store import users as users_store

MAX_SUBSCRIPTIONS_PER_USER = 100


def upsert(conn: psycopg.Connection, settings: Settings, user_id: str, subscription_id: str,
           fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create or replace a subscription (the user is created if unknown). Rules the schema cannot
    check: an email channel needs the user's confirmed address, a webhook URL must be public (unless settings
    allow private ones), and a user has at most MAX_SUBSCRIPTIONS_PER_USER."""
    users_store.ensure(conn, user_id)
    if fields["channel"] == "email":
        user = users_store.get(conn, user_id) or {}
        if not user.get("email"):
            raise InvalidInput("channel", f"user {user_id} has no email address; set one with PUT /v1/users/{user_id}")
        if not users_store.email_is_confirmed(user):
            raise InvalidInput("channel", f"the email address of user {user_id} is not confirmed yet: POST "
                                          f"/v1/users/{user_id}/email/confirmation sends the link (double opt-in)")
    if fields["channel"] == "webhook":
        try:
            netguard.check_webhook_url(fields["webhook_url"], allow_private=settings.webhook_allow_private,
                                       ports=settings.webhook_port_set,
                                       resolve_timeout=settings.webhook_resolve_timeout_seconds)
        except ValueError as exc:
            raise InvalidInput("webhook_url", str(exc)) from None
    if store.get(conn, user_id, subscription_id) is None and \
            store.count_for_user(conn, user_id) >= MAX_SUBSCRIPTIONS_PER_USER:
        raise InvalidInput("subscription_id", f"a user may have at most {MAX_SUBSCRIPTIONS_PER_USER} subscriptions")
    if fields["kind"] == "instant" and fields.get("min_score") is None:
        fields = {**fields, "min_score": settings.alert_min_score_default}
    row, created = store.upsert(conn, user_id, subscription_id, fields, webhook_secret=secrets.token_hex(32))
    if fields["channel"] != "webhook":
        row["webhook_secret"] = None  # only webhooks sign; do not show a secret that means nothing
    return _with_signing_secret(row), created


def _with_signing_secret(row: dict[str, Any]) -> dict[str, Any]:
    secret = row.get("webhook_secret")
    return {**row, "webhook_signing_secret": signing.standard_secret(secret) if secret else None}


def rotate_secret(conn: psycopg.Connection, settings: Settings, user_id: str, subscription_id: str
                  ) -> dict[str, Any]:
    """Issue a new webhook secret; deliveries are signed with the old one too for
    WEBHOOK_SECRET_GRACE_SECONDS. NotFound unless the user has this subscription with channel webhook."""
    row = store.rotate_secret(conn, user_id, subscription_id, secrets.token_hex(32),
                              settings.webhook_secret_grace_seconds)
    if row is None:
        raise NotFound(f"user {user_id} has no webhook subscription {subscription_id}")
    return _with_signing_secret(row)


def get(conn: psycopg.Connection, user_id: str, subscription_id: str) -> dict[str, Any]:
    row = store.get(conn, user_id, subscription_id)
    if row is None:
        raise NotFound(f"user {user_id} has no subscription {subscription_id}")
    return row


def page(conn: psycopg.Connection, user_id: str, request: pagination.PageRequest) -> dict[str, Any]:
    rows = store.page(conn, user_id, after=request.after, limit=request.limit + 1)
    items, next_cursor = pagination.paginate("subscriptions", rows, request.limit, lambda r: (r["created_at"], r["id"]))
    return {"items": items, "next_cursor": next_cursor}


def delete(conn: psycopg.Connection, user_id: str, subscription_id: str) -> None:
    if not store.delete(conn, user_id, subscription_id):
        raise NotFound(f"user {user_id} has no subscription {subscription_id}")


def inbox(conn: psycopg.Connection, user_id: str, request: pagination.PageRequest, *, unread: bool
          ) -> dict[str, Any]:
    """Delivered alerts, newest first, each with its paper (alerts of papers deleted since are left out)."""
    rows = alerts_store.inbox(conn, user_id, unread=unread, after=request.after, limit=request.limit + 1)
    items, next_cursor = pagination.paginate("alerts", rows, request.limit, lambda r: (r["created_at"], r["id"]))
    papers = papers_store.visible_by_ids(conn, [r["paper_id"] for r in items])
    return {"items": [{**r, "paper": papers[r["paper_id"]]} for r in items if r["paper_id"] in papers],
            "next_cursor": next_cursor}


def mark_read(conn: psycopg.Connection, user_id: str, alert_id: int) -> None:
    if not alerts_store.mark_read(conn, user_id, alert_id):
        raise NotFound(f"user {user_id} has no alert {alert_id}")


def manage_page(conn: psycopg.Connection, settings: Settings, token: str) -> dict[str, Any]:
    """What the "manage subscriptions" link of an email shows: the user's subscriptions (at most
    MAX_SUBSCRIPTIONS_PER_USER, so one page), each with its one-click unsubscribe link. Webhook URLs are
    not shown (the link travels by email). InvalidInput for a bad token."""
    try:
        user_id = links.read_manage_token(settings.require("secret_key"), token)
    except links.InvalidLink as exc:
        raise InvalidInput("token", str(exc)) from None
    rows = store.page(conn, user_id, after=None, limit=MAX_SUBSCRIPTIONS_PER_USER)
    return {"user_id": user_id, "items": [{
        "id": row["id"], "kind": row["kind"], "channel": row["channel"], "enabled": row["enabled"],
        "detail": row["query"] or row["author"] or row["category"] or row["frequency"] or "",
        "unsubscribe_url": unsubscribe_url(settings, user_id, row["id"], row["created_at"]),
    } for row in rows]}


def unsubscribe(conn: psycopg.Connection, settings: Settings, token: str) -> dict[str, str]:
    """End the subscription named by a signed unsubscribe token (no login needed). Idempotent: a second
    use, or a subscription deleted meanwhile, still succeeds. Raises InvalidInput for a bad token, and
    for a link sent for an earlier subscription of the same id (deleted and created again since): that
    link must not end the new one."""
    try:
        target = read_token(settings.require("secret_key"), token)
    except InvalidUnsubscribeToken:
        raise InvalidInput("token", "not a valid unsubscribe link") from None
    user_id, subscription_id = target.user_id, target.subscription_id
    current = store.get(conn, user_id, subscription_id)
    if current is not None and not target.matches(current["created_at"]):
        raise InvalidInput("token", "this link was sent for an earlier subscription that no longer exists; "
                                    "the current one is unchanged")
    store.disable(conn, user_id, subscription_id, "unsubscribed by the recipient")
    alerts_store.fail_pending_of_subscription(conn, user_id, subscription_id, "unsubscribed")
    return {"user_id": user_id, "subscription_id": subscription_id}
