"""Alert channels without I/O: email composition, webhook signing and payload, the SSRF guard,
unsubscribe tokens, SMTP_URL parsing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from services.alerts import links, netguard, unsubscribe
from services.alerts.channels import AlertItem, DeliveryError, Message, Recipient, build_channels, webhook
from services.alerts.channels.email import EmailChannel, parse_smtp_url
from services.config import Settings

SECRET = "s" * 32
SETTINGS = Settings(secret_key=SECRET, public_base_url="https://paperfeed.example")


def _message(kind: str = "instant", *, email: str | None = "ann@example.org", title: str = "Attention",
             url: str | None = "https://arxiv.org/abs/2401.00001", **subscription: object) -> Message:
    paper = {"id": "2401.00001", "title": title, "abstract": "A.", "authors": ["Ann Lee", "Bo Chen"],
             "categories": ["cs.LG"], "url": url, "published_at": dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)}
    reasons = [{"kind": "content", "detail": "close to your interest in “Transformers”", "paper_id": "p0"}]
    return Message(
        delivery_id="5f0c6a8e-1111-4222-8333-944455556666",
        kind=kind,
        subscription={"id": "sub-1", "kind": kind, "channel": "email", **subscription},
        recipient=Recipient(user_id="u-1", email=email, name="Ann Lee", timezone="Europe/Paris"),
        items=[AlertItem(alert_id=7, paper=paper, score=0.8, reasons=reasons)],
        unsubscribe_url="https://paperfeed.example/unsubscribe?token=abc.def",
        period="2026-11-27" if kind == "digest" else None,
    )


# --- email composition ---------------------------------------------------------------------------

def test_email_has_plain_and_html_parts_and_the_headers():
    email = EmailChannel(SETTINGS).compose(_message())
    assert email.get_content_type() == "multipart/alternative"
    plain = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    for part in (plain, html):
        assert "Attention" in part and "https://arxiv.org/abs/2401.00001" in part
        assert "Ann Lee, Bo Chen" in part
        assert "close to your interest in “Transformers”" in part
        assert "https://paperfeed.example/unsubscribe?token=abc.def" in part
    assert email["Subject"] == "1 new paper for you"
    assert email["From"] == SETTINGS.smtp_from
    assert email["To"] == "Ann Lee <ann@example.org>"
    assert email["Message-ID"] == "<5f0c6a8e-1111-4222-8333-944455556666@paperfeed>"
    assert email["X-Paperfeed-Delivery"] == "5f0c6a8e-1111-4222-8333-944455556666"
    assert email["List-Unsubscribe"] == "<https://paperfeed.example/unsubscribe?token=abc.def>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email["Date"].datetime.tzinfo is not None


def test_message_id_is_the_same_on_a_retry():
    channel = EmailChannel(SETTINGS)
    assert channel.compose(_message())["Message-ID"] == channel.compose(_message())["Message-ID"]


def test_html_part_escapes_titles_but_the_text_part_keeps_them_verbatim():
    email = EmailChannel(SETTINGS).compose(_message(title='<script>alert("x")</script> & more'))
    html = email.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in html
    assert '<script>alert("x")</script> & more' in email.get_body(("plain",)).get_content()


def test_unsafe_or_missing_paper_urls_link_to_the_template_never_to_the_api():
    channel = EmailChannel(SETTINGS)
    for url in (None, "javascript:alert(1)", "data:text/html,hi"):
        email = channel.compose(_message(url=url))
        html, plain = email.get_body(("html",)).get_content(), email.get_body(("plain",)).get_content()
        assert 'href="https://arxiv.org/abs/2401.00001"' in html  # PAPER_URL_TEMPLATE's default
        assert "javascript:" not in html and "data:text" not in html
        assert "/v1/" not in html and "/v1/" not in plain


def test_paper_links_follow_the_template_and_skip_what_it_cannot_name():
    arxiv = "https://arxiv.org/abs/{arxiv_id}"
    assert links.paper_link({"id": "arXiv:2606.15956v2", "url": None}, arxiv) == "https://arxiv.org/abs/2606.15956v2"
    assert links.paper_link({"id": "doi-10.1/x", "url": None}, arxiv) is None  # not an arXiv id: no link
    assert links.paper_link({"id": "doi-10.1/x", "url": "ftp://x"}, "https://lib.example/p/{id}") == \
        "https://lib.example/p/doi-10.1%2Fx"
    assert links.paper_link({"id": "2606.15956", "url": "https://own.example/p"}, arxiv) == "https://own.example/p"
    channel = EmailChannel(SETTINGS)
    message = _message(url=None)
    message = dataclasses.replace(message, items=[dataclasses.replace(
        message.items[0], paper={**message.items[0].paper, "id": "internal-7"})], manage_url="https://m.example/x")
    email = channel.compose(message)
    html = email.get_body(("html",)).get_content()
    assert "<span style=\"font-weight: 600;\">Attention</span>" in html and "internal-7" not in html
    for part in (html, email.get_body(("plain",)).get_content()):
        assert "https://m.example/x" in part  # manage subscriptions, in every email


def test_manage_and_confirmation_links_are_signed_and_confirmation_expires():
    settings = SETTINGS.replace(email_confirm_ttl_seconds=60)
    manage = links.manage_url(settings, "u-1")
    assert manage.startswith("https://paperfeed.example/subscriptions/manage?token=")
    token = parse_qs(urlsplit(manage).query)["token"][0]
    assert links.read_manage_token(SECRET, token) == "u-1"
    with pytest.raises(links.InvalidLink):
        links.read_manage_token(SECRET, token[:-2] + "xx")
    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):  # a manage token unsubscribes nothing
        unsubscribe.read_token(SECRET, token)
    confirm = parse_qs(urlsplit(links.confirm_url(settings, "u-1", "ann@example.org")).query)["token"][0]
    assert links.read_confirm_token(SECRET, confirm, 60) == ("u-1", "ann@example.org")
    with pytest.raises(links.InvalidLink, match="expired"):
        links.read_confirm_token(SECRET, confirm, -1)


@pytest.mark.parametrize(("kind", "subscription", "subject"), [
    ("digest", {"frequency": "daily"}, "Your daily Paperfeed digest: 1 new paper"),
    ("digest", {"frequency": "weekly"}, "Your weekly Paperfeed digest: 1 new paper"),
    ("author", {"author": "Yann\r\nBcc: evil@example.org"}, "1 new paper by Yann Bcc: evil@example.org"),
    ("category", {"category": "cs.CL"}, "1 new paper in cs.CL"),
    ("query", {"query": "diffusion"}, "1 new paper matching “diffusion”"),
])
def test_subjects_say_what_the_subscription_is_and_stay_one_line(kind, subscription, subject):
    email = EmailChannel(SETTINGS).compose(_message(kind, **subscription))
    assert email["Subject"] == subject
    assert "Bcc" not in email


def test_a_recipient_without_email_is_a_permanent_failure():
    with pytest.raises(DeliveryError) as caught:
        EmailChannel(SETTINGS).send(_message(email=None))
    assert caught.value.retryable is False


def test_unset_smtp_url_is_retryable():
    with pytest.raises(DeliveryError, match="SMTP_URL is not set") as caught:
        EmailChannel(SETTINGS.replace(smtp_url=None)).send(_message())
    assert caught.value.retryable is True


def test_smtp_url_forms():
    plain = parse_smtp_url("smtp://mail.example.org")
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls, plain.username) == (
        "mail.example.org", 25, False, False, None)
    tls = parse_smtp_url("smtp://u%40x:p%3Aw@mail.example.org:587?starttls=true")
    assert (tls.port, tls.starttls, tls.username, tls.password) == (587, True, "u@x", "p:w")
    implicit = parse_smtp_url("smtps://mail.example.org")
    assert (implicit.port, implicit.implicit_tls, implicit.starttls) == (465, True, False)
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example.org")


def test_registry_names_the_channels():
    channels = build_channels(SETTINGS)
    assert set(channels) == {"email", "webhook"}
    assert all(channel.name == name for name, channel in channels.items())


# --- webhook signing and payload -----------------------------------------------------------------

def test_signature_matches_rfc_4231_test_case_2():
    # RFC 4231 §4.3: HMAC-SHA-256 with key "Jefe" over "what do ya want for nothing?".
    expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert webhook.sign("Jefe", b"what do ya want for nothing?") == expected
    assert webhook.verify_signature("Jefe", b"what do ya want for nothing?", expected)


def test_verify_signature_rejects_other_bodies_secrets_and_garbage():
    body = b'{"a":1}'
    header = webhook.sign("k1", body)
    assert webhook.verify_signature("k1", body, header)
    assert not webhook.verify_signature("k2", body, header)
    assert not webhook.verify_signature("k1", b'{"a":2}', header)
    assert not webhook.verify_signature("k1", body, header.replace("sha256=", "sha1="))
    assert not webhook.verify_signature("k1", body, "")
    assert not webhook.verify_signature("k1", body, "sha256=é")


def test_new_secrets_are_long_and_distinct():
    secrets = {webhook.new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(len(s) >= 40 for s in secrets)


def test_payload_shape():
    message = _message("digest", webhook_url="https://hooks.example/x", webhook_secret="k")
    sent = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    document = json.loads(webhook.payload(message, sent_at=sent))
    assert document == {
        "delivery_id": message.delivery_id, "subscription_id": "sub-1", "user_id": "u-1",
        "kind": "digest", "period": "2026-11-27", "sent_at": "2026-11-27T08:00:00+00:00",
        "items": [{"alert_id": 7, "score": 0.8, "reasons": message.items[0].reasons,
                   "paper": {**message.items[0].paper, "published_at": "2026-11-26T08:00:00+00:00"}}],
    }


def test_payload_encodes_database_types_and_refuses_the_rest():
    message = _message(webhook_url="https://hooks.example/x", webhook_secret="k")
    paper = {**message.items[0].paper, "uid": uuid.UUID(int=1), "rank": decimal.Decimal("0.5")}
    item = AlertItem(alert_id=1, paper=paper, score=None, reasons=[])
    document = json.loads(webhook.payload(dataclasses.replace(message, items=[item])))
    assert document["items"][0]["paper"]["uid"] == "00000000-0000-0000-0000-000000000001"
    assert document["items"][0]["paper"]["rank"] == 0.5
    with pytest.raises(TypeError):
        webhook.payload(dataclasses.replace(message, items=[AlertItem(1, {"x": object()}, None, [])]))


# --- SSRF guard --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://127.8.9.10/", "http://localhost:8080/hook", "http://[::1]/",
    "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/", "http://[fc00::1]/", "http://0.0.0.0/", "http://224.0.0.1/", "http://239.1.2.3/",
    "http://240.0.0.1/", "http://100.64.0.1/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::a00:1]/", "http://[2002:7f00:1::1]/", "http://[::]/",
])
def test_internal_addresses_are_refused(url):
    with pytest.raises(ValueError, match="webhooks may only point at public addresses"):
        netguard.check_webhook_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.1.2.3/", "http://[::1]:8080/x"])
def test_internal_addresses_pass_when_allowed(url):
    netguard.check_webhook_url(url, allow_private=True, ports=None)


@pytest.mark.parametrize("url", ["https://8.8.8.8/hook", "http://[2606:4700:4700::1111]:8443/x?y=1",
                                 "http://[::ffff:8.8.8.8]/"])
def test_public_addresses_pass(url):
    netguard.check_webhook_url(url, allow_private=False)


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://8.8.8.8/", "http:// or https://"),
    ("file:///etc/passwd", "http:// or https://"),
    ("8.8.8.8/hook", "http:// or https://"),
    ("http:///hook", "must have a host"),
    ("http://user:pw@8.8.8.8/", "credentials"),
    ("http://user@8.8.8.8/", "credentials"),
    ("http://8.8.8.8:99999/", "malformed"),
    ("https://8.8.8.8/" + "a" * 2000, "longer than 2000"),
])
def test_malformed_urls_are_refused_even_when_private_is_allowed(url, message):
    with pytest.raises(ValueError, match=message):
        netguard.check_webhook_url(url, allow_private=True, ports=None)


def test_every_resolved_address_must_be_public():
    assert netguard.forbidden_reason(netguard.ipaddress.ip_address("8.8.8.8")) is None
    assert netguard.forbidden_reason(netguard.ipaddress.ip_address("::ffff:192.168.0.1")).startswith("private")


# --- unsubscribe tokens ------------------------------------------------------------------------

CREATED = dt.datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)


def test_token_round_trip_and_url():
    token = unsubscribe.make_token(SECRET, "user-1", "sub-9", CREATED)
    target = unsubscribe.read_token(SECRET, token)
    assert (target.user_id, target.subscription_id) == ("user-1", "sub-9") and target.matches(CREATED)
    url = unsubscribe.unsubscribe_url(SETTINGS, "user-1", "sub-9", CREATED)
    assert url.startswith("https://paperfeed.example/unsubscribe?token=")
    assert unsubscribe.read_token(SECRET, url.split("token=", 1)[1]) == target


def test_a_token_names_only_the_subscription_created_when_it_was_sent():
    target = unsubscribe.read_token(SECRET, unsubscribe.make_token(SECRET, "user-1", "sub-9", CREATED))
    assert not target.matches(CREATED + dt.timedelta(microseconds=1))
    assert not target.matches(CREATED + dt.timedelta(days=30))


def test_tampered_or_foreign_tokens_are_refused():
    token = unsubscribe.make_token(SECRET, "user-1", "sub-9", CREATED)
    payload, _, signature = token.rpartition(".")
    forged = unsubscribe.make_token(SECRET, "user-2", "sub-9", CREATED).rpartition(".")[0] + "." + signature
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_salt = unsubscribe.URLSafeSerializer(SECRET, salt="something-else").dumps(["user-1", "sub-9", 1])
    # A link of the old format (user, subscription) bound to no creation instant.
    unbound = unsubscribe.URLSafeSerializer(SECRET, salt=unsubscribe.SALT).dumps(["user-1", "sub-9"])
    for bad in (forged, flipped, other_salt, unbound, "", "garbage", payload):
        with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
            unsubscribe.read_token(SECRET, bad)
    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
        unsubscribe.read_token("another-secret-key-123", token)


# --- which mail the dashboard may show ---------------------------------------------------------

def test_local_sink_is_recognised_from_smtp_url_and_port():
    from services.alerts import mailsink

    assert mailsink.uses_local_sink(Settings(smtp_url=None))
    # What `paperfeed up` gives its children when the sink had to move to another port.
    assert mailsink.uses_local_sink(Settings(smtp_url="smtp://127.0.0.1:40125", mail_sink_port=40125))
    assert not mailsink.uses_local_sink(Settings(smtp_url="smtp://127.0.0.1:40125"))
    assert not mailsink.uses_local_sink(Settings(smtp_url="smtps://mail.example.org"))
