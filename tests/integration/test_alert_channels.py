"""Alert channels against real servers: an aiosmtpd SMTP server, an HTTP receiver in a thread, the
mail sink (in process and as the `paperfeed mail-sink` command)."""

from __future__ import annotations

import dataclasses
import http.server
import os
import signal
import smtplib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.alerts.channels import AlertItem, DeliveryError, Message, Recipient
from services.alerts.channels.email import EmailChannel
from services.alerts.channels.webhook import WebhookChannel, verify_signature
from services.alerts.mailsink import MailSink, count_messages, recent_messages
from services.config import Settings
from tests.helpers import PAPERFEED, REPO, wait_until

SECRET_KEY = "k" * 32
WEBHOOK_SECRET = "whsec-test-1234"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _message(*, title: str = "Sparse attention at scale", webhook_url: str | None = None,
             kind: str = "digest") -> Message:
    paper = {"id": "2411.01234", "title": title, "abstract": "We study.", "authors": ["Ann Lee"],
             "categories": ["cs.LG"], "url": None, "published_at": "2026-11-26T08:00:00+00:00"}
    return Message(
        delivery_id="0b9e9a52-7d0e-4c55-9d7e-3f1b2a6c8d10",
        kind=kind,
        subscription={"id": "sub-1", "kind": kind, "channel": "email", "frequency": "daily",
                      "webhook_url": webhook_url, "webhook_secret": WEBHOOK_SECRET},
        recipient=Recipient(user_id="u-1", email="ann@example.org", name="Ann", timezone="UTC"),
        items=[AlertItem(alert_id=41, paper=paper, score=0.91,
                         reasons=[{"kind": "content", "detail": "close to your interest in “Attention”"}])],
        unsubscribe_url="http://127.0.0.1:8000/unsubscribe?token=t0k3n",
        period="2026-11-27" if kind == "digest" else None,
    )


# --- email over a real SMTP server ----------------------------------------------------------------

class Recorder:
    """An aiosmtpd handler that keeps every envelope, or answers RCPT TO with a fixed reply."""

    def __init__(self, rcpt_reply: str | None = None, refuse: str | None = None) -> None:
        self.envelopes: list = []
        self.peers: list = []  # the client's (host, port) per accepted message: one per TCP connection
        self.rcpt_reply = rcpt_reply
        self.refuse = refuse  # an address answered 550, others accepted

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        if address == self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.peers.append(session.peer)
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Recorder]]:
    handlers: list[Controller] = []

    def start(handler: Recorder, **kwargs) -> Controller:
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), **kwargs)
        controller.start()
        handlers.append(controller)
        return controller

    yield start
    for controller in handlers:
        controller.stop()


def _email_settings(port: int, credentials: str = "") -> Settings:
    return Settings(secret_key=SECRET_KEY, smtp_url=f"smtp://{credentials}127.0.0.1:{port}", smtp_timeout_seconds=5)


def test_email_arrives_with_both_parts_and_one_click_headers(smtp_server):
    recorder = Recorder()
    server = smtp_server(recorder)
    EmailChannel(_email_settings(server.port)).send(_message())

    [envelope] = recorder.envelopes
    assert envelope.mail_from == "alerts@paperfeed.localhost"
    assert envelope.rcpt_tos == ["ann@example.org"]
    email = message_from_bytes(envelope.content, policy=policy.default)
    assert email["Subject"] == "Your daily Paperfeed digest: 1 new paper"
    assert email["Message-ID"] == "<0b9e9a52-7d0e-4c55-9d7e-3f1b2a6c8d10@paperfeed>"
    assert email["List-Unsubscribe"] == "<http://127.0.0.1:8000/unsubscribe?token=t0k3n>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Sparse attention at scale" in plain and "Sparse attention at scale" in html
    # No paper URL: the link goes to the paper's page on this Paperfeed.
    assert "https://arxiv.org/abs/2411.01234" in plain and "/v1/" not in plain  # no URL: PAPER_URL_TEMPLATE
    assert 'href="http://127.0.0.1:8000/unsubscribe?token=t0k3n"' in html


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a loopback test server
def test_smtp_login_is_used_and_a_wrong_password_is_retryable(smtp_server):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"bot", b"p@ss")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    recorder = Recorder()
    server = smtp_server(recorder, authenticator=authenticator, auth_required=True, auth_require_tls=False)
    EmailChannel(_email_settings(server.port, "bot:p%40ss@")).send(_message())
    assert len(recorder.envelopes) == 1
    with pytest.raises(DeliveryError, match="configuration problem.*535") as caught:
        EmailChannel(_email_settings(server.port, "bot:wrong@")).send(_message())
    assert caught.value.retryable is True
    assert len(recorder.envelopes) == 1


@pytest.mark.parametrize(("reply", "retryable"), [
    ("550 5.1.1 No such user here", False),
    ("452 4.2.2 Mailbox full, try later", True),
])
def test_smtp_rejections_are_classified_by_reply_code(smtp_server, reply, retryable):
    recorder = Recorder(rcpt_reply=reply)
    server = smtp_server(recorder)
    with pytest.raises(DeliveryError, match=reply.split()[0]) as caught:
        EmailChannel(_email_settings(server.port)).send(_message())
    assert caught.value.retryable is retryable
    assert recorder.envelopes == []


def _to(address: str) -> Message:
    message = _message()
    return dataclasses.replace(message, recipient=dataclasses.replace(message.recipient, email=address))


def test_a_session_sends_its_whole_batch_over_one_connection(smtp_server):
    recorder = Recorder(refuse="gone@example.org")
    server = smtp_server(recorder)
    channel = EmailChannel(_email_settings(server.port))
    for i in range(3):  # without a session: a connection per email
        channel.send(_to(f"single{i}@example.org"))
    assert len(set(recorder.peers)) == 3
    with channel.session() as session:
        for i in range(5):
            session.send(_to(f"batch{i}@example.org"))
        # A refused recipient fails that message only; the connection goes on serving the batch.
        with pytest.raises(DeliveryError, match="550") as caught:
            session.send(_to("gone@example.org"))
        assert caught.value.retryable is False
        session.send(_to("after@example.org"))
    assert session.connections == 1
    batch_peers = recorder.peers[3:]
    assert len(batch_peers) == 6 and len(set(batch_peers)) == 1
    assert [e.rcpt_tos for e in recorder.envelopes[3:]] == [[f"batch{i}@example.org"] for i in range(5)] + [
        ["after@example.org"]]


def test_a_session_reopens_a_connection_the_server_closed():
    recorder = Recorder()
    port = _free_port()
    first = Controller(recorder, hostname="127.0.0.1", port=port)
    first.start()
    channel = EmailChannel(_email_settings(port))
    with channel.session() as session:
        try:
            session.send(_to("one@example.org"))
        finally:
            first.stop()  # the server goes away (a restart, an idle timeout): the kept connection is dead
        restarted = Controller(recorder, hostname="127.0.0.1", port=port)
        restarted.start()
        try:
            session.send(_to("two@example.org"))
        finally:
            restarted.stop()
    assert session.connections == 2
    assert [e.rcpt_tos for e in recorder.envelopes] == [["one@example.org"], ["two@example.org"]]


def test_smtp_server_down_is_retryable():
    with pytest.raises(DeliveryError, match="connection failed") as caught:
        EmailChannel(_email_settings(_free_port())).send(_message())
    assert caught.value.retryable is True


# --- webhooks to a real HTTP receiver ----------------------------------------------------------

class Receiver(http.server.ThreadingHTTPServer):
    """Answers POSTs with ``status`` after ``delay`` seconds; records (path, headers, body)."""

    daemon_threads = True

    def __init__(self, status: int = 204, delay: float = 0.0, location: str | None = None) -> None:
        self.status, self.delay, self.location = status, delay, location
        self.requests: list[tuple[str, dict, bytes]] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, dict(self.headers), body))
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no")

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def receiver() -> Iterator:
    servers: list[Receiver] = []

    def start(**kwargs) -> Receiver:
        server = Receiver(**kwargs)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _webhook(allow_private: bool = True, timeout: float = 5.0) -> WebhookChannel:
    return WebhookChannel(Settings(secret_key=SECRET_KEY, webhook_allow_private=allow_private, webhook_ports="any",
                                   webhook_timeout_seconds=timeout))


def test_webhook_delivery_is_signed_and_verifiable(receiver):
    server = receiver(status=204)
    _webhook().send(_message(webhook_url=f"{server.url}/hooks/paperfeed?team=ml"))
    [(path, headers, body)] = server.requests
    assert path == "/hooks/paperfeed?team=ml"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Paperfeed-Delivery"] == "0b9e9a52-7d0e-4c55-9d7e-3f1b2a6c8d10"
    assert headers["User-Agent"].startswith("Paperfeed")
    assert verify_signature(WEBHOOK_SECRET, body, headers["X-Paperfeed-Signature"])
    assert not verify_signature("another-secret", body, headers["X-Paperfeed-Signature"])
    assert b'"alert_id":41' in body and b'"delivery_id":"0b9e9a52' in body


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True), (408, True),
                                                   (404, False), (410, False), (400, False)])
def test_webhook_error_answers_are_classified(receiver, status, retryable):
    server = receiver(status=status)
    with pytest.raises(DeliveryError, match=f"answered {status}") as caught:
        _webhook().send(_message(webhook_url=server.url + "/hook"))
    assert caught.value.retryable is retryable
    assert len(server.requests) == 1


def test_webhook_redirects_are_not_followed(receiver):
    target = receiver(status=204)
    redirecting = receiver(status=307, location=target.url + "/elsewhere")
    with pytest.raises(DeliveryError, match="answered 307") as caught:
        _webhook().send(_message(webhook_url=redirecting.url + "/hook"))
    assert caught.value.retryable is False
    assert target.requests == []


def test_slow_webhook_times_out_as_retryable(receiver):
    server = receiver(status=204, delay=2.0)
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="timed out") as caught:
        _webhook(timeout=0.5).send(_message(webhook_url=server.url + "/hook"))
    assert caught.value.retryable is True
    assert time.monotonic() - started < 1.9


def test_webhook_to_loopback_is_refused_at_send_time_unless_allowed(receiver):
    server = receiver(status=204)
    for url in (server.url + "/hook", f"http://localhost:{server.server_address[1]}/hook"):
        with pytest.raises(DeliveryError, match="public addresses") as caught:
            _webhook(allow_private=False).send(_message(webhook_url=url))
        assert caught.value.retryable is False
    assert server.requests == []


def test_webhook_url_that_cannot_be_requested_is_permanent(receiver):
    server = receiver(status=204)
    with pytest.raises(DeliveryError, match="cannot be requested") as caught:
        _webhook().send(_message(webhook_url=server.url + "/hooké"))
    assert caught.value.retryable is False
    assert server.requests == []


def test_webhook_receiver_down_is_retryable():
    with pytest.raises(DeliveryError, match="connection failed") as caught:
        _webhook().send(_message(webhook_url=f"http://127.0.0.1:{_free_port()}/hook"))
    assert caught.value.retryable is True


# --- the mail sink ------------------------------------------------------------------------------

def _plain_email(subject: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"], email["From"], email["To"] = subject, "a@example.org", "b@example.org"
    email.set_content(f"body of {subject}")
    return email


def test_sink_stores_what_smtplib_sends_and_lists_newest_first(tmp_path: Path):
    maildir = tmp_path / "mail"
    assert count_messages(maildir) == 0 and recent_messages(maildir, offset=0, limit=5) == []
    with MailSink(maildir) as sink:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
            for n in range(3):
                smtp.send_message(_plain_email(f"message {n}"))
                time.sleep(0.01)  # distinct arrival times
        EmailChannel(Settings(secret_key=SECRET_KEY, smtp_url=f"smtp://127.0.0.1:{sink.port}")).send(_message())

    assert count_messages(maildir) == 4
    newest = recent_messages(maildir, offset=0, limit=2)
    assert [m["subject"] for m in newest] == ["Your daily Paperfeed digest: 1 new paper", "message 2"]
    alert = newest[0]
    assert alert["from"] == "Paperfeed <alerts@paperfeed.localhost>" and alert["to"] == "Ann <ann@example.org>"
    assert "Sparse attention at scale" in alert["text"] and "Sparse attention at scale" in alert["html"]
    assert alert["message_id"] == "<0b9e9a52-7d0e-4c55-9d7e-3f1b2a6c8d10@paperfeed>"
    assert alert["date"].startswith("20")
    older = recent_messages(maildir, offset=2, limit=10)
    assert [m["subject"] for m in older] == ["message 1", "message 0"]
    assert older[0]["text"].strip() == "body of message 1" and older[0]["html"] is None
    assert len({m["id"] for m in newest + older}) == 4


def test_mail_sink_command_serves_until_sigterm(tmp_path: Path):
    port = _free_port()
    maildir = tmp_path / "sink"
    proc = subprocess.Popen([*PAPERFEED, "mail-sink", "--port", str(port), "--maildir", str(maildir)],
                            cwd=REPO, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        def listening() -> bool:
            assert proc.poll() is None, proc.stdout.read().decode()
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, 30, message="mail-sink listens")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(_plain_email("via the command"))
        assert [m["subject"] for m in recent_messages(maildir, offset=0, limit=5)] == ["via the command"]
        # A second sink on the same port is a clear error, not a traceback.
        second = subprocess.run([*PAPERFEED, "mail-sink", "--port", str(port), "--maildir", str(maildir)],
                                cwd=REPO, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0 and f"port {port}" in second.stderr and "in use" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
