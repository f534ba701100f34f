"""The receiver snippets of docs/clients.md (examples/webhooks/receiver.py and receiver.ts, run as they are)
verify real deliveries from the outbox, refuse stale, altered and unsigned ones, drop repeats, and keep
verifying across a secret rotation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from infra.embedded import free_port
from services.alerts import outbox, signing
from services.alerts.channels import build_channels
from services.app import create_app
from tests.helpers import REPO, wait_until
from tests.integration.test_alert_delivery import _alert, _papers, _rows

pytestmark = pytest.mark.slow

EXAMPLES = REPO / "examples" / "webhooks"
TS_BIN = REPO / "clients" / "typescript" / "node_modules"


@pytest.fixture(scope="module")
def compiled_ts(tmp_path_factory) -> str:
    """receiver.ts compiled with the SDK's pinned TypeScript (`make clients-deps` installs it)."""
    tsc = TS_BIN / ".bin" / "tsc"
    if not tsc.exists() or shutil.which("node") is None:
        pytest.fail(f"{tsc} or node is missing: run `make clients-deps`")
    out = tmp_path_factory.mktemp("receiver-ts")
    done = subprocess.run([str(tsc), str(EXAMPLES / "receiver.ts"), "--outDir", str(out), "--strict",
                           "--target", "es2022", "--module", "commonjs", "--typeRoots", str(TS_BIN / "@types"),
                           "--types", "node"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return str(out / "receiver.js")


@dataclass
class Running:
    proc: subprocess.Popen
    port: int
    lines: list[dict] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def accepted(self) -> list[dict]:
        return [line for line in self.lines if "id" in line]


@pytest.fixture
def start_receiver(compiled_ts) -> Iterator:
    started: list[Running] = []

    def start(language: str, secret: str, port: int) -> Running:
        argv = [sys.executable, str(EXAMPLES / "receiver.py"), str(port)] if language == "python" \
            else ["node", compiled_ts, str(port)]
        proc = subprocess.Popen(argv, env={"PAPERFEED_WEBHOOK_SECRET": secret, "PATH": "/usr/bin:/bin"},
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        running = Running(proc, port)

        def collect() -> None:
            for line in proc.stdout:
                running.lines.append(json.loads(line))

        threading.Thread(target=collect, daemon=True).start()
        started.append(running)
        wait_until(lambda: _listening(port), timeout=20, message=f"{language} receiver listening")
        return running

    yield start
    for running in started:
        running.proc.terminate()
        running.proc.wait(10)


def _listening(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def _post(url: str, headers: dict[str, str], body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json",
                                                                            **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def hook_settings(settings, tmp_path):
    return settings.replace(artifact_dir=tmp_path / "artifacts", webhook_allow_private=True, webhook_ports="any",
                            alert_retry_base_seconds=0.0, webhook_secret_grace_seconds=3600)


@pytest.fixture
def client(hook_settings, clean_db):
    return create_app(hook_settings, db=clean_db).test_client()


def _subscribe(client, headers, user: str, url: str) -> dict:
    response = client.put(f"/v1/users/{user}/subscriptions/hook", headers=headers["write"],
                          json={"kind": "instant", "channel": "webhook", "webhook_url": url})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("language", ["python", "typescript"])
def test_receiver_verifies_real_deliveries_and_refuses_replays(language, client, headers, clean_db,
                                                               hook_settings, start_receiver):
    port = free_port()
    saved = _subscribe(client, headers, "rex", f"http://127.0.0.1:{port}/hook")
    assert saved["webhook_signing_secret"] == signing.standard_secret(saved["webhook_secret"])
    receiver = start_receiver(language, saved["webhook_signing_secret"], port)
    papers = _papers(clean_db, 2, prefix=f"{language}-")
    _alert(clean_db, "rex", "hook", papers)
    result = outbox.deliver_due(clean_db, hook_settings, build_channels(hook_settings))
    assert result["delivered"] == 1, result
    wait_until(receiver.accepted, timeout=10, message="the receiver's record of the delivery")
    [accepted] = receiver.accepted()
    assert sorted(accepted["papers"]) == sorted(papers)
    assert {r["status"] for r in _rows(clean_db)} == {"delivered"}

    secret = saved["webhook_secret"]
    body = json.dumps({"delivery_id": "d-1", "items": [{"paper": {"id": "x"}}]}).encode()
    now = int(time.time())
    fresh = {k: v for k, v in signing.headers([secret], "d-1", now, body).items()}
    assert _post(receiver.url, fresh, body) == 204
    assert _post(receiver.url, fresh, body) == 204  # a repeat (same webhook-id) is acknowledged ...
    wait_until(lambda: len(receiver.accepted()) == 2, timeout=10, message="the fresh delivery recorded")
    time.sleep(0.3)
    assert [a["id"] for a in receiver.accepted()] == [accepted["id"], "d-1"]  # ... and handled once
    stale = signing.headers([secret], "d-2", now - 600, body)  # correctly signed, ten minutes old
    assert _post(receiver.url, stale, body) == 400
    assert _post(receiver.url, fresh, body.replace(b"x", b"y")) == 400  # altered body
    assert _post(receiver.url, signing.headers(["another-secret"], "d-3", now, body), body) == 400
    assert _post(receiver.url, {"X-Paperfeed-Delivery": "d-4"}, body) == 400  # unsigned
    assert len(receiver.accepted()) == 2


def test_receivers_keep_verifying_across_a_secret_rotation(client, headers, clean_db, hook_settings,
                                                           start_receiver):
    port_old = free_port()
    saved = _subscribe(client, headers, "rosa", f"http://127.0.0.1:{port_old}/hook")
    old = start_receiver("python", saved["webhook_signing_secret"], port_old)
    rotated = client.post("/v1/users/rosa/subscriptions/hook/rotate-secret", headers=headers["write"])
    assert rotated.status_code == 200, rotated.get_json()
    fresh = rotated.get_json()
    assert fresh["webhook_secret"] != saved["webhook_secret"] and fresh["webhook_secret_previous_until"]
    channels = build_channels(hook_settings)

    # During the grace period a receiver still holding the old secret verifies ...
    _alert(clean_db, "rosa", "hook", _papers(clean_db, 1, prefix="r1-"))
    assert outbox.deliver_due(clean_db, hook_settings, channels)["delivered"] == 1
    wait_until(old.accepted, timeout=10, message="the old-secret receiver accepting")
    # ... and so does one that has switched to the new secret (same URL, other receiver).
    old.proc.terminate()
    old.proc.wait(10)
    new = start_receiver("typescript", fresh["webhook_signing_secret"], port_old)
    _alert(clean_db, "rosa", "hook", _papers(clean_db, 1, prefix="r2-"))
    assert outbox.deliver_due(clean_db, hook_settings, channels)["delivered"] == 1
    wait_until(new.accepted, timeout=10, message="the new-secret receiver accepting")

    # A rotation without grace: the previous secret stops verifying at once.
    no_grace = hook_settings.replace(webhook_secret_grace_seconds=0)
    client_no_grace = create_app(no_grace, db=clean_db).test_client()
    assert client_no_grace.post("/v1/users/rosa/subscriptions/hook/rotate-secret",
                                headers=headers["write"]).status_code == 200
    _alert(clean_db, "rosa", "hook", _papers(clean_db, 1, prefix="r3-"))
    result = outbox.deliver_due(clean_db, no_grace, build_channels(no_grace))
    assert result["delivered"] == 0 and result["failed"] == 1  # the receiver's 400 is final
    assert len(new.accepted()) == 1
    # Rotation is for webhook subscriptions of this user only.
    assert client.post("/v1/users/rosa/subscriptions/nope/rotate-secret", headers=headers["write"]).status_code == 404
