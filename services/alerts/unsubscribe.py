"""Signed one-click unsubscribe tokens.

An email's unsubscribe link must work without logging in (RFC 8058 one-click, and a person clicking
from a phone), so the token itself is the authority: an itsdangerous signature over (user id,
subscription id) with SECRET_KEY and its own salt, so a token signed for another purpose never passes
here. Tokens do not expire: an unsubscribe link in a months-old email must still work, and all it can
do is end one subscription of the user it was sent to. Rotating SECRET_KEY invalidates every link.
"""

from __future__ import annotations

from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeSerializer

from services.config import Settings

SALT = "unsubscribe"


class InvalidUnsubscribeToken(ValueError):
    """The token is malformed, tampered with, or signed with another key or salt."""


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, user_id: str, subscription_id: str) -> str:
    """A URL-safe token that ``read_token`` turns back into (user_id, subscription_id)."""
    return _serializer(secret_key).dumps([user_id, subscription_id])


def read_token(secret_key: str, token: str) -> tuple[str, str]:
    """(user_id, subscription_id) from a token made by ``make_token`` with the same key.

    Raises InvalidUnsubscribeToken on any bad token; never returns unverified data.
    """
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        raise InvalidUnsubscribeToken("unsubscribe link is invalid or was altered") from None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(isinstance(part, str) for part in payload)
    ):
        raise InvalidUnsubscribeToken("unsubscribe link is invalid or was altered")
    return payload[0], payload[1]


def unsubscribe_url(settings: Settings, user_id: str, subscription_id: str) -> str:
    """The public one-click link for this subscription: ``{base_url}/unsubscribe?token=...``.

    Needs SECRET_KEY (raises SettingsError naming it when unset).
    """
    token = make_token(settings.require("secret_key"), user_id, subscription_id)
    return f"{settings.base_url.rstrip('/')}/unsubscribe?{urlencode({'token': token})}"
