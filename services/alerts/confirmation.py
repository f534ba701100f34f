"""Double opt-in for email channels: a user's address receives alerts only once confirmed through a link
sent to it, and a changed address is unconfirmed again (``users.email_confirmed`` holds the confirmed
address; services.store.users.email_is_confirmed).

Sending is throttled per user (RESEND_SECONDS), so an API caller cannot use Paperfeed to mail an address
over and over; the link expires after EMAIL_CONFIRM_TTL_SECONDS and confirms only the address it was sent
to. The email goes out through SMTP_URL while the request waits (a confirmation is one short message and
the caller wants to know it left); an SMTP failure answers 503 and frees the throttle again.
"""

from __future__ import annotations

import datetime as dt
import html
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

import psycopg

from services.alerts import links
from services.alerts.channels import DeliveryError
from services.alerts.channels.email import EmailChannel
from services.config import Settings
from services.errors import InvalidInput, NotFound, NotReady
from services.store import users as users_store

RESEND_SECONDS = 60


def request(conn: psycopg.Connection, settings: Settings, user_id: str) -> dict[str, Any]:
    """Email a confirmation link to the user's address. Returns {"status", "email", "expires_at"}:
    "sent", or "confirmed" when there is nothing to do. InvalidInput without an address or when one was
    sent less than RESEND_SECONDS ago; NotReady when the SMTP server does not take it."""
    user = users_store.get(conn, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if not user["email"]:
        raise InvalidInput("email", f"user {user_id} has no email address; set one with PUT first")
    if users_store.email_is_confirmed(user):
        return {"status": "confirmed", "email": user["email"], "expires_at": None}
    if not users_store.note_confirmation_sent(conn, user_id, RESEND_SECONDS):
        raise InvalidInput("email", f"a confirmation link was sent less than {RESEND_SECONDS} s ago; "
                                    "check the inbox or try again in a minute")
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.email_confirm_ttl_seconds)
    try:
        EmailChannel(settings).deliver(compose(settings, user, expires))
    except DeliveryError as exc:
        # The caller's transaction rolls back with this error, so the throttle mark goes with it.
        raise NotReady(f"the confirmation email could not be sent: {exc}") from None
    return {"status": "sent", "email": user["email"], "expires_at": expires.replace(microsecond=0)}


def compose(settings: Settings, user: dict[str, Any], expires: dt.datetime) -> EmailMessage:
    """The confirmation email: one link, when it expires, and what happens if it is ignored."""
    url = links.confirm_url(settings, user["id"], user["email"])
    hours = max(1, round(settings.email_confirm_ttl_seconds / 3600))
    text = (f"Hello{' ' + user['name'] if user['name'] else ''},\n\n"
            f"Please confirm that Paperfeed may send alerts to this address:\n\n{url}\n\n"
            f"The link works for {hours} hours. If you did not ask for this, ignore this email: nothing will be "
            "sent to you.\n")
    email = EmailMessage()
    email["Subject"] = "Confirm your email address for Paperfeed alerts"
    email["From"] = settings.smtp_from
    email["To"] = formataddr((user["name"] or "", user["email"]))
    email["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    email["Message-ID"] = make_msgid(domain="paperfeed")
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(text)
    email.add_alternative(
        f"<!doctype html><html><body><p>Please confirm that Paperfeed may send alerts to this address:</p>"
        f'<p><a href="{html.escape(url)}">Confirm my address</a></p><p>The link works for {hours} hours. If you '
        "did not ask for this, ignore this email: nothing will be sent to you.</p></body></html>", subtype="html")
    return email


def confirm(conn: psycopg.Connection, settings: Settings, token: str) -> dict[str, str]:
    """Confirm the address a link was sent to. InvalidInput for a bad or expired link, or when the user's
    address has changed since (the new one needs its own link)."""
    try:
        user_id, email = links.read_confirm_token(settings.require("secret_key"), token,
                                                  settings.email_confirm_ttl_seconds)
    except links.InvalidLink as exc:
        raise InvalidInput("token", str(exc)) from None
    if not users_store.confirm_email(conn, user_id, email):
        raise InvalidInput("token", "this address is no longer the account's address; ask for a new link")
    return {"user_id": user_id, "email": email, "status": "confirmed"}
