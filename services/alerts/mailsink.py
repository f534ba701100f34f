"""The local SMTP sink of the embedded default: every email Paperfeed sends lands in a Maildir.

With SMTP_URL unset, `paperfeed up` runs ``paperfeed mail-sink`` as a child and points the workers'
SMTP_URL at it, so a person trying the demo can read the alert emails (the dashboard lists them with
``recent_messages``) and nothing leaves the machine. Tests use ``MailSink`` as a real SMTP server.

Storage is aiosmtpd's own Maildir handler: each message is written to ``tmp/`` and renamed into
``new/`` (the Maildir protocol), so readers never see half a message and no locking is needed between
the sink process and the dashboard reading the folder. Received messages gain aiosmtpd's ``X-Peer``,
``X-MailFrom`` and ``X-RcptTo`` headers (the SMTP envelope).
"""

from __future__ import annotations

import mailbox
import os
import signal
import socket
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from services.config import Settings

HOST = "127.0.0.1"


def sink_maildir(settings: Settings) -> Path:
    """Where the embedded default's sink keeps mail: ``{data_dir}/mail``."""
    return settings.data_dir / "mail"


def sink_url(settings: Settings) -> str:
    """The SMTP_URL that reaches a sink listening on MAIL_SINK_PORT."""
    return f"smtp://{HOST}:{settings.mail_sink_port}"


def uses_local_sink(settings: Settings) -> bool:
    """True when this deployment's mail goes to the local sink (so the dashboard should show it).

    `paperfeed up` gives its children SMTP_URL = ``sink_url`` and MAIL_SINK_PORT = the sink's actual
    port, so "SMTP_URL is set" alone does not mean mail leaves the machine.
    """
    return settings.smtp_url is None or settings.smtp_url == sink_url(settings)


class MailSink:
    """An SMTP server on ``127.0.0.1:port`` (0 = a free port) storing every message in ``maildir``.

    ``start`` returns once the server accepts connections (aiosmtpd's Controller checks by connecting).
    """

    def __init__(self, maildir: Path, port: int = 0) -> None:
        self.maildir = Path(maildir)
        self.maildir.parent.mkdir(parents=True, exist_ok=True)
        # aiosmtpd's readiness check connects to the configured port, so port 0 cannot be passed through.
        self.port = port or _free_port()
        self._controller = Controller(Mailbox(self.maildir), hostname=HOST, port=self.port)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def serve_forever(maildir: Path, port: int, *, ready: threading.Event | None = None) -> None:
    """Run a MailSink until SIGTERM or SIGINT, then stop it cleanly (for the CLI's child process).

    Must be called from the main thread (it installs signal handlers).
    """
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with MailSink(maildir, port):
            if ready is not None:
                ready.set()
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _entries(maildir: Path) -> list[tuple[int, str, str]]:
    """(mtime_ns, key, path) of every message, from the folder listing alone (no message is parsed)."""
    entries = []
    for sub in ("new", "cur"):
        try:
            with os.scandir(maildir / sub) as it:
                for entry in it:
                    if entry.is_file() and not entry.name.startswith("."):
                        # In cur/ the name carries ":2,<flags>" after the key.
                        key = entry.name.split(mailbox.Maildir.colon, 1)[0]
                        entries.append((entry.stat().st_mtime_ns, key, entry.path))
        except FileNotFoundError:
            continue
    return entries


def count_messages(maildir: Path) -> int:
    """How many messages the sink holds (0 if it never received one)."""
    return len(_entries(Path(maildir)))


def _part_text(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, ValueError):  # unknown charset or broken encoding: show what we can
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def _summary(key: str, path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        message = BytesParser(policy=policy.default).parse(f)
    date = message["Date"]
    when = getattr(date, "datetime", None)
    return {
        "id": key,
        "subject": str(message["Subject"] or ""),
        "from": str(message["From"] or ""),
        "to": str(message["To"] or ""),
        "date": when.isoformat() if when is not None else str(date or ""),
        "message_id": str(message["Message-ID"] or ""),
        "text": _part_text(message, "plain"),
        "html": _part_text(message, "html"),
    }


def recent_messages(maildir: Path, *, offset: int = 0, limit: int = 20) -> list[dict[str, Any]]:
    """A page of received messages, newest first (by arrival time).

    Each is ``{"id", "subject", "from", "to", "date" (ISO 8601 when parseable), "message_id", "text",
    "html"}``; ``text``/``html`` are None when the message has no such part. Only the page's messages
    are read, so a large sink costs one directory listing per page. Raises ValueError on a negative
    offset or a limit below 1.
    """
    if offset < 0 or limit < 1:
        raise ValueError("offset must be >= 0 and limit >= 1")
    entries = sorted(_entries(Path(maildir)), key=lambda e: (e[0], e[1]), reverse=True)
    page = []
    for _mtime, key, path in entries[offset: offset + limit]:
        try:
            page.append(_summary(key, path))
        except FileNotFoundError:  # deleted (or moved to cur/) since the listing; skip it
            continue
    return page
