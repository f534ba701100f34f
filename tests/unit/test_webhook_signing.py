"""Webhook signatures: the Standard Webhooks reference library verifies ours; rotation signs with both."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from services.alerts import signing
from services.alerts.channels.webhook import signing_secrets, verify_signature

BODY = b'{"delivery_id":"d1","items":[]}'


def test_the_reference_library_verifies_our_headers_and_refuses_stale_ones():
    secret = "a3f0" * 16
    now = int(time.time())
    headers = signing.headers([secret], "d1", now, BODY)
    assert Webhook(signing.standard_secret(secret)).verify(BODY, headers) == {"delivery_id": "d1", "items": []}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.standard_secret(secret)).verify(BODY, signing.headers([secret], "d1", now - 600, BODY))
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.standard_secret("b" * 64)).verify(BODY, headers)


def test_both_secrets_sign_during_a_rotation_and_each_verifies():
    new, old = "n" * 64, "o" * 64
    headers = signing.headers([new, old], "d1", int(time.time()), BODY)
    assert len(headers["webhook-signature"].split()) == 2
    for secret in (new, old):
        Webhook(signing.standard_secret(secret)).verify(BODY, headers)
        assert verify_signature(secret, BODY, headers["X-Paperfeed-Signature"])
    assert not verify_signature("x" * 64, BODY, headers["X-Paperfeed-Signature"])


def test_the_previous_secret_signs_only_until_its_grace_ends():
    now = dt.datetime.now(dt.UTC)
    sub = {"webhook_secret": "new", "webhook_secret_previous": "old",
           "webhook_secret_previous_until": now + dt.timedelta(minutes=5)}
    assert signing_secrets(sub, now) == ["new", "old"]
    assert signing_secrets(sub, now + dt.timedelta(minutes=6)) == ["new"]
    assert signing_secrets({"webhook_secret": "only"}, now) == ["only"]


def test_the_standard_secret_is_the_key_in_base64():
    assert signing.standard_secret("key") == "whsec_a2V5"
