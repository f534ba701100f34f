"""Webhook signatures: the Standard Webhooks scheme and Paperfeed's original header, with secret rotation.

Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id`` (the delivery id, the same on every
retry), ``webhook-timestamp`` (Unix seconds at sending) and ``webhook-signature``: space-separated
``v1,<base64 HMAC-SHA256>`` over ``"{webhook-id}.{webhook-timestamp}.{body}"``. The timestamp is signed,
so a receiver that refuses timestamps older than a few minutes cannot be fed a captured delivery again.
The key is the subscription's secret as UTF-8 bytes; the same key in the standard's ``whsec_<base64>``
form (``standard_secret``) works with the Standard Webhooks libraries as they are.

``X-Paperfeed-Signature: sha256=<hex HMAC-SHA256 of the body>`` stays for receivers built on it (it signs
no timestamp: prefer the standard headers).

Rotation: for WEBHOOK_SECRET_GRACE_SECONDS after a new secret is issued, every delivery is signed with
both secrets (two entries in each header), so a receiver still holding the old one keeps verifying
until it has switched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

STANDARD_SECRET_PREFIX = "whsec_"  # nosec B105  # the Standard Webhooks key-format prefix, not a secret
ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = "webhook-id", "webhook-timestamp", "webhook-signature"
LEGACY_SIGNATURE_HEADER = "X-Paperfeed-Signature"


def standard_secret(secret: str) -> str:
    """The secret in the Standard Webhooks form: ``whsec_`` + base64 of the key bytes."""
    return STANDARD_SECRET_PREFIX + base64.b64encode(secret.encode("utf-8")).decode("ascii")


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``{id}.{timestamp}.{body}`` keyed with ``secret``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def legacy_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body>``: the X-Paperfeed-Signature of one secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def headers(secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every signature header of a delivery, signed with each of ``secrets`` (current first)."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(standard_signature(s, message_id, timestamp, body) for s in secrets),
        LEGACY_SIGNATURE_HEADER: ", ".join(legacy_signature(s, body) for s in secrets),
    }


def verify_legacy(secret: str, body: bytes, header: str) -> bool:
    """True if one of the comma-separated entries of X-Paperfeed-Signature is ``body``'s under ``secret``."""
    expected = legacy_signature(secret, body).encode("ascii")
    return any(hmac.compare_digest(expected, part.strip().encode("utf-8", "replace"))
               for part in header.split(","))
