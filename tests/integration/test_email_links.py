"""Email people can act on, end to end over HTTP: double opt-in through the emailed link, then a real digest
received by the SMTP test server whose every link opens without credentials (no 4xx, no API path)."""

from __future__ import annotations

import datetime as dt
import html.parser
import http.server
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.serving import make_server

from infra.embedded import free_port
from services.alerts import digests, outbox
from services.alerts.channels import build_channels
from services.alerts.mailsink import MailSink, recent_messages
from services.app import create_app
from services.store import papers as papers_store

pytestmark = pytest.mark.slow


class Hrefs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.links += [value for name, value in attrs if tag == "a" and name == "href" and value]


def links_in(mail: dict) -> set[str]:
    parser = Hrefs()
    parser.feed(mail["html"])
    return set(parser.links) | set(re.findall(r"https?://\S+", mail["text"]))


class PaperSite(http.server.ThreadingHTTPServer):
    """Stands in for the papers' own sites and the arXiv abstract pages (no internet in tests)."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200 if self.path.startswith(("/abs/", "/own/")) else 404)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def world(settings, clean_db, tmp_path) -> Iterator[dict]:
    site, sink = PaperSite(), MailSink(tmp_path / "mail").start()
    port = free_port()
    app_settings = settings.replace(
        public_base_url=f"http://127.0.0.1:{port}", smtp_url=f"smtp://127.0.0.1:{sink.port}",
        paper_url_template=f"{site.base}/abs/{{arxiv_id}}", artifact_dir=tmp_path / "artifacts")
    httpd = make_server("127.0.0.1", port, create_app(app_settings, db=clean_db), threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield {"base": app_settings.base_url, "settings": app_settings, "sink": sink, "site": site}
    httpd.shutdown()
    sink.stop()
    site.shutdown()


def call(url: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def api(world, method: str, path: str, key: str, json_body: str | None = None) -> tuple[int, str]:
    return call(world["base"] + path, method, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                json_body.encode() if json_body is not None else None)


def mails(world) -> list[dict]:
    return recent_messages(world["sink"].maildir, offset=0, limit=50)


def test_double_opt_in_then_every_digest_link_opens_without_credentials(world, clean_db, headers):
    key = headers["write"]["Authorization"].split()[1]
    assert api(world, "PUT", "/v1/users/mia", key, '{"email": "mia@example.org", "name": "Mia"}')[0] == 201
    status, body = api(world, "PUT", "/v1/users/mia/subscriptions/daily", key, '{"kind":"digest","channel":"email"}')
    assert status == 422 and "not confirmed" in body

    # Double opt-in: one email with one expiring link; its GET is a page, its button confirms.
    status, body = api(world, "POST", "/v1/users/mia/email/confirmation", key)
    assert status == 202 and '"sent"' in body
    assert api(world, "POST", "/v1/users/mia/email/confirmation", key)[0] == 422  # throttled
    [confirmation] = mails(world)
    assert confirmation["to"] == "Mia <mia@example.org>"
    [link] = [u for u in links_in(confirmation) if "/email/confirm" in u]
    assert call(link)[0] == 200
    assert '"email_confirmed": false' in api(world, "GET", "/v1/users/mia", key)[1].replace('":false', '": false')
    status, body = call(link, "POST", {"Accept": "text/html"})
    assert status == 200 and "mia@example.org" in body
    assert '"email_confirmed":true' in api(world, "GET", "/v1/users/mia", key)[1].replace(" ", "")

    # A changed address is unconfirmed again, and the old link cannot confirm it.
    api(world, "PUT", "/v1/users/mia", key, '{"email": "mia@new.example", "name": "Mia"}')
    assert '"email_confirmed":false' in api(world, "GET", "/v1/users/mia", key)[1].replace(" ", "")
    assert call(link, "POST")[0] == 422
    with clean_db.connection() as conn:  # skip the one-minute resend throttle of this test's user
        conn.execute("UPDATE users SET email_confirmation_sent_at = NULL WHERE id = 'mia'")
    assert api(world, "POST", "/v1/users/mia/email/confirmation", key)[0] == 202
    newest = mails(world)[0]
    assert "mia@new.example" in newest["to"]
    [link] = [u for u in links_in(newest) if "/email/confirm" in u]
    assert call(link, "POST")[0] == 200
    status, _ = api(world, "PUT", "/v1/users/mia/subscriptions/daily", key, '{"kind":"digest","channel":"email"}')
    assert status == 201

    # A real digest: papers with their own URL, with an arXiv id only, and with neither.
    site = world["site"].base
    with clean_db.connection() as conn:
        papers_store.upsert_many(conn, [
            {"id": "2606.15956", "title": "An arXiv paper without a URL", "abstract": "a", "categories": ["cs.LG"]},
            {"id": "own-1", "title": "A paper with its own page", "abstract": "a", "url": f"{site}/own/1"},
            {"id": "internal-2", "title": "A paper with nowhere public to link", "abstract": "a"},
        ])
    settings = world["settings"]
    now = dt.datetime.now(dt.UTC).replace(hour=9)
    assert digests.compose_due(clean_db, settings, now=now)["alerts"] == 3
    assert outbox.deliver_due(clean_db, settings, build_channels(settings))["delivered"] == 1
    digest = mails(world)[0]
    assert "digest" in digest["subject"]
    found = links_in(digest)
    raw = message_from_bytes(max((p for p in world["sink"].maildir.glob("*/*") if p.is_file()),
                                 key=lambda p: p.stat().st_mtime).read_bytes(), policy=policy.default)
    one_click = re.fullmatch(r"<([^>]+)>", raw["List-Unsubscribe"]).group(1)
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    found.add(one_click)
    assert f"{site}/abs/2606.15956" in found and f"{site}/own/1" in found  # the template, the paper's own
    assert any("/subscriptions/manage?" in u for u in found) and any("/unsubscribe?" in u for u in found)
    assert not [u for u in found if "/v1/" in u]  # never an authenticated API path
    assert "A paper with nowhere public to link" in digest["text"]
    for url in sorted(found):  # no credentials at all
        status, _ = call(url)
        assert status < 400, (url, status)

    # The manage page lists the subscription with its own one-click button, and that button works.
    manage = next(u for u in found if "/subscriptions/manage?" in u)
    page = call(manage)[1]
    assert 'data-subscription="daily"' in page
    button = re.search(r'<form method="post" action="([^"]+)"', page).group(1).replace("&amp;", "&")
    status, _ = call(button, "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                     b"List-Unsubscribe=One-Click")
    assert status == 200
    assert '"enabled":false' in api(world, "GET", "/v1/users/mia/subscriptions/daily", key)[1].replace(" ", "")
    token = parse_qs(urlsplit(manage).query)["token"][0]
    assert call(world["base"] + "/subscriptions/manage?token=" + token[:-3] + "abc")[0] == 422


def test_deliveries_to_an_address_changed_since_subscribing_stop(world, clean_db, headers):
    from tests.helpers import confirm_email
    from tests.integration.test_alert_delivery import _alert, _papers

    key = headers["write"]["Authorization"].split()[1]
    api(world, "PUT", "/v1/users/ned", key, '{"email": "ned@example.org"}')
    confirm_email(clean_db, "ned")
    assert api(world, "PUT", "/v1/users/ned/subscriptions/s", key, '{"kind":"instant","channel":"email"}')[0] == 201
    api(world, "PUT", "/v1/users/ned", key, '{"email": "someone-else@example.org"}')
    _alert(clean_db, "ned", "s", _papers(clean_db, 1), channel="email")
    settings = world["settings"]
    result = outbox.deliver_due(clean_db, settings, build_channels(settings))
    assert result["delivered"] == 0 and result["failed"] == 1
    assert not mails(world)
    with clean_db.connection() as conn:
        [row] = conn.execute("SELECT status, last_error FROM alerts").fetchall()
    assert row["status"] == "failed" and "not confirmed" in row["last_error"]
