"""Webhooks (audit finding 8): a total deadline per delivery, and a URL check that is no oracle into the
operator's network (one message, no resolved address, limited ports, a resolver timeout)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from services.alerts import netguard
from services.alerts.channels import DeliveryError
from services.alerts.channels.webhook import WebhookChannel
from services.config import Settings
from tests.integration.test_alert_channels import _message

ANSWER = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _Trickler:
    """A receiver that reads the request, then answers one byte every ``pause`` seconds: each read of
    the client gets data well within a per-operation timeout, the whole answer takes far longer."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.finished = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        try:
            conn.recv(65536)
            for byte in ANSWER:
                conn.sendall(bytes([byte]))
                self.sent += 1
                time.sleep(self.pause)
        except OSError:
            pass  # the client hung up: what we want
        finally:
            conn.close()
            self.finished.set()

    def close(self) -> None:
        self.sock.close()


def test_a_trickling_receiver_cannot_hold_a_delivery_past_its_deadline():
    trickler = _Trickler(pause=0.2)  # the full answer: 67 bytes, ~13 s; each byte within 0.2 s
    channel = WebhookChannel(Settings(secret_key="k" * 32, webhook_allow_private=True, webhook_ports="any",
                                      webhook_timeout_seconds=1.0))
    try:
        with pytest.raises(DeliveryError, match="timed out") as caught:
            channel.send(_message(webhook_url=f"http://127.0.0.1:{trickler.port}/hook"))
        assert caught.value.retryable is True
        assert trickler.finished.wait(10), "the receiver was never cut off"
        assert trickler.sent < len(ANSWER) // 2, f"the client read {trickler.sent} of {len(ANSWER)} bytes"
    finally:
        trickler.close()


def test_internal_and_unresolvable_hosts_get_one_message_naming_no_address():
    messages = {}
    for host in ("localhost", "no-such-host.invalid"):
        with pytest.raises(ValueError) as caught:
            netguard.check_webhook_url(f"http://{host}/hook", allow_private=False)
        messages[host] = str(caught.value).replace(repr(host), "<host>")
    assert messages["localhost"] == messages["no-such-host.invalid"]
    for message in messages.values():
        assert "127.0.0.1" not in message and "::1" not in message and "loopback" not in message


def test_the_api_answer_names_no_resolved_address(client, headers):
    response = client.put("/v1/users/alice/subscriptions/hook", headers=headers["write"],
                          json={"kind": "instant", "channel": "webhook", "webhook_url": "http://localhost/hook"})
    assert response.status_code == 422 and "webhook_url" in response.get_json()["errors"]
    assert "127.0.0.1" not in response.get_data(as_text=True) and "loopback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["http://8.8.8.8:22/", "https://8.8.8.8:6379/x", "http://[2606:4700::1111]:25/"])
def test_ports_other_than_the_web_ones_are_refused(url):
    with pytest.raises(ValueError, match="port .* is not allowed"):
        netguard.check_webhook_url(url, allow_private=False)
    netguard.check_webhook_url(url, allow_private=False, ports=None)  # unless configured


def test_a_resolver_that_hangs_is_given_up_on(monkeypatch):
    """getaddrinfo has no timeout; a hung resolver (simulated: the system's cannot be made to hang
    without root) used to hold the request thread for as long as it hung."""
    release = threading.Event()

    def hung(*_args, **_kwargs):
        release.wait(30)
        raise socket.gaierror("released")

    monkeypatch.setattr(netguard.socket, "getaddrinfo", hung)
    try:
        with pytest.raises(netguard.UnresolvableHost, match="webhooks may only point at public addresses"):
            netguard.check_webhook_url("https://hooks.example.org/x", allow_private=False, resolve_timeout=0.2)
    finally:
        release.set()
