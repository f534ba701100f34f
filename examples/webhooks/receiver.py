"""A Paperfeed webhook receiver in Python (standard library only): verify, refuse stale, drop repeats.

Paperfeed signs deliveries the Standard Webhooks way (https://www.standardwebhooks.com):
``webhook-signature`` holds ``v1,<base64 HMAC-SHA256>`` entries over ``"{webhook-id}.{webhook-timestamp}.{body}"``
keyed with your subscription's ``webhook_signing_secret`` (``whsec_<base64 key>``). The timestamp is signed,
so refusing old ones stops a captured delivery from being replayed later; ``webhook-id`` is the same on
every retry of one delivery, so remembering it drops repeats.

Run: ``PAPERFEED_WEBHOOK_SECRET=whsec_... python receiver.py 8080``
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60  # refuse deliveries signed longer ago (or further ahead) than this


class InvalidWebhook(Exception):
    """The delivery is not from Paperfeed, was altered, or is too old to accept."""


def verify(secret: str, headers, body: bytes, now: float | None = None) -> dict:
    """The delivery's JSON if it is signed with ``secret`` and fresh; raises InvalidWebhook otherwise."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, timestamp = headers.get("webhook-id"), headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise InvalidWebhook("missing webhook-id, webhook-timestamp or webhook-signature")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise InvalidWebhook("timestamp missing, too old or too far ahead")
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise InvalidWebhook("no valid signature")


def serve(port: int, secret: str) -> None:
    seen: set[str] = set()  # use your database in production: ids must outlive a restart

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                delivery = verify(secret, self.headers, body)
            except (InvalidWebhook, ValueError) as exc:
                print(json.dumps({"rejected": str(exc)}), file=sys.stderr, flush=True)
                self.send_response(400)
                self.end_headers()
                return
            if self.headers["webhook-id"] not in seen:  # a retry of a delivery already handled: skip it
                seen.add(self.headers["webhook-id"])
                print(json.dumps({"id": self.headers["webhook-id"], "papers": [
                    item["paper"]["id"] for item in delivery["items"]]}), flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8080, os.environ["PAPERFEED_WEBHOOK_SECRET"])
