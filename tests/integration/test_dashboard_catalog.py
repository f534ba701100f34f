"""Dashboard papers: search and paging, the paper page, edit, hide, feature, delete, JSONL import."""

import io
import json
import re
import secrets

import pytest
import redis

from services.app import create_app
from services.jobs import TaskClient
from services.web.state import state
from tests.helpers import wait_until
from tests.integration import dashboard_support as ds
from tests.integration.dashboard_support import *  # noqa: F403 (fixtures)


@pytest.fixture
def app(engine_settings, clean_db):
    return create_app(engine_settings, db=clean_db)


@pytest.fixture
def catalogue(indexed_catalogue):
    return indexed_catalogue


def _row(clean_db, sql, *params):
    with clean_db.connection() as conn:
        return conn.execute(sql, params).fetchone()


def _audit(clean_db):
    with clean_db.connection() as conn:
        return [(r["operator_email"], r["action"], r["target"]) for r in
                conn.execute("SELECT * FROM audit_log ORDER BY id")]


def _ids(html):
    """The papers listed in a table (one row each)."""
    return re.findall(r'<tr><td><a href="/admin/papers/([^"/?]+)"', html)


def test_papers_page_through_without_repeats_and_search(admin_client, catalogue):
    first = admin_client.get("/admin/papers?limit=25").get_data(as_text=True)
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = admin_client.get(next_url).get_data(as_text=True)
    third = admin_client.get(re.search(r'rel="next" href="([^"]+)"', second).group(1).replace("&amp;", "&"))
    seen = _ids(first) + _ids(second) + _ids(third.get_data(as_text=True))
    assert len(seen) == len(set(seen)) == ds.N_PAPERS and "End of list" in third.get_data(as_text=True)
    target = catalogue[7]
    found = admin_client.get(f"/admin/papers?q={target['id']}").get_data(as_text=True)
    assert _ids(found) == [target["id"]]
    word = target["title"].split()[0]
    assert target["id"] in _ids(admin_client.get(f"/admin/papers?q={word}&limit=100").get_data(as_text=True))
    assert admin_client.get("/admin/papers?cursor=garbage").status_code == 400
    assert admin_client.get("/admin/papers?limit=100000").status_code == 400


def test_paper_page_shows_counts_and_similar_papers(admin_client, catalogue):
    paper = catalogue[3]
    html = admin_client.get(f"/admin/papers/{paper['id']}").get_data(as_text=True)
    assert paper["title"].split()[0] in html and "Similar papers" in html
    similar = re.findall(r'<li><a href="/admin/papers/([^"/?]+)"', html)
    assert len(similar) == 10 and paper["id"] not in similar
    assert admin_client.get("/admin/papers/no-such-paper").status_code == 404


def test_edit_hide_feature_and_the_audit_log(admin_client, catalogue, clean_db):
    pid = catalogue[0]["id"]
    response = ds.post(admin_client, f"/admin/papers/{pid}", {
        "title": "  A new   title ", "abstract": "New abstract.", "authors": "Ada Lovelace\nAlan Turing\n",
        "categories": "cs.LG, cs.AI", "url": "https://example.org/p"})
    assert response.status_code == 302
    row = _row(clean_db, "SELECT title, abstract, authors, categories, url FROM papers WHERE id = %s", pid)
    assert row == {"title": "A new title", "abstract": "New abstract.", "authors": ["Ada Lovelace", "Alan Turing"],
                   "categories": ["cs.LG", "cs.AI"], "url": "https://example.org/p"}
    bad = ds.post(admin_client, f"/admin/papers/{pid}", {"title": "", "url": "not a url"})
    assert bad.status_code == 200 and "This field is required." in bad.get_data(as_text=True)
    script = ds.post(admin_client, f"/admin/papers/{pid}", {"title": "T", "url": "ftp://example.org/x"})
    assert "an http:// or https:// address" in script.get_data(as_text=True)
    assert _row(clean_db, "SELECT url FROM papers WHERE id = %s", pid)["url"] == "https://example.org/p"
    assert ds.post(admin_client, f"/admin/papers/{pid}/hide").status_code == 302
    assert ds.post(admin_client, f"/admin/papers/{pid}/feature").status_code == 302
    assert _row(clean_db, "SELECT hidden, featured FROM papers WHERE id = %s", pid) == {"hidden": True,
                                                                                      "featured": True}
    hidden = admin_client.get("/admin/papers?status=hidden").get_data(as_text=True)
    assert _ids(hidden) == [pid]
    ds.post(admin_client, f"/admin/papers/{pid}/unhide")
    assert _row(clean_db, "SELECT hidden FROM papers WHERE id = %s", pid)["hidden"] is False
    assert [a[1] for a in _audit(clean_db)] == ["paper.edit", "paper.hide", "paper.feature", "paper.unhide"]
    assert all(a[0] == ds.ADMIN and a[2] == pid for a in _audit(clean_db))
    audit_page = admin_client.get("/admin/audit?action=paper.hide").get_data(as_text=True)
    assert "paper.hide" in audit_page and "paper.feature" not in audit_page.split("<table")[1]


def test_delete_asks_for_confirmation_first(admin_client, catalogue, clean_db):
    pid = catalogue[1]["id"]
    asked = ds.post(admin_client, f"/admin/papers/{pid}/delete")
    assert asked.status_code == 200 and "Yes, do it" in asked.get_data(as_text=True)
    assert _row(clean_db, "SELECT deleted_at FROM papers WHERE id = %s", pid)["deleted_at"] is None
    assert _audit(clean_db) == []
    done = ds.post(admin_client, f"/admin/papers/{pid}/delete", {"confirm": "yes"})
    assert done.status_code == 302
    assert _row(clean_db, "SELECT deleted_at FROM papers WHERE id = %s", pid)["deleted_at"] is not None
    assert _audit(clean_db) == [(ds.ADMIN, "paper.delete", pid)]
    assert ds.post(admin_client, f"/admin/papers/{pid}/hide").status_code == 404  # deleted: nothing to hide
    assert pid in _ids(admin_client.get("/admin/papers?status=deleted").get_data(as_text=True))


def test_import_a_jsonl_file_and_follow_its_progress(app, admin_client, clean_db, engine_settings):
    queue = f"test-{secrets.token_hex(4)}"  # the embedding job it asks for goes nowhere near a worker
    state(app).tasks = TaskClient(engine_settings.redis_url, queue=queue)
    lines = [json.dumps({"id": f"imp{i}", "title": f"Imported paper {i}"}) for i in range(3)] + ["{not json"]
    upload = (io.BytesIO("\n".join(lines).encode()), "papers.jsonl")
    response = ds.post(admin_client, "/admin/papers/import", {"file": upload},
                       content_type="multipart/form-data")
    assert response.status_code == 302
    progress_url = response.headers["Location"]
    page = wait_until(lambda: (h := admin_client.get(progress_url).get_data(as_text=True))
                      and 'id="import-status">running' not in h and h, 30, message="the import finished")
    assert 'id="import-status">succeeded' in page and "line 4: not valid JSON" in page
    assert _row(clean_db, "SELECT count(*) AS n FROM papers WHERE id LIKE 'imp%%'")["n"] == 3
    assert _row(clean_db, "SELECT stored, rejected, created FROM paper_imports") == {"stored": 3, "rejected": 1,
                                                                                     "created": 3}
    assert [a[1] for a in _audit(clean_db)] == ["papers.import"]
    embed = wait_until(lambda: _row(clean_db, "SELECT job, requested_by FROM job_runs"), 10, message="embed queued")
    assert embed["job"] == "ml.embed" and embed["requested_by"].startswith("dashboard:import:")
    redis.Redis.from_url(engine_settings.redis_url).delete(queue)
    assert "papers.jsonl" in admin_client.get("/admin/papers/import?q=papers.json").get_data(as_text=True)
    assert "None yet." in admin_client.get("/admin/papers/import?q=other.jsonl").get_data(as_text=True)


def test_import_refuses_other_files(admin_client, clean_db):
    response = ds.post(admin_client, "/admin/papers/import", {"file": (io.BytesIO(b"x"), "notes.txt")},
                       content_type="multipart/form-data")
    assert response.status_code == 422
    assert ds.post(admin_client, "/admin/papers/import").status_code == 200  # no file: the form says so
    assert _row(clean_db, "SELECT count(*) AS n FROM paper_imports")["n"] == 0


def test_an_unreadable_upload_ends_as_a_failed_import_saying_why(admin_client, clean_db):
    response = ds.post(admin_client, "/admin/papers/import", {"file": (io.BytesIO(b"not gzip"), "papers.jsonl.gz")},
                       content_type="multipart/form-data")
    page = wait_until(lambda: (h := admin_client.get(response.headers["Location"]).get_data(as_text=True))
                      and 'id="import-status">running' not in h and h, 30, message="the import stopped")
    assert 'id="import-status">failed' in page and "Not a gzipped file" in page
    assert _row(clean_db, "SELECT status, stored, rejected FROM paper_imports") == {"status": "failed", "stored": 0,
                                                                                    "rejected": 0}
