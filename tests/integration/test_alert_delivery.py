"""Alerts delivered end to end: a digest by email through a real SMTP server, webhooks to a real HTTP
receiver (signatures, retries, disabling), and a worker killed halfway through a delivery batch."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from infra.embedded import free_port
from services.alerts import digests, outbox
from services.alerts.channels import build_channels
from services.alerts.channels.webhook import verify_signature
from services.alerts.mailsink import MailSink, recent_messages
from services.app import create_app
from services.store import alerts as alerts_store
from services.store import papers as papers_store
from tests.helpers import PAPERFEED, REPO, HttpReceiver, cli_env, confirm_email, wait_until
from workers.app import create_celery


class Receiver(HttpReceiver):
    """A webhook receiver: answers with the next scripted status (then 200) and keeps every request."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0) -> None:
        self.statuses = list(statuses or [])
        self.delay = delay
        self.requests: list[dict] = []
        super().__init__()

    def on_post(self, headers, body: bytes) -> int:
        time.sleep(self.delay)
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.requests.append({"headers": dict(headers), "body": body, "status": status})
        return status


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.shutdown()


@pytest.fixture
def delivery_settings(settings, tmp_path):
    return settings.replace(artifact_dir=tmp_path / "artifacts", webhook_allow_private=True, webhook_ports="any",
                            alert_retry_base_seconds=0.0, webhook_disable_after_failures=3, alert_max_attempts=10)


@pytest.fixture
def client(delivery_settings, clean_db):
    return create_app(delivery_settings, db=clean_db).test_client()


def _papers(db, n, prefix="p"):
    with db.connection() as conn:
        papers_store.upsert_many(conn, [{"id": f"{prefix}{i}", "title": f"Paper <{prefix}{i}> on sparse attention",
                                         "abstract": "We study attention.", "authors": ["Ann Lee"],
                                         "categories": ["cs.LG"]} for i in range(n)])
    return [f"{prefix}{i}" for i in range(n)]


def _alert(db, user, sub, paper_ids, channel="webhook"):
    with db.connection() as conn:
        return alerts_store.insert_many(conn, [alerts_store.NewAlert(
            user, sub, pid, channel, 0.8, [{"kind": "matches_your_interests", "detail": "close to your interest"}])
            for pid in paper_ids])


def _rows(db):
    with db.connection() as conn:
        return conn.execute("SELECT * FROM alerts ORDER BY id").fetchall()


@pytest.mark.slow
def test_a_digest_email_arrives_with_both_parts_and_a_working_unsubscribe(
        client, headers, clean_db, delivery_settings, tmp_path):
    _papers(clean_db, 12)
    sink = MailSink(tmp_path / "mail").start()
    try:
        settings = delivery_settings.replace(smtp_url=f"smtp://127.0.0.1:{sink.port}")
        assert client.put("/v1/users/mia", json={"email": "mia@example.org", "name": "Mia"},
                          headers=headers["write"]).status_code == 201
        confirm_email(clean_db, "mia")
        assert client.put("/v1/users/mia/subscriptions/daily", json={"kind": "digest", "channel": "email"},
                          headers=headers["write"]).status_code == 201
        now = dt.datetime.now(dt.UTC).replace(hour=9)
        assert digests.compose_due(clean_db, settings, now=now)["alerts"] == settings.digest_size
        result = outbox.deliver_due(clean_db, settings, build_channels(settings))
        assert result["delivered"] == 1, result  # one email for the whole digest
        [mail] = recent_messages(sink.maildir, offset=0, limit=10)
    finally:
        sink.stop()
    assert mail["to"] == "Mia <mia@example.org>"
    assert mail["text"] and mail["html"]
    assert "Paper <p" in mail["text"] and "Paper &lt;p" in mail["html"]  # escaped in HTML
    raw = message_from_bytes(next(p for p in sink.maildir.glob("*/*") if p.is_file()).read_bytes(),
                             policy=policy.default)
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<([^>]+)>", raw["List-Unsubscribe"]).group(1)
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert {r["status"] for r in _rows(clean_db)} == {"delivered"}

    # One click, no login: the subscription ends; a second click is harmless; a forged token is refused.
    assert client.get(f"/unsubscribe?token={token}").status_code == 200  # a page, changes nothing
    assert client.get("/v1/users/mia/subscriptions/daily", headers=headers["read"]).get_json()["enabled"]
    response = client.post(f"/unsubscribe?token={token}", data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and response.get_json()["status"] == "unsubscribed"
    assert client.post(f"/unsubscribe?token={token}").status_code == 200
    assert client.post(f"/unsubscribe?token={token[:-2]}xx").status_code == 422
    sub = client.get("/v1/users/mia/subscriptions/daily", headers=headers["read"]).get_json()
    assert sub["enabled"] is False and "unsubscribed" in sub["disabled_reason"]
    tomorrow = now + dt.timedelta(days=1)
    assert digests.compose_due(clean_db, settings, now=tomorrow)["composed"] == 0


def _webhook_sub(client, headers, user, url, sub="hook"):
    response = client.put(f"/v1/users/{user}/subscriptions/{sub}",
                          json={"kind": "instant", "channel": "webhook", "webhook_url": url}, headers=headers["write"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()["webhook_secret"]


def test_webhook_is_signed_and_retried_after_500s(client, headers, clean_db, delivery_settings, receiver):
    secret = _webhook_sub(client, headers, "wes", receiver.url)
    _alert(clean_db, "wes", "hook", _papers(clean_db, 3))
    receiver.statuses = [500, 503]
    channels = build_channels(delivery_settings)
    outcomes = [outbox.deliver_due(clean_db, delivery_settings, channels) for _ in range(3)]
    assert [o["retrying"] for o in outcomes] == [1, 1, 0] and outcomes[-1]["delivered"] == 1
    assert [r["status"] for r in receiver.requests] == [500, 503, 200]
    ids = {r["headers"]["X-Paperfeed-Delivery"] for r in receiver.requests}
    assert len(ids) == 1  # every retry is the same delivery
    for request in receiver.requests:
        assert verify_signature(secret, request["body"], request["headers"]["X-Paperfeed-Signature"])
        assert not verify_signature("wrong-secret", request["body"], request["headers"]["X-Paperfeed-Signature"])
    body = json.loads(receiver.requests[-1]["body"])
    assert body["delivery_id"] == ids.pop() and len(body["items"]) == 3
    assert all(r["status"] == "delivered" and r["attempts"] == 3 for r in _rows(clean_db))


def test_a_failing_webhook_is_disabled_and_says_why(client, headers, clean_db, delivery_settings, receiver):
    _webhook_sub(client, headers, "fay", receiver.url)
    _alert(clean_db, "fay", "hook", _papers(clean_db, 2))
    receiver.statuses = [500] * 10
    channels = build_channels(delivery_settings)
    for _ in range(3):
        outbox.deliver_due(clean_db, delivery_settings, channels)
    sub = client.get("/v1/users/fay/subscriptions/hook", headers=headers["read"]).get_json()
    assert sub["enabled"] is False and "3 failed deliveries" in sub["disabled_reason"]
    assert sub["consecutive_failures"] == 3
    assert {r["status"] for r in _rows(clean_db)} == {"failed"}
    assert outbox.deliver_due(clean_db, delivery_settings, channels)["delivered"] == 0
    assert len(receiver.requests) == 3
    # Saving the subscription again re-enables it.
    client.put("/v1/users/fay/subscriptions/hook", json={"kind": "instant", "channel": "webhook",
                                                        "webhook_url": receiver.url}, headers=headers["write"])
    assert client.get("/v1/users/fay/subscriptions/hook", headers=headers["read"]).get_json()["enabled"] is True


def _start_worker(settings, queue):
    env = cli_env(settings, ALERT_SENDING_TIMEOUT_SECONDS="2", WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_PORTS="any",
                  WORKER_CONCURRENCY="1")
    return subprocess.Popen([*PAPERFEED, "worker", "--queues", queue], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.mark.slow
def test_killing_the_worker_mid_batch_loses_and_doubles_nothing(client, headers, clean_db, delivery_settings):
    receiver = Receiver(delay=0.15)
    users = [f"k{i}" for i in range(40)]
    paper_ids = _papers(clean_db, 2)
    for user in users:
        _webhook_sub(client, headers, user, receiver.url)
        _alert(clean_db, user, "hook", paper_ids)
    total = len(_rows(clean_db))
    queue = f"test-{secrets.token_hex(4)}"
    celery = create_celery(delivery_settings)
    worker = _start_worker(delivery_settings, queue)
    try:
        celery.send_task("alerts.deliver", queue=queue)
        wait_until(lambda: len(receiver.requests) >= 8, timeout=60, message="deliveries under way")
        os.killpg(worker.pid, signal.SIGKILL)  # the whole worker, in the middle of the batch
        worker.wait(10)
        received_at_kill = len(receiver.requests)
        assert received_at_kill < len(users), "the batch finished before the kill: the test proves nothing"
        worker = _start_worker(delivery_settings, queue)

        def all_delivered():
            celery.send_task("alerts.sweep", queue=queue)
            celery.send_task("alerts.deliver", queue=queue)
            time.sleep(1.5)
            return all(r["status"] == "delivered" for r in _rows(clean_db))

        wait_until(all_delivered, timeout=120, interval=0.5, message="every alert delivered")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        receiver.shutdown()
    rows = _rows(clean_db)
    assert len(rows) == total
    received: dict[int, set[str]] = {}
    for request in receiver.requests:
        body = json.loads(request["body"])
        for item in body["items"]:
            received.setdefault(item["alert_id"], set()).add(body["delivery_id"])
    # Every alert reached the receiver, always under one delivery id: a resend after the kill (if the
    # kill fell between sending and recording) repeats the same X-Paperfeed-Delivery, never a new one.
    assert set(received) == {r["id"] for r in rows}
    assert all(len(ids) == 1 for ids in received.values())
    distinct = {request["headers"]["X-Paperfeed-Delivery"] for request in receiver.requests}
    assert len(distinct) == len(users)
    assert len(receiver.requests) - len(distinct) <= 1  # at most the one in flight at the kill


class _Peers:
    """aiosmtpd handler: the client address (one per TCP connection) of every message accepted."""

    def __init__(self) -> None:
        self.peers: list = []
        self.recipients: list = []

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted"


def test_one_smtp_connection_carries_a_whole_delivery_batch(client, headers, clean_db, delivery_settings):
    papers = _papers(clean_db, 2)
    handler = _Peers()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        settings = delivery_settings.replace(smtp_url=f"smtp://127.0.0.1:{smtp.port}")
        users = [f"reader{i}" for i in range(4)]
        for user in users:
            assert client.put(f"/v1/users/{user}", json={"email": f"{user}@example.org"},
                              headers=headers["write"]).status_code == 201
            confirm_email(clean_db, user)
            assert client.put(f"/v1/users/{user}/subscriptions/now", json={"kind": "instant", "channel": "email"},
                              headers=headers["write"]).status_code == 201
            _alert(clean_db, user, "now", papers, channel="email")
        result = outbox.deliver_due(clean_db, settings, build_channels(settings))
    finally:
        smtp.stop()
    assert result["delivered"] == 4, result  # one email per user (both papers in it)
    assert sorted(handler.recipients) == [f"{u}@example.org" for u in users]
    assert len(set(handler.peers)) == 1  # and all four over one connection
