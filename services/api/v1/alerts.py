"""Subscriptions, the alert inbox (/v1/users/{id}/... and /v1/me/...) and the public unsubscribe link."""

from __future__ import annotations

import re

from flask import Response, current_app, render_template_string, request
from flask_smorest import Blueprint

from schemas import examples
from schemas.alerts import (
    AlertPage,
    InboxQuery,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
    SubscriptionSaved,
    Unsubscribed,
    UnsubscribeQuery,
)
from schemas.pagination import PageQuery
from services.alerts import subscriptions
from services.api.security import requires
from services.api.v1.common import page, settings
from services.errors import InvalidInput, TooManyRequests
from services.web.transaction import conn

blp = Blueprint("alerts", __name__, url_prefix="/v1", description="Subscriptions and the alert inbox")
public = Blueprint("unsubscribe", __name__, description="One-click unsubscribe from alert emails (no login)")

MAX_ALERT_ID = 2**63 - 1


def _alert_id(raw: str) -> int:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not re.fullmatch(r"[0-9]{1,19}", raw) or int(raw) > MAX_ALERT_ID:
        raise InvalidInput("alert_id", "must be a positive integer")
    return int(raw)


@blp.route("/users/<user_id>/subscriptions/<subscription_id>", methods=["PUT"], endpoint="put_subscription")
@blp.route("/me/subscriptions/<subscription_id>", methods=["PUT"], endpoint="put_my_subscription")
@requires("write")
@blp.arguments(SubscriptionIn(), example=examples.SUBSCRIPTION_IN)
@blp.response(200, SubscriptionSaved, description="Replaced")
@blp.alt_response(201, schema=SubscriptionSaved, description="Created")
def put_subscription(fields, user_id, subscription_id):
    """Create or replace a subscription: what (digest, instant match, saved query, author, category)
    and where (inbox, email, webhook). Webhook URLs must be public; the response carries the
    webhook's signing secret."""
    row, created = subscriptions.upsert(conn(), settings(), user_id, subscription_id, fields)
    return row, 201 if created else 200


@blp.route("/users/<user_id>/subscriptions/<subscription_id>/rotate-secret", methods=["POST"],
           endpoint="rotate_webhook_secret")
@blp.route("/me/subscriptions/<subscription_id>/rotate-secret", methods=["POST"],
           endpoint="rotate_my_webhook_secret")
@requires("write")
@blp.response(200, SubscriptionSaved)
def rotate_secret(user_id, subscription_id):
    """Issue a new signing secret for a webhook subscription. Deliveries carry signatures under both the
    new and the previous secret until `webhook_secret_previous_until` (WEBHOOK_SECRET_GRACE_SECONDS), so
    the receiver can switch without losing one."""
    return subscriptions.rotate_secret(conn(), settings(), user_id, subscription_id)


@blp.route("/users/<user_id>/subscriptions", methods=["GET"], endpoint="list_subscriptions")
@blp.route("/me/subscriptions", methods=["GET"], endpoint="list_my_subscriptions")
@requires("read")
@blp.arguments(PageQuery(), location="query")
@blp.response(200, SubscriptionPage)
def list_subscriptions(args, user_id):
    """The user's subscriptions, newest first, with whether each is enabled and why not."""
    return subscriptions.page(conn(), user_id, page(args, "subscriptions"))


@blp.route("/users/<user_id>/subscriptions/<subscription_id>", methods=["GET"], endpoint="get_subscription")
@blp.route("/me/subscriptions/<subscription_id>", methods=["GET"], endpoint="get_my_subscription")
@requires("read")
@blp.response(200, SubscriptionOut)
def get_subscription(user_id, subscription_id):
    """One subscription."""
    return subscriptions.get(conn(), user_id, subscription_id)


@blp.route("/users/<user_id>/subscriptions/<subscription_id>", methods=["DELETE"],
           endpoint="delete_subscription")
@blp.route("/me/subscriptions/<subscription_id>", methods=["DELETE"], endpoint="delete_my_subscription")
@requires("write")
@blp.response(204)
def delete_subscription(user_id, subscription_id):
    """Delete a subscription and its alerts."""
    subscriptions.delete(conn(), user_id, subscription_id)


@blp.route("/users/<user_id>/alerts", methods=["GET"], endpoint="list_alerts")
@blp.route("/me/alerts", methods=["GET"], endpoint="list_my_alerts")
@requires("read")
@blp.arguments(InboxQuery(), location="query")
@blp.response(200, AlertPage)
def inbox(args, user_id):
    """The in-app inbox: delivered alerts, newest first; `unread=true` for unread ones only."""
    return subscriptions.inbox(conn(), user_id, page(args, "alerts"), unread=args["unread"])


@blp.route("/users/<user_id>/alerts/<alert_id>/read", methods=["POST"], endpoint="mark_alert_read")
@blp.route("/me/alerts/<alert_id>/read", methods=["POST"], endpoint="mark_my_alert_read")
@requires("write")
@blp.response(204)
def mark_read(user_id, alert_id):
    """Mark an alert read (again is harmless)."""
    subscriptions.mark_read(conn(), user_id, _alert_id(alert_id))


def _throttle_unsubscribe() -> None:
    """UNSUBSCRIBE_RATE_LIMIT per client address: the link is public and each use costs a transaction."""
    throttle = current_app.extensions["paperfeed.throttle"]
    if not throttle.allow((settings().unsubscribe_rate_limit, f"unsubscribe:ip:{request.remote_addr}")):
        raise TooManyRequests("too many unsubscribe requests from this address; wait a minute")


CONFIRM_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Unsubscribe · Paperfeed</title>
</head><body><main style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto">
{% if done %}<h1>You are unsubscribed</h1><p>This subscription will send you nothing more.</p>
{% else %}<h1>Unsubscribe?</h1><p>Stop this Paperfeed alert subscription.</p>
<form method="post" action="/unsubscribe?token={{ token | urlencode }}"><button type="submit">Unsubscribe</button></form>
{% endif %}</main></body></html>"""


@public.route("/unsubscribe", methods=["GET"])
@public.arguments(UnsubscribeQuery, location="query")
@public.response(200, description="An HTML page asking to confirm (a GET never unsubscribes: link scanners "
                                  "follow links)")
def confirm_unsubscribe(args):
    """The link in every alert email: a page with one button."""
    _throttle_unsubscribe()
    return Response(render_template_string(CONFIRM_PAGE, done=False, token=args["token"]), mimetype="text/html")


@public.route("/unsubscribe", methods=["POST"])
@public.arguments(UnsubscribeQuery, location="query")
@public.response(200, Unsubscribed)
def unsubscribe(args):
    """One-click unsubscribe (RFC 8058 `List-Unsubscribe-Post`), and the confirm button of the page. The
    signed token is the only credential; using it twice is harmless."""
    _throttle_unsubscribe()
    result = subscriptions.unsubscribe(conn(), settings(), args["token"])
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":  # the button
        return Response(render_template_string(CONFIRM_PAGE, done=True, token=""), mimetype="text/html")  # nosec B106  # not a password: an empty form value
    return {**result, "status": "unsubscribed"}
