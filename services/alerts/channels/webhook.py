"""The webhook channel: one signed JSON POST per delivery.

Body (UTF-8 JSON): ``{"delivery_id", "subscription_id", "user_id", "kind", "period", "sent_at",
"items": [{"alert_id", "paper", "score", "reasons"}]}``. Headers (services.alerts.signing): the Standard
Webhooks trio ``webhook-id`` / ``webhook-timestamp`` / ``webhook-signature`` (timestamp signed, so replays
can be refused), ``X-Paperfeed-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>``, and
``X-Paperfeed-Delivery: <delivery_id>`` (= webhook-id, the same on every retry, so receivers can drop
repeats). While a rotated secret's grace period runs, each signature header carries both secrets' entries.

Outcome: 2xx is success. 408, 429, 5xx, timeouts and connection errors are retryable; any other
answer (3xx included: redirects are not followed, since a redirect could lead to an address the SSRF
check refused) is permanent. The URL is checked again at send time, and the connection goes to the
address that check resolved, so a DNS answer that changed in between cannot redirect the POST.

WEBHOOK_TIMEOUT_SECONDS bounds the whole exchange (resolving excepted: WEBHOOK_RESOLVE_TIMEOUT_SECONDS):
each socket operation waits at most what is left of it, and a watchdog shuts the socket when it runs out,
so a receiver that trickles one byte at a time cannot hold a worker past it (and the sweeper then send
the delivery a second time meanwhile).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import http.client
import json
import secrets
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from services.alerts import netguard, signing
from services.alerts.channels import DeliveryError, Message
from services.config import Settings

SIGNATURE_HEADER = "X-Paperfeed-Signature"
DELIVERY_HEADER = "X-Paperfeed-Delivery"
USER_AGENT = "Paperfeed-Webhook/1"
RETRYABLE_STATUSES = frozenset({408, 429})
# Enough of an error answer to show in the outbox's last_error; the rest is not read.
ERROR_BODY_BYTES = 300


def new_secret() -> str:
    """A fresh per-subscription signing secret (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return signing.legacy_signature(secret, body)


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """True if an entry of ``header`` is the signature of ``body`` under ``secret``; constant-time compares."""
    return signing.verify_legacy(secret, body, header)


def signing_secrets(subscription: dict[str, Any], now: dt.datetime) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the previous one during its grace."""
    current = [subscription["webhook_secret"]]
    previous, until = subscription.get("webhook_secret_previous"), subscription.get("webhook_secret_previous_until")
    if previous and until is not None and until > now:
        current.append(previous)
    return current


def _json_default(value: Any) -> Any:
    """Database types in paper rows: timestamps as ISO 8601, UUIDs as text, numerics as floats."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def payload(message: Message, *, sent_at: dt.datetime | None = None) -> bytes:
    """The exact body bytes POSTed for ``message`` (datetimes as ISO 8601)."""
    sent = sent_at or dt.datetime.now(dt.UTC)
    document = {
        "delivery_id": message.delivery_id,
        "subscription_id": message.subscription.get("id"),
        "user_id": message.recipient.user_id,
        "kind": message.kind,
        "period": message.period,
        "sent_at": sent.isoformat(),
        "items": [
            {"alert_id": item.alert_id, "paper": item.paper, "score": item.score, "reasons": item.reasons}
            for item in message.items
        ],
    }
    return json.dumps(document, default=_json_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class WebhookChannel:
    """POSTs signed JSON to the subscription's ``webhook_url``."""

    name = "webhook"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        """POST the delivery; returns on a 2xx answer, raises DeliveryError otherwise (see module doc)."""
        url = message.subscription.get("webhook_url")
        secret = message.subscription.get("webhook_secret")
        if not url or not secret:
            raise DeliveryError("subscription has no webhook_url or webhook_secret", retryable=False)
        try:
            addresses = netguard.resolve_webhook_url(
                url, allow_private=self.settings.webhook_allow_private, ports=self.settings.webhook_port_set,
                resolve_timeout=self.settings.webhook_resolve_timeout_seconds)
        except netguard.UnresolvableHost as exc:
            # DNS failures are often passing; the outbox's retry cap bounds a name that is gone for good.
            raise DeliveryError(str(exc), retryable=True) from None
        except ValueError as exc:
            raise DeliveryError(str(exc), retryable=False) from None
        try:
            body = payload(message)
        except (TypeError, ValueError) as exc:  # a value JSON cannot carry: trying again will not help
            raise DeliveryError(f"cannot encode the webhook body: {exc}", retryable=False) from None
        now = dt.datetime.now(dt.UTC)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signing.headers(signing_secrets(message.subscription, now), message.delivery_id,
                              int(now.timestamp()), body),
            DELIVERY_HEADER: message.delivery_id,
        }
        status, reason, excerpt = self._post(url, [str(a) for a in addresses], body, headers)
        if 200 <= status < 300:
            return
        retryable = status in RETRYABLE_STATUSES or status >= 500
        detail = f": {excerpt}" if excerpt else ""
        raise DeliveryError(f"webhook answered {status} {reason}{detail}", retryable=retryable)

    def _post(self, url: str, addresses: list[str], body: bytes,
              headers: dict[str, str]) -> tuple[int, str, str]:
        parts = urlsplit(url)
        timeout = self.settings.webhook_timeout_seconds
        conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = conn_class(parts.hostname, parts.port, timeout=timeout)
        # Connect to the addresses netguard checked (first that answers), while Host, SNI and
        # certificate checks keep using the name in the URL. http.client opens every connection through
        # this attribute (3.11 to 3.13), which is the only hook short of re-implementing HTTPS connect.
        # The total deadline: whatever socket the connection holds when it expires is shut down, which
        # ends a blocked read or write at once (http.client's timeout applies to each operation only).
        expired = threading.Event()  # set before the socket is shut, so the error that follows is known
        watchdog = threading.Timer(timeout, _cut_off, args=(conn, expired))
        watchdog.daemon = True
        watchdog.start()
        conn._create_connection = _pinned_connect(addresses, expired=expired.is_set)  # type: ignore[attr-defined]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
            excerpt = response.read(ERROR_BODY_BYTES).decode("utf-8", "replace").strip()
            if expired.is_set():  # the answer completed only because the socket was cut
                raise TimeoutError("the total deadline passed")
            return response.status, response.reason, excerpt
        except (UnicodeError, http.client.InvalidURL) as exc:
            # The URL itself cannot be sent (a non-ASCII path, control characters): permanent.
            raise DeliveryError(f"webhook URL cannot be requested: {exc}", retryable=False) from None
        except TimeoutError as exc:
            raise DeliveryError(f"webhook timed out after {timeout:g}s: {exc!r}", retryable=True) from None
        except (OSError, http.client.HTTPException) as exc:
            if expired.is_set():
                raise DeliveryError(f"webhook timed out after {timeout:g}s in total", retryable=True) from None
            raise DeliveryError(f"webhook connection failed: {exc!r}", retryable=True) from None
        finally:
            watchdog.cancel()
            conn.close()


def _cut_off(conn: http.client.HTTPConnection, expired: threading.Event) -> None:
    """The deadline passed: shut the connection's socket (plain or TLS), so a blocked read or write
    returns at once."""
    expired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _pinned_connect(addresses: list[str], *, expired: Callable[[], bool]) -> Any:
    """A stand-in for ``socket.create_connection`` that tries only ``addresses``, in order, and gives
    up once ``expired()`` (the watchdog cannot cut a socket that did not exist yet)."""

    def connect(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
        _host, port = address
        last: OSError | None = None
        for ip in addresses:
            if expired():
                break
            try:
                sock = socket.create_connection((ip, port), timeout, source_address)
            except OSError as exc:
                last = exc
                continue
            if expired():
                sock.close()
                break
            return sock
        if expired():
            raise TimeoutError("the total deadline passed while connecting")
        raise last or OSError("no address to connect to")

    return connect
