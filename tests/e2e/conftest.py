"""Browser tests: the real app served over HTTP on a free port, driven by Debian's chromium through
Playwright (no browser download), with a screenshot of every page visited.

Screenshots go to ``$PAPERFEED_SCREENSHOTS`` or ``.paperfeed/screenshots/<test name>/`` (git-ignored);
each path is printed as it is written.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import secrets
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from werkzeug.serving import make_server

from infra.cli import DEMO_CATALOGUE
from infra.embedded import free_port
from services import keys
from services.app import create_app
from services.catalog.importer import import_lines
from services.dashboard import accounts
from services.jobs import TaskClient
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
from services.web.state import state
from tests.helpers import PAPERFEED, REPO, cli_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ADMIN, PASSWORD = "ops@example.org", "a long and careful passphrase"
N_PAPERS = 200


@pytest.fixture
def e2e_settings(settings, tmp_path):
    # A low CF threshold so a retrain on the small test catalogue really trains and publishes.
    return settings.replace(artifact_dir=tmp_path / "artifacts", data_dir=tmp_path / "data",
                            artifact_refresh_seconds=0.0, cf_min_interactions=10, cf_iterations=3,
                            cf_factors=8)


@pytest.fixture
def demo(clean_db, e2e_settings) -> dict:
    """Demo papers (embedded, indexed), an admin operator, and readers with stars: alice and 20 others."""
    with gzip.open(DEMO_CATALOGUE, "rt") as fh:
        lines = list(itertools.islice(fh, N_PAPERS))
    import_lines(clean_db, lines)
    pipeline.refresh(clean_db, ArtifactStore(e2e_settings.artifacts), e2e_settings)
    papers = [json.loads(line)["id"] for line in lines]
    with clean_db.connection() as conn:
        accounts.create(conn, ADMIN, PASSWORD, "admin")
        write_key = keys.create(conn, name="e2e setup", scopes=["write"])
    readers = {"alice": papers[:3], **{f"reader{i}": papers[i: i + 6] for i in range(20)}}
    events = [{"user_id": user, "paper_id": pid, "type": "star"} for user, pids in readers.items() for pid in pids]
    client = create_app(e2e_settings, db=clean_db).test_client()
    response = client.post("/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {write_key}"})
    assert response.status_code == 202
    return {"papers": papers, "alice_stars": readers["alice"], "write_key": write_key}


@dataclass(frozen=True)
class Server:
    url: str
    queue: str  # where the app sends jobs: a queue of this test's own


@pytest.fixture
def server(e2e_settings, clean_db) -> Iterator[Server]:
    """The real Flask app behind werkzeug's threaded HTTP server on a free port."""
    app = create_app(e2e_settings, db=clean_db)
    queue = f"e2e-{secrets.token_hex(4)}"
    state(app).tasks = TaskClient(e2e_settings.redis_url, queue=queue)
    port = free_port()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{port}", queue)
    httpd.shutdown()
    thread.join(10)
    redis.Redis.from_url(e2e_settings.redis_url).delete(queue)


@pytest.fixture
def worker(server, e2e_settings) -> Iterator[None]:
    """A real `paperfeed worker` consuming the server's job queue."""
    proc = subprocess.Popen([*PAPERFEED, "worker", "--queues", server.queue],
                            env=cli_env(e2e_settings), cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    yield
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")  # closed before other modules' tests run: no event loop lingers
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shoot(page, request):
    """``shoot("name")`` saves a full-page screenshot of the current page and prints its path."""
    root = Path(os.environ.get("PAPERFEED_SCREENSHOTS") or REPO / ".paperfeed" / "screenshots")
    folder = root / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def save(name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    return save


def sign_in(page, base: str, email: str = ADMIN, password: str = PASSWORD) -> None:
    page.goto(f"{base}/admin/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}/admin/")


def api_status(base: str, path: str, key: str) -> int:
    """The status of a GET on the JSON API with ``key``, as any client would see it."""
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
