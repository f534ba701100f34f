"""The worker's pool process killed while a webhook delivery is provably in flight: the task is
redelivered (acks_late + reject_on_worker_lost), the sweeper (real beat) hands the dead worker's
'sending' rows back, and every alert ends delivered, one row each, never under a second id.

Delivery is at least once on the wire, by design (services/alerts/outbox.py): the request the kill
interrupted had reached the receiver, and it is sent again after recovery with the same
X-Paperfeed-Delivery id and the same alerts, so a receiver that keeps the ids it has seen drops the
repeat. Every delivery that was not in flight at the kill (webhook and email alike) is sent exactly
once. The receiver answers a little slowly, so the recovery batch outlasts the short sending lease the
test uses while beat sweeps every second: the situation of a busy production worker whose batch of
200 slow deliveries outlasts ALERT_SENDING_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy

import psutil
import pytest

from services.alerts.channels.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, verify_signature
from services.alerts.mailsink import MailSink
from services.app import create_app
from services.store import alerts as alerts_store
from services.store import jobs
from services.store import papers as papers_store
from tests.faults.processes import celery_worker, pool_processes, stop_group
from tests.helpers import PAPERFEED, REPO, HttpReceiver, cli_env, confirm_email, wait_until
from workers.app import create_celery

WEBHOOK_USERS, EMAIL_USERS, PAPERS_PER_ALERT = 12, 4, 2
WORKERS = 2  # a deployment's workers: the sweep runs beside a delivery batch, as it does in production
SENDING_TIMEOUT_SECONDS = 2.0  # the lease a dead worker's rows wait out before the sweeper frees them
RECEIVER_DELAY_SECONDS = 0.25  # 16 deliveries ≈ 4 s: longer than the lease


class HoldingReceiver(HttpReceiver):
    """A webhook receiver that deduplicates by delivery id, as the channel's contract asks receivers to.

    It checks each request's signature, records it on arrival (a repeat of a delivery id it has seen is
    recorded as dropped), holds the very first request open until ``release`` is set, and answers every
    other one with 200 after ``delay`` seconds."""

    def __init__(self, secrets_by_user: dict[str, str], delay: float) -> None:
        self.secrets_by_user = secrets_by_user
        self.delay = delay
        self.holding = threading.Event()
        self.release = threading.Event()
        self.requests: list[dict] = []  # {delivery_id, alert_ids, signed, dropped, held}
        super().__init__()

    def on_post(self, headers, body: bytes) -> int:
        document = json.loads(body)
        delivery_id = headers[DELIVERY_HEADER]
        signed = verify_signature(self.secrets_by_user[document["user_id"]], body, headers[SIGNATURE_HEADER])
        with self.lock:
            held = not self.holding.is_set()
            self.requests.append({
                "delivery_id": delivery_id, "body_delivery_id": document["delivery_id"],
                "alert_ids": sorted(i["alert_id"] for i in document["items"]), "signed": signed,
                "dropped": any(r["delivery_id"] == delivery_id for r in self.requests), "held": held,
            })
            if held:
                self.holding.set()
        if held:
            self.release.wait(30)
        time.sleep(self.delay)
        return 200  # the held request's sender is dead by now: its answer goes nowhere

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.requests)


@contextlib.contextmanager
def celery_beat(settings, log) -> Iterator[subprocess.Popen]:
    """`paperfeed beat`: the one scheduler of a deployment, here sending only alerts.sweep."""
    with log.open("ab") as out:
        proc = subprocess.Popen([*PAPERFEED, "beat"], env=cli_env(settings), cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        stop_group(proc)


def _talks_to(process, port: int) -> bool:
    with contextlib.suppress(psutil.Error):
        return any(c.raddr and c.raddr.port == port for c in process.net_connections(kind="tcp"))
    return False


def _rows(db) -> list[dict]:
    with db.connection() as conn:
        return conn.execute("SELECT id, user_id, channel, status, delivery_id::text, attempts FROM alerts "
                            "ORDER BY id").fetchall()


def _job(db, task_id: str) -> dict | None:
    with db.connection() as conn:
        return jobs.get_by_task(conn, task_id)


def _setup_alerts(client, headers, db, hook_url: str) -> dict[str, str]:
    """Webhook and email subscriptions with alerts waiting in the outbox; returns webhook secrets."""
    paper_ids = [f"kd{i}" for i in range(PAPERS_PER_ALERT)]
    with db.connection() as conn:
        papers_store.upsert_many(conn, [{"id": pid, "title": f"Paper {pid} on sparse attention",
                                         "abstract": "We study attention.", "authors": ["Ann Lee"],
                                         "categories": ["cs.LG"]} for pid in paper_ids])
    secrets_by_user, alerts = {}, []
    for i in range(WEBHOOK_USERS + EMAIL_USERS):
        user, channel = (f"w{i}", "webhook") if i < WEBHOOK_USERS else (f"e{i}", "email")
        assert client.put(f"/v1/users/{user}", json={"email": f"{user}@example.org"},
                          headers=headers["write"]).status_code == 201
        confirm_email(db, user)
        body = {"kind": "instant", "channel": channel, **({"webhook_url": hook_url} if channel == "webhook" else {})}
        response = client.put(f"/v1/users/{user}/subscriptions/s", json=body, headers=headers["write"])
        assert response.status_code == 201, response.get_json()
        if channel == "webhook":
            secrets_by_user[user] = response.get_json()["webhook_secret"]
        alerts += [alerts_store.NewAlert(user, "s", pid, channel, 0.8,
                                         [{"kind": "matches_your_interests", "detail": "close to your interest"}])
                   for pid in paper_ids]
    with db.connection() as conn:
        assert alerts_store.insert_many(conn, alerts) == len(alerts)
    return secrets_by_user


def _mail_delivery_ids(maildir) -> list[str]:
    ids = []
    for path in sorted(p for p in maildir.glob("*/*") if p.is_file()):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert mail["Message-ID"] == f"<{mail['X-Paperfeed-Delivery']}@paperfeed>"
        ids.append(mail["X-Paperfeed-Delivery"])
    return ids


@pytest.mark.slow
def test_a_delivery_killed_in_flight_is_resent_under_its_id_and_nothing_else_doubles(
        fault_settings, private_redis, clean_db, headers, tmp_path):
    with MailSink(tmp_path / "mail") as sink:
        # Only the sweep is scheduled; every task runs on the one worker of this test's own Redis, so
        # the deliveries the sweep asks for (queue "default") reach it as they would in production.
        settings = fault_settings.replace(
            redis_url=private_redis.url, smtp_url=f"smtp://127.0.0.1:{sink.port}", webhook_allow_private=True, webhook_ports="any",
            alert_sending_timeout_seconds=SENDING_TIMEOUT_SECONDS, alert_retry_base_seconds=0.5,
            alert_sweep_every_seconds=1, alert_match_every_seconds=0, digest_every_seconds=0,
            catalogue_stats_every_seconds=0, embed_every_seconds=0, trending_every_seconds=0,
            retrain_every_seconds=0, prune_every_seconds=0, feed_precompute_every_seconds=0)
        receiver = HoldingReceiver({}, RECEIVER_DELAY_SECONDS)
        try:
            client = create_app(settings, db=clean_db).test_client()
            receiver.secrets_by_user.update(_setup_alerts(client, headers, clean_db, receiver.url))
            rows = _rows(clean_db)
            total = len(rows)
            assert total == (WEBHOOK_USERS + EMAIL_USERS) * PAPERS_PER_ALERT

            task_id = str(uuid.uuid4())
            with contextlib.ExitStack() as stack:
                workers = [stack.enter_context(celery_worker(settings, "default", tmp_path / f"worker{i}.log"))
                           for i in range(WORKERS)]
                for worker in workers:
                    wait_until(lambda w=worker: pool_processes(w), 60, message="the workers' pool processes")
                create_celery(settings).send_task("alerts.deliver", task_id=task_id)
                wait_until(receiver.holding.is_set, 60, message="a webhook delivery in flight")

                # The moment of the kill: one request is at the receiver, unanswered; its rows are in
                # 'sending'; most of the batch has not been sent. The victim is the pool process
                # connected to the receiver.
                [in_flight] = [r for r in receiver.snapshot() if r["held"]]
                [victim] = [p for w in workers for p in pool_processes(w) if _talks_to(p, receiver.server_address[1])]
                victim.send_signal(signal.SIGKILL)
                at_kill = _rows(clean_db)
                receiver.release.set()
                held_rows = [r for r in at_kill if r["delivery_id"] == in_flight["delivery_id"]]
                assert sorted(r["id"] for r in held_rows) == in_flight["alert_ids"]
                assert {r["status"] for r in held_rows} == {"sending"}
                assert sum(r["status"] == "delivered" for r in at_kill) < total - len(held_rows), \
                    "the batch finished before the kill: the test proves nothing"

                # The killed task is redelivered and finishes; beat's sweep frees the dead worker's rows.
                with celery_beat(settings, tmp_path / "beat.log"):
                    wait_until(lambda: all(r["status"] == "delivered" for r in _rows(clean_db)), 45, interval=0.3,
                               message="every alert delivered")
                    wait_until(lambda: (_job(clean_db, task_id) or {}).get("status") == "succeeded", 30,
                               message="the killed delivery task redelivered and finished")
                    time.sleep(SENDING_TIMEOUT_SECONDS + 1)  # room for a late repeat to show itself
                assert all(w.poll() is None for w in workers)
                assert victim.pid not in {q.pid for w in workers for q in pool_processes(w)}
        finally:
            receiver.shutdown()
        mail_ids = _mail_delivery_ids(sink.maildir)

    rows = _rows(clean_db)
    assert len(rows) == total and {r["status"] for r in rows} == {"delivered"}
    by_delivery: dict[str, list[int]] = {}
    for row in rows:
        by_delivery.setdefault(row["delivery_id"], []).append(row["id"])
    assert len(by_delivery) == WEBHOOK_USERS + EMAIL_USERS  # one delivery per subscription, kept on retry

    requests = receiver.snapshot()
    assert all(r["signed"] and r["body_delivery_id"] == r["delivery_id"] for r in requests)
    # Each webhook delivery reached the receiver under the id the database holds, with its alerts.
    webhook_rows = {d: ids for d, ids in by_delivery.items()
                    if next(r for r in rows if r["id"] == ids[0])["channel"] == "webhook"}
    assert all(r["alert_ids"] == webhook_rows[r["delivery_id"]] for r in requests)
    accepted = [r["delivery_id"] for r in requests if not r["dropped"]]
    assert sorted(accepted) == sorted(webhook_rows)
    # On the wire: the interrupted delivery once more (same id, same alerts: the receiver dropped it),
    # every other delivery exactly once.
    sent = Counter(r["delivery_id"] for r in requests)
    assert sent[in_flight["delivery_id"]] == 2, sent
    assert {d: n for d, n in sent.items() if d != in_flight["delivery_id"]} == dict.fromkeys(
        set(webhook_rows) - {in_flight["delivery_id"]}, 1), sent
    # Email: every delivery exactly once, Message-ID carrying the delivery id.
    email_deliveries = set(by_delivery) - set(webhook_rows)
    assert sorted(mail_ids) == sorted(email_deliveries)
