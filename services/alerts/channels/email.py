"""The email channel: one multipart (plain text + HTML) message per delivery, sent over SMTP.

SMTP_URL forms: ``smtp://[user:pass@]host[:port][?starttls=true]`` (port 25 by default) and
``smtps://[user:pass@]host[:port]`` (implicit TLS, port 465 by default). TLS always verifies the
server's certificate against the system trust store.

Failure classes (``DeliveryError.retryable``):
- permanent: the recipient has no email address; the server answered a 5xx to the envelope or data
  (a mailbox that does not exist stays nonexistent);
- retryable: SMTP_URL unset, connection refused/reset/timed out, TLS failures, 4xx replies, and
  authentication or STARTTLS-support failures: those are the operator's configuration, not the
  message's fault, so the message waits for the fix instead of being dropped.

Every message carries ``Message-ID: <delivery_id@paperfeed>`` and ``X-Paperfeed-Delivery``, identical
on every retry, so a repeat after a lost "250 OK" can be recognised downstream, and RFC 8058 one-click
``List-Unsubscribe`` headers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from services.alerts import links
from services.alerts.channels import DeliveryError, Message
from services.config import Settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_SUBJECT_PART = 80
# Messages sent over one SMTP connection before a session opens a fresh one (servers commonly cap this).
MESSAGES_PER_CONNECTION = 100


@dataclass(frozen=True)
class SmtpTarget:
    """SMTP_URL, parsed."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """Parse SMTP_URL (forms in the module doc); raises ValueError on anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("SMTP_URL must have a host")
    flags = parse_qs(parts.query)
    starttls = flags.get("starttls", ["false"])[-1].strip().lower() in {"1", "true", "yes", "on"}
    implicit_tls = parts.scheme == "smtps"
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if implicit_tls else 25),
        implicit_tls=implicit_tls,
        starttls=starttls and not implicit_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _one_line(text: str, limit: int = MAX_SUBJECT_PART) -> str:
    """Collapse whitespace (headers may not contain line breaks) and shorten to ``limit`` characters."""
    flat = re.sub(r"\s+", " ", text or "").strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _papers(count: int) -> str:
    return "1 new paper" if count == 1 else f"{count} new papers"


def subject_for(message: Message) -> str:
    """The Subject line: a digest names its frequency, a follow names what is followed."""
    sub = message.subscription
    count = len(message.items)
    if message.kind == "digest":
        frequency = "weekly" if sub.get("frequency") == "weekly" else "daily"
        return f"Your {frequency} Paperfeed digest: {_papers(count)}"
    if message.kind == "author" and sub.get("author"):
        return f"{_papers(count)} by {_one_line(sub['author'])}"
    if message.kind == "category" and sub.get("category"):
        return f"{_papers(count)} in {_one_line(sub['category'])}"
    if message.kind == "query" and sub.get("query"):
        return f"{_papers(count)} matching “{_one_line(sub['query'])}”"
    return f"{_papers(count)} for you"


def _subscription_label(message: Message) -> str:
    sub = message.subscription
    if message.kind == "digest":
        return f"{sub.get('frequency') or 'daily'} digest" + (f", {message.period}" if message.period else "")
    detail = {"author": sub.get("author"), "category": sub.get("category"), "query": sub.get("query")}
    shown = detail.get(message.kind)
    return f"{message.kind}: {_one_line(shown)}" if shown else message.kind


class EmailChannel:
    """Composes alert emails from the templates and sends them through SMTP_URL."""

    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            # Paper titles and abstracts are imported text: in the HTML part they must stay text.
            autoescape=jinja2.select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined,
        )

    def paper_link(self, paper: dict[str, Any]) -> str | None:
        """The paper's own http(s) URL, else PAPER_URL_TEMPLATE's, else None (the title is not linked).
        Never an API path: a reader clicking it has no credentials (services.alerts.links)."""
        return links.paper_link(paper, self.settings.paper_url_template)

    def compose(self, message: Message) -> EmailMessage:
        """The complete email for ``message``. Raises DeliveryError(retryable=False) without an address."""
        recipient = message.recipient
        if not recipient.email:
            raise DeliveryError(f"user {recipient.user_id} has no email address", retryable=False)
        subject = subject_for(message)
        context = {
            "subject": subject,
            "recipient_name": recipient.name,
            "intro": self._intro(message),
            "items": [
                {
                    "title": _one_line(item.paper.get("title") or str(item.paper["id"]), limit=500),
                    "link": self.paper_link(item.paper),
                    "authors": ", ".join(item.paper.get("authors") or []),
                    "reasons": [r["detail"] for r in item.reasons if r.get("detail")],
                }
                for item in message.items
            ],
            "subscription_label": _subscription_label(message),
            "unsubscribe_url": message.unsubscribe_url,
            "manage_url": message.manage_url,
        }
        email = EmailMessage()
        email["Subject"] = subject
        email["From"] = self.settings.smtp_from
        email["To"] = formataddr((_one_line(recipient.name or "", limit=200), recipient.email))
        email["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        email["Message-ID"] = f"<{message.delivery_id}@paperfeed>"
        email["X-Paperfeed-Delivery"] = message.delivery_id
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        # RFC 3834: machine-sent, so vacation responders do not answer it.
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(self._templates.get_template("alert_email.txt").render(context))
        email.add_alternative(self._templates.get_template("alert_email.html").render(context), subtype="html")
        return email

    def _intro(self, message: Message) -> str:
        if message.kind == "digest":
            span = "this week" if message.subscription.get("frequency") == "weekly" else "today"
            return f"Here are the new papers that matter most to you {span}."
        return f"Paperfeed found {_papers(len(message.items))} you may want to read."

    def send(self, message: Message) -> None:
        """Compose and send over a connection of its own; returns once the SMTP server accepted the
        message (see module doc)."""
        with self.session() as session:
            session.send(message)

    def deliver(self, email: EmailMessage) -> None:
        """Send a composed email through SMTP_URL on a connection of its own; raises DeliveryError."""
        with self.session() as session:
            session.deliver(email)

    @contextlib.contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """One SMTP connection for a batch of messages: opened on the first send, reused, closed on exit."""
        session = SmtpSession(self)
        try:
            yield session
        finally:
            session.close()

    def target(self) -> SmtpTarget:
        """SMTP_URL parsed; DeliveryError(retryable) when it is unset or malformed (operator's to fix)."""
        if not self.settings.smtp_url:
            raise DeliveryError("SMTP_URL is not set", retryable=True)
        try:
            return parse_smtp_url(self.settings.smtp_url)
        except ValueError as exc:
            raise DeliveryError(str(exc), retryable=True) from None

    def connect(self, target: SmtpTarget) -> smtplib.SMTP:
        timeout = self.settings.smtp_timeout_seconds
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if target.implicit_tls:
            smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=timeout)
        try:
            if target.starttls:
                smtp.starttls(context=context)
            if target.username is not None:
                smtp.login(target.username, target.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


class SmtpSession:
    """One SMTP connection shared by the messages of a delivery batch (one thread's, never shared).

    The connection opens on the first message. A refused recipient or a 4xx/5xx reply to one message
    leaves it usable (smtplib resets the transaction); a broken connection is dropped and the next
    message opens a new one. A reused connection the server closed while idle (its timeout, or a
    per-connection message limit) is reopened once for the same message: nothing of it was accepted
    yet. After MESSAGES_PER_CONNECTION messages the session starts a fresh connection, as many
    servers cap messages per connection."""

    def __init__(self, channel: EmailChannel) -> None:
        self.channel = channel
        self.connections = 0  # opened so far (tests and metrics count them)
        self._smtp: smtplib.SMTP | None = None
        self._sent_on_connection = 0

    def send(self, message: Message) -> None:
        """The channel's ``send`` contract, over this session's connection."""
        self.deliver(self.channel.compose(message))

    def deliver(self, email: EmailMessage) -> None:
        """Send a composed email; raises DeliveryError (classes in the module doc)."""
        target = self.channel.target()
        try:
            try:
                self._connection(target).send_message(email)
            except smtplib.SMTPServerDisconnected:
                if self._sent_on_connection == 0:
                    raise  # a fresh connection failed: a real failure, not an idle one closed
                self._drop()
                self._connection(target).send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per message, so "refused" means all of them; take the worst reply.
            code, reply = max(exc.recipients.values(), key=lambda answer: answer[0])
            raise DeliveryError(f"recipient refused: {code} {_text(reply)}", retryable=code < 500) from None
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
            self._drop()
            raise DeliveryError(f"SMTP configuration problem: {exc}", retryable=True) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing this connection
                self._drop()
            raise DeliveryError(
                f"SMTP server answered {exc.smtp_code} {_text(exc.smtp_error)}", retryable=exc.smtp_code < 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            # OSError covers refused connections, timeouts, DNS failures and ssl.SSLError.
            self._drop()
            raise DeliveryError(f"SMTP connection failed: {exc!r}", retryable=True) from None
        self._sent_on_connection += 1

    def _connection(self, target: SmtpTarget) -> smtplib.SMTP:
        if self._smtp is not None and self._sent_on_connection >= MESSAGES_PER_CONNECTION:
            self.close()
        if self._smtp is None:
            self._smtp = self.channel.connect(target)
            self.connections += 1
            self._sent_on_connection = 0
        return self._smtp

    def _drop(self) -> None:
        """Forget a connection that is broken (no QUIT: it would only wait for the timeout)."""
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
        self._smtp = None

    def close(self) -> None:
        """QUIT politely; a connection already gone is just forgotten."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._drop()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
