"""A page on another origin calls the feed with a user token in real Chromium (CORS on /v1/me only)."""

from __future__ import annotations

import http.server
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.embedded import free_port

pytestmark = pytest.mark.slow

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>another origin</title></head><body>
<pre id="out">waiting</pre>
<script>
async function call(url, token) {
  try {
    const response = await fetch(url, {headers: {Authorization: "Bearer " + token}});
    const body = await response.json();
    return {status: response.status, items: (body.items || []).length, etag: response.headers.get("ETag")};
  } catch (error) {
    return {blocked: String(error)};
  }
}
window.call = call;
document.getElementById("out").textContent = "ready";
</script></body></html>"""


@pytest.fixture(scope="module")
def origin_port(tmp_path_factory) -> Iterator[int]:
    """A static page server (the 'other origin') on its own port."""
    root: Path = tmp_path_factory.mktemp("origin")
    (root / "index.html").write_text(PAGE)
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **kw)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()


@pytest.fixture
def e2e_settings(e2e_settings, origin_port):
    return e2e_settings.replace(cors_allowed_origins=(f"http://127.0.0.1:{origin_port}",))


def mint(base: str, key: str, user: str) -> str:
    request = urllib.request.Request(f"{base}/v1/users/{user}/tokens", data=b"{}", method="POST",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        import json

        return json.load(response)["token"]


def test_a_page_on_another_origin_reads_the_feed_with_a_user_token(page, shoot, server, demo, origin_port):
    token = mint(server.url, demo["write_key"], "alice")
    page.goto(f"http://127.0.0.1:{origin_port}/index.html")
    page.wait_for_function("document.getElementById('out').textContent === 'ready'")
    feed = page.evaluate("([url, token]) => call(url, token)", [f"{server.url}/v1/me/feed?limit=5", token])
    assert feed == {"status": 200, "items": 5, "etag": feed["etag"]} and feed["etag"]
    shoot("other-origin")
    # The service-key route is not open to the page, whatever credential it holds.
    blocked = page.evaluate("([url, token]) => call(url, token)",
                            [f"{server.url}/v1/users/alice/feed?limit=5", demo["write_key"]])
    assert "blocked" in blocked, blocked

    # The same page from an origin that is not listed (localhost is not 127.0.0.1) is refused by the browser.
    page.goto(f"http://localhost:{origin_port}/index.html")
    page.wait_for_function("document.getElementById('out').textContent === 'ready'")
    refused = page.evaluate("([url, token]) => call(url, token)", [f"{server.url}/v1/me/feed?limit=5", token])
    assert "blocked" in refused, refused
