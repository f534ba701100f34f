"""The SDKs under clients/: in step with the spec, compiling, and making the five calls against a live server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from infra.embedded import free_port
from services import keys
from services.app import create_app
from tests.helpers import REPO
from tests.integration.test_feed import catalogue, engine_settings  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.slow

TS = REPO / "clients" / "typescript"
TSC = TS / "node_modules" / ".bin" / "tsc"


def _need_ts_toolchain() -> None:
    if not TSC.exists():
        pytest.fail(f"{TSC} is missing: run `make clients-deps`")


def test_committed_clients_are_what_the_current_spec_generates():
    _need_ts_toolchain()
    done = subprocess.run([sys.executable, "-m", "infra.clients", "--check"], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def live(engine_settings, clean_db, catalogue) -> Iterator[tuple[str, str]]:  # noqa: F811
    """(base URL, write service key) of the real app on a free port, over a 400-paper indexed catalogue."""
    with clean_db.connection() as conn:
        key = keys.create(conn, name="sdk test", scopes=["write"])
    httpd = make_server("127.0.0.1", free_port(), create_app(engine_settings, db=clean_db), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", key
    httpd.shutdown()
    thread.join(10)


def _check(result: dict, catalogue_ids: set[str]) -> None:
    assert result["starred"] in catalogue_ids and result["reasons"] and result["feed_id"]
    assert result["subscriptions"] == ["weekly"]


def test_python_client_makes_the_five_calls(live, catalogue, clean_db):  # noqa: F811
    sys.path.insert(0, str(REPO / "clients" / "python"))
    sys.path.insert(0, str(REPO / "clients" / "python" / "examples"))
    try:
        from five_calls import five_calls

        result = five_calls(live[0], live[1], "ada")
    finally:
        sys.path[:2] = []
    _check(result, {p["id"] for p in catalogue})
    with clean_db.connection() as conn:
        rows = conn.execute("SELECT type, context->>'feed_id' AS feed_id FROM events WHERE user_id = 'ada' "
                            "ORDER BY id").fetchall()
    assert [(r["type"], r["feed_id"]) for r in rows] == [("star", result["feed_id"]), ("dismiss", result["feed_id"])]


def test_typescript_client_compiles_and_makes_the_five_calls(live, catalogue):  # noqa: F811
    _need_ts_toolchain()
    build = subprocess.run([str(TSC), "-p", "tsconfig.json"], cwd=TS, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    run = subprocess.run(["node", "dist/examples/five-calls.js", live[0], live[1], "bea"], cwd=TS,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    _check(json.loads(run.stdout), {p["id"] for p in catalogue})
