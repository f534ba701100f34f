"""The reference reader app (examples/reader) in real Chromium against a running service: sign in as a demo
reader, star two papers in different fields and see the feed change with reasons, dismiss one, page with the
cursor, read an alert, follow a category. The page is on its own origin and calls /v1/me through CORS."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from infra.embedded import free_port
from services.alerts import outbox
from services.store import alerts as alerts_store
from tests.helpers import REPO, wait_until
from tests.integration.test_webhook_receivers import _listening

pytestmark = pytest.mark.slow

READER = "demo-reader"


@pytest.fixture(scope="module")
def reader_port() -> int:
    return free_port()


@pytest.fixture
def e2e_settings(e2e_settings, reader_port):
    return e2e_settings.replace(cors_allowed_origins=(f"http://127.0.0.1:{reader_port}",))


@pytest.fixture
def reader(server, demo, reader_port) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, str(REPO / "examples" / "reader" / "backend.py"), str(reader_port)],
                            env={"PAPERFEED_URL": server.url, "PAPERFEED_SERVICE_KEY": demo["write_key"],
                                 "PATH": "/usr/bin:/bin"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _listening(reader_port), timeout=30, message="the reader backend listening")
        yield f"http://127.0.0.1:{reader_port}"
    finally:
        proc.terminate()
        proc.wait(10)


def feed(page) -> list[dict]:
    return page.locator("#feed-items .paper").evaluate_all("""blocks => blocks.map(b => ({
        id: b.dataset.paper, meta: b.querySelector('.meta').textContent,
        reasons: [...b.querySelectorAll('.reason')].map(r => r.textContent)}))""")


def wait_for_new_feed(page, before: list[dict]) -> list[dict]:
    wait_until(lambda: feed(page) and [p["id"] for p in feed(page)] != [p["id"] for p in before], timeout=15,
               message="the feed re-ranked")
    return feed(page)


def field(paper: dict) -> str:
    return paper["meta"].split(" · ")[-1].split(" ")[0]  # the first category


def test_reader_stars_dismisses_pages_and_reads_an_alert(page, shoot, reader, server, demo, clean_db):
    page.goto(reader)
    page.fill('input[name="user"]', READER)
    page.click('#signin button[type="submit"]')
    page.wait_for_selector("#feed-items .paper")
    first = feed(page)
    assert len(first) == 10 and all(p["reasons"] for p in first)  # every paper says why
    shoot("feed-new-reader")

    a = first[0]
    page.click(f'#feed-items .paper[data-paper="{a["id"]}"] button.star')
    second = wait_for_new_feed(page, first)
    b = next(p for p in second if field(p) != field(a))  # a paper from another field
    page.click(f'#feed-items .paper[data-paper="{b["id"]}"] button.star')
    third = wait_for_new_feed(page, second)
    assert a["id"] not in {p["id"] for p in third} and b["id"] not in {p["id"] for p in third}
    starred_reasons = [r for p in third for r in p["reasons"] if "which you starred" in r]
    assert starred_reasons, [p["reasons"] for p in third]
    assert any("“" in r for r in starred_reasons)
    shoot("feed-after-two-stars")

    gone = third[0]["id"]
    page.click(f'#feed-items .paper[data-paper="{gone}"] button.dismiss')
    fourth = wait_for_new_feed(page, third)
    assert gone not in {p["id"] for p in fourth}

    page.click("#more")  # the cursor: the next ten, appended
    wait_until(lambda: len(feed(page)) == 20, timeout=15, message="the second page")
    assert len({p["id"] for p in feed(page)}) == 20
    with clean_db.connection() as conn:
        events = conn.execute("SELECT paper_id, type, context FROM events WHERE user_id = %s ORDER BY id",
                              (READER,)).fetchall()
    assert [(e["paper_id"], e["type"]) for e in events] == [(a["id"], "star"), (b["id"], "star"), (gone, "dismiss")]
    assert all(e["context"]["feed_id"] and "position" in e["context"] for e in events)

    # An alert in the inbox: shown unread with its reason, then marked read.
    with clean_db.connection() as conn:
        conn.execute("INSERT INTO subscriptions (user_id, id, kind, channel, category) "
                     "VALUES (%s, 'cats', 'category', 'inbox', 'cs.LG')", (READER,))
        alerts_store.insert_many(conn, [alerts_store.NewAlert(
            READER, "cats", demo["papers"][50], "inbox", 0.9, [{"kind": "category", "detail": "new in cs.LG"}])])
    outbox.deliver_inbox(clean_db)
    page.click('#tabs button[data-tab="inbox"]')
    page.wait_for_selector("#inbox-items .alert.unread")
    assert "new in cs.LG" in page.locator("#inbox-items .alert").first.inner_text()
    page.wait_for_function("document.getElementById('unread').textContent === '(1)'")
    shoot("inbox")
    page.click("#inbox-items .alert.unread button.mark-read")
    page.wait_for_selector("#inbox-items .alert:not(.unread)")
    with clean_db.connection() as conn:
        assert conn.execute("SELECT read_at FROM alerts WHERE user_id = %s", (READER,)).fetchone()["read_at"]

    # Subscriptions: the one above, and a category followed from the page.
    page.click('#tabs button[data-tab="subscriptions"]')
    page.wait_for_selector('#subscription-items [data-subscription="cats"]')
    page.fill('input[name="category"]', "cs.CL")
    page.click('#new-subscription button[type="submit"]')
    page.wait_for_selector('#subscription-items [data-subscription="category-cs.CL"]')
    shoot("subscriptions")
    assert page.locator("#error").inner_text() == ""
