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

import datetime as dt
import re
import smtplib
import ssl
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
        """Compose and send; returns once the SMTP server accepted the message (see module doc)."""
        self.deliver(self.compose(message))

    def deliver(self, email: EmailMessage) -> None:
        """Send a composed email through SMTP_URL; raises DeliveryError (classes in the module doc)."""
        if not self.settings.smtp_url:
            raise DeliveryError("SMTP_URL is not set", retryable=True)
        try:
            target = parse_smtp_url(self.settings.smtp_url)
        except ValueError as exc:
            raise DeliveryError(str(exc), retryable=True) from None
        try:
            with self._connect(target) as smtp:
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per message, so "refused" means all of them; take the worst reply.
            code, reply = max(exc.recipients.values(), key=lambda answer: answer[0])
            raise DeliveryError(f"recipient refused: {code} {_text(reply)}", retryable=code < 500) from None
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
            raise DeliveryError(f"SMTP configuration problem: {exc}", retryable=True) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP server answered {exc.smtp_code} {_text(exc.smtp_error)}", retryable=exc.smtp_code < 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            # OSError covers refused connections, timeouts, DNS failures and ssl.SSLError.
            raise DeliveryError(f"SMTP connection failed: {exc!r}", retryable=True) from None

    def _connect(self, target: SmtpTarget) -> smtplib.SMTP:
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


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
