"""Signed one-click unsubscribe tokens.

An email's unsubscribe link must work without logging in (RFC 8058 one-click, and a person clicking
from a phone), so the token itself is the authority: an itsdangerous signature over (user id,
subscription id, the subscription's creation instant in microseconds) with SECRET_KEY and its own salt,
so a token signed for another purpose never passes here. Tokens do not expire: an unsubscribe link in a
months-old email must still work, and all it can do is end the one subscription it was sent for. Bound
to the creation instant, it cannot end a subscription deleted and re-created under the same id since
(subscription ids are chosen by the client, so they repeat). Rotating SECRET_KEY invalidates every link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeSerializer

from services.config import Settings

SALT = "unsubscribe"


class InvalidUnsubscribeToken(ValueError):
    """The token is malformed, tampered with, or signed with another key or salt."""


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class UnsubscribeTarget:
    """What a verified token names: one subscription, as created at ``created_us`` (µs since 1970)."""

    user_id: str
    subscription_id: str
    created_us: int

    def matches(self, created_at: dt.datetime) -> bool:
        """True if a subscription created at ``created_at`` is the one this link was sent for."""
        return micros(created_at) == self.created_us


def micros(instant: dt.datetime) -> int:
    """Microseconds since 1970 (exact: no float rounding)."""
    return (instant - _EPOCH) // dt.timedelta(microseconds=1)


def make_token(secret_key: str, user_id: str, subscription_id: str, created_at: dt.datetime) -> str:
    """A URL-safe token that ``read_token`` turns back into the UnsubscribeTarget."""
    return _serializer(secret_key).dumps([user_id, subscription_id, micros(created_at)])


def read_token(secret_key: str, token: str) -> UnsubscribeTarget:
    """The target of a token made by ``make_token`` with the same key.

    Raises InvalidUnsubscribeToken on any bad token (including links of the old, unbound format);
    never returns unverified data.
    """
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        raise InvalidUnsubscribeToken("unsubscribe link is invalid or was altered") from None
    if (
        not isinstance(payload, list)
        or len(payload) != 3
        or not all(isinstance(part, str) for part in payload[:2])
        or not isinstance(payload[2], int) or isinstance(payload[2], bool)
    ):
        raise InvalidUnsubscribeToken("unsubscribe link is invalid or was altered")
    return UnsubscribeTarget(payload[0], payload[1], payload[2])


def unsubscribe_url(settings: Settings, user_id: str, subscription_id: str, created_at: dt.datetime) -> str:
    """The public one-click link for this subscription: ``{base_url}/unsubscribe?token=...``.

    Needs SECRET_KEY (raises SettingsError naming it when unset).
    """
    token = make_token(settings.require("secret_key"), user_id, subscription_id, created_at)
    return f"{settings.base_url.rstrip('/')}/unsubscribe?{urlencode({'token': token})}"
