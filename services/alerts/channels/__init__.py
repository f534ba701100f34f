"""Delivery channels: how one composed alert message leaves Paperfeed.

The outbox (``services.alerts.outbox``) claims due alert rows, groups them into one ``Message`` per
delivery and hands it to the subscription's channel. A channel's contract is small on purpose:

- ``send(message)`` returns when the message was accepted by the other side (an SMTP server queued it,
  a webhook answered 2xx), and raises ``DeliveryError`` otherwise. Nothing else escapes ``send``.
- ``DeliveryError.retryable`` tells the outbox whether trying again later can help (a timeout, a 5xx,
  a 4xx SMTP reply) or not (no email address, a 5xx SMTP rejection, a webhook 404).
- ``Message.delivery_id`` is the same on every retry of one delivery, and channels put it on the wire
  (Message-ID, ``X-Paperfeed-Delivery``) so a receiver can recognise a repeat: delivery is at least
  once at the channel level, and the id makes it effectively once for receivers that look.

Channels hold settings only, no connections, so one registry can be built per worker process and
shared by its threads. A channel may also offer ``session()``: a context manager yielding a ``Sender``
that keeps one connection open for a batch of messages (the email channel: one SMTP connection per
delivery batch instead of one per email) and closes it on exit. A session belongs to one thread; the
outbox opens one per channel per batch (``open_session``), and falls back to ``send`` for channels
without one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from services.config import Settings


@dataclass(frozen=True)
class Recipient:
    """Who a message is for; ``email`` may be None (the email channel then fails permanently)."""

    user_id: str
    email: str | None
    name: str | None
    timezone: str


@dataclass(frozen=True)
class AlertItem:
    """One alert row in a message: a paper and why it was chosen.

    ``paper`` has the keys of ``services.store.papers`` rows: id, title, abstract, authors, categories,
    url, published_at. ``reasons`` are ``{"kind", "detail", "paper_id"?}`` dicts.
    """

    alert_id: int
    paper: dict[str, Any]
    score: float | None
    reasons: list[dict[str, Any]]


@dataclass(frozen=True)
class Message:
    """One delivery: every alert of one subscription that goes out together.

    ``kind`` is the subscription kind ("instant", "digest", "query", "author", "category");
    ``period`` is the digest period key ("2026-11-27", "2026-W48") and None for instant kinds.
    """

    delivery_id: str
    kind: str
    subscription: dict[str, Any]
    recipient: Recipient
    items: list[AlertItem]
    unsubscribe_url: str
    period: str | None
    # The page listing the user's subscriptions (services.alerts.links); emails link it.
    manage_url: str | None = None


class DeliveryError(Exception):
    """A message was not delivered. ``retryable`` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Channel(Protocol):
    """A way out. ``send`` returns on success and raises ``DeliveryError`` on any failure."""

    name: str

    def send(self, message: Message) -> None: ...


class Sender(Protocol):
    """What a channel's session yields: ``send`` with the channel's contract, over a kept connection."""

    def send(self, message: Message) -> None: ...


@contextlib.contextmanager
def open_session(channel: Channel) -> Iterator[Sender]:
    """The channel's batch session when it has one, else the channel itself (one send, one connection)."""
    session = getattr(channel, "session", None)
    if session is None:
        yield channel
        return
    with session() as sender:
        yield sender


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The registry of external channels by subscription ``channel`` value: "email" and "webhook".

    The in-app inbox is not here: an inbox alert is delivered by the outbox marking its row.
    """
    # Imported here so that importing the data types above never pulls in smtplib or http.client.
    from services.alerts.channels.email import EmailChannel
    from services.alerts.channels.webhook import WebhookChannel

    channels: list[Channel] = [EmailChannel(settings), WebhookChannel(settings)]
    return {channel.name: channel for channel in channels}
