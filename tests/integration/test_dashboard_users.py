"""Dashboard users: search, a user's page with their feed and its reasons, hiding a paper, deletion."""

import re

import pytest

from services.app import create_app
from tests.integration import dashboard_support as ds
from tests.integration.dashboard_support import *  # noqa: F403 (fixtures)


@pytest.fixture
def app(engine_settings, clean_db):
    return create_app(engine_settings, db=clean_db)


@pytest.fixture
def catalogue(indexed_catalogue):
    return indexed_catalogue


@pytest.fixture
def reader(app, headers, catalogue):
    """alice starred two papers and read one; bob exists with an email."""
    api = app.test_client()
    api.put("/v1/users/alice", json={"email": "alice@example.org", "name": "Alice"}, headers=headers["write"])
    api.put("/v1/users/bob", json={"email": "bob@example.net"}, headers=headers["write"])
    events = [{"user_id": "alice", "paper_id": catalogue[i]["id"], "type": t}
              for i, t in ((0, "star"), (1, "star"), (2, "read"))]
    assert api.post("/v1/events", json={"events": events}, headers=headers["write"]).status_code == 202
    return api


def _feed_ids(html):
    table = html.split('id="feed-table"')[1].split("</table>")[0]
    return re.findall(r'<tr data-paper="([^"]+)"', table)


def test_search_users(admin_client, reader):
    listed = admin_client.get("/admin/users?q=ali").get_data(as_text=True)
    assert "/admin/users/alice" in listed and "/admin/users/bob" not in listed
    assert "/admin/users/bob" in admin_client.get("/admin/users?q=example.net").get_data(as_text=True)
    assert "No users match." in admin_client.get("/admin/users?q=zzz").get_data(as_text=True)
    assert admin_client.get("/admin/users/nobody").status_code == 404


def test_user_page_shows_their_feed_with_every_reason(admin_client, reader, headers, catalogue, clean_db):
    html = admin_client.get("/admin/users/alice?feed=30").get_data(as_text=True)
    shown = _feed_ids(html)
    api_feed = reader.get("/v1/users/alice/feed?limit=30", headers=headers["read"]).get_json()
    assert shown == [item["paper"]["id"] for item in api_feed["items"]]  # ranked as the API ranks it
    assert "similar to “" in html and "which you starred" in html
    stars, reads = html.split('<ul id="stars">')[1], html.split('<ul id="reads">')[1]
    assert f'/admin/papers/{catalogue[0]["id"]}"' in stars.split("</ul>")[0]
    assert f'/admin/papers/{catalogue[1]["id"]}"' in stars.split("</ul>")[0]
    assert f'/admin/papers/{catalogue[2]["id"]}"' in reads.split("</ul>")[0]
    with clean_db.connection() as conn:  # looking stored one feed: the API's, not the dashboard's
        assert conn.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 1


def test_a_hidden_paper_leaves_the_feed(admin_client, reader, headers):
    top = _feed_ids(admin_client.get("/admin/users/alice").get_data(as_text=True))[0]
    assert ds.post(admin_client, f"/admin/papers/{top}/hide").status_code == 302
    assert top not in _feed_ids(admin_client.get("/admin/users/alice?feed=100").get_data(as_text=True))
    api_feed = reader.get("/v1/users/alice/feed?limit=100", headers=headers["read"]).get_json()
    assert top not in [item["paper"]["id"] for item in api_feed["items"]]


def test_delete_a_user_after_confirmation(admin_client, reader, clean_db):
    asked = ds.post(admin_client, "/admin/users/alice/delete")
    assert asked.status_code == 200 and "Delete user alice?" in asked.get_data(as_text=True)
    assert admin_client.get("/admin/users/alice").status_code == 200
    assert ds.post(admin_client, "/admin/users/alice/delete", {"confirm": "yes"}).status_code == 302
    assert admin_client.get("/admin/users/alice").status_code == 404
    with clean_db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM events WHERE user_id = 'alice'").fetchone()["n"] == 0
        entry = conn.execute("SELECT operator_email, action, target, detail FROM audit_log").fetchone()
    assert entry == {"operator_email": ds.ADMIN, "action": "user.delete", "target": "alice",
                     "detail": {"events": 3, "stars": 2}}
    assert ds.post(admin_client, "/admin/users/alice/delete", {"confirm": "yes"}).status_code == 404


def test_stars_reads_and_alerts_page_separately(admin_client, reader, catalogue):
    def starred(html):
        return re.findall(r'<li><a href="/admin/papers/([^"]+)"', html.split('<ul id="stars">')[1].split("</ul>")[0])

    first = admin_client.get("/admin/users/alice?limit=1&feed=1").get_data(as_text=True)
    next_stars = re.search(r'href="([^"]*stars=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = admin_client.get(next_stars).get_data(as_text=True)
    assert starred(first) + starred(second) == [catalogue[1]["id"], catalogue[0]["id"]]  # one instant: by id, descending
    assert "« First page" in second.split('<ul id="stars">')[1].split("<h2>")[0]
    assert admin_client.get("/admin/users/alice?reads=bogus").status_code == 400
