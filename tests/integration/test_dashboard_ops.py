"""Dashboard operations: overview numbers, models and roll-back, jobs, alerts and the mail sink, API keys."""

import datetime as dt
import mailbox
import re
import secrets
from email.message import EmailMessage

import pytest
import redis

from services import pagination
from services.alerts import mailsink
from services.app import create_app
from services.jobs import TaskClient
from services.recommender import pipeline
from services.recommender.artifacts import ArtifactStore
from services.web.state import state
from tests.integration import dashboard_support as ds
from tests.integration.dashboard_support import *  # noqa: F403 (fixtures)


@pytest.fixture
def app(engine_settings, clean_db):
    return create_app(engine_settings, db=clean_db)


@pytest.fixture
def private_queue(app, engine_settings):
    """Jobs go to a queue of their own that no worker consumes: they stay queued."""
    queue = f"test-{secrets.token_hex(4)}"
    state(app).tasks = TaskClient(engine_settings.redis_url, queue=queue)
    yield queue
    redis.Redis.from_url(engine_settings.redis_url).delete(queue)


def _one(clean_db, sql, *params):
    with clean_db.connection() as conn:
        return conn.execute(sql, params).fetchone()


def test_overview_counts_feeds_clicks_and_latency(app, admin_client, headers, indexed_catalogue, clean_db):
    api = app.test_client()
    paper = indexed_catalogue[0]["id"]
    api.post("/v1/events", json={"events": [{"user_id": "u1", "paper_id": paper, "type": "star"}]},
             headers=headers["write"])
    feed = api.get("/v1/users/u1/feed?limit=10", headers=headers["read"]).get_json()
    clicked = feed["items"][0]["paper"]["id"]
    api.post("/v1/events", json={"events": [{"user_id": "u1", "paper_id": clicked, "type": "click",
                                             "context": {"feed_id": feed["feed_id"], "position": 0}}]},
             headers=headers["write"])
    html = admin_client.get("/admin/?days=7").get_data(as_text=True)
    assert re.search(r'id="stat-users">1<', html) and re.search(r'id="stat-papers">60<', html)
    assert "10.0%" in html and "1 credited clicks" in html  # 1 click over 10 items shown
    assert "1 requests since the API started" in html
    assert html.count("<svg") == 6 and 'selected>last 7 days' in html
    assert html.count("<rect") == 6 * 7  # one bar per day of the period in every chart
    assert "<td>index</td>" in html and "<td>embedder</td>" in html
    assert admin_client.get("/admin/?days=12345").status_code == 200  # unknown periods fall back


def test_models_side_by_side_and_roll_back(app, admin_client, headers, engine_settings, indexed_catalogue,
                                           clean_db):
    first = _one(clean_db, "SELECT id, version FROM model_versions WHERE kind = 'index' AND is_live")
    pipeline.rebuild_index(clean_db, ArtifactStore(engine_settings.artifacts), engine_settings)
    api = app.test_client()
    paper = indexed_catalogue[0]["id"]
    live = state(app).models
    assert api.get(f"/v1/papers/{paper}/similar", headers=headers["read"]).status_code == 200
    assert live.versions()["index"] != first["version"]
    html = admin_client.get("/admin/models").get_data(as_text=True)
    assert "<th>build_seconds</th>" in html and html.count('class="tag live"') == 2
    assert f'/admin/models/{first["id"]}/rollback' in html
    found = admin_client.get(f"/admin/models?q={first['version'][-6:]}").get_data(as_text=True)
    assert found.count("<tr><td>") == 1 and first["version"] in found
    asked = ds.post(admin_client, f"/admin/models/{first['id']}/rollback")
    assert asked.status_code == 200 and "live again?" in asked.get_data(as_text=True)
    assert ds.post(admin_client, f"/admin/models/{first['id']}/rollback", {"confirm": "yes"}).status_code == 302
    assert _one(clean_db, "SELECT version FROM model_versions WHERE kind = 'index' AND is_live") == {
        "version": first["version"]}
    assert api.get(f"/v1/papers/{paper}/similar", headers=headers["read"]).status_code == 200
    assert live.versions()["index"] == first["version"]  # the API process swapped to it
    embedder = _one(clean_db, "SELECT id FROM model_versions WHERE kind = 'embedder'")["id"]
    assert ds.post(admin_client, f"/admin/models/{embedder}/rollback", {"confirm": "yes"}).status_code == 422
    assert _one(clean_db, "SELECT action, target FROM audit_log") == {
        "action": "model.rollback", "target": f"index:{first['version']}"}


def test_queue_a_job_and_list_it(admin_client, private_queue, clean_db):
    assert ds.post(admin_client, "/admin/jobs", {"job": "retrain"}).status_code == 302
    row = _one(clean_db, "SELECT job, status, requested_by, task_id FROM job_runs")
    assert row["job"] == "ml.retrain_cf" and row["status"] == "queued"
    assert row["requested_by"] == f"operator:{ds.ADMIN}"
    page = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert f'data-task="{row["task_id"]}"' in page and 'http-equiv="refresh"' in page
    assert "ml.retrain_cf" in admin_client.get("/admin/jobs?status=queued").get_data(as_text=True)
    assert "No jobs yet." in admin_client.get("/admin/jobs?status=failed").get_data(as_text=True)
    assert row["task_id"] in admin_client.get(f"/admin/jobs?q={row['task_id']}").get_data(as_text=True)
    assert "ml.retrain_cf" in admin_client.get("/admin/jobs?q=admin@").get_data(as_text=True)
    assert "No jobs yet." in admin_client.get("/admin/jobs?q=nobody-asked").get_data(as_text=True)
    assert ds.post(admin_client, "/admin/jobs", {"job": "rm -rf"}).status_code == 422
    assert _one(clean_db, "SELECT count(*) AS n FROM job_runs")["n"] == 1
    assert _one(clean_db, "SELECT action, target FROM audit_log") == {"action": "job.request", "target": "retrain"}


def test_failed_deliveries_can_be_retried_and_the_mail_sink_is_shown(admin_client, engine_settings, clean_db):
    with clean_db.connection() as conn:
        conn.execute("INSERT INTO papers (id, title) VALUES ('p1', 'A paper')")
        conn.execute("INSERT INTO users (id) VALUES ('u1')")
        conn.execute("INSERT INTO subscriptions (user_id, id, kind, channel) VALUES ('u1', 's1', 'instant', 'email')")
        alert_id = conn.execute(
            "INSERT INTO alerts (user_id, subscription_id, paper_id, status, attempts, last_error, channel) "
            "VALUES ('u1', 's1', 'p1', 'failed', 8, 'SMTP 550 mailbox unavailable', 'email') RETURNING id"
        ).fetchone()["id"]
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "New paper: A paper", "alerts@x.org", "u1@example.org"
    message.set_content("Hello")
    mailsink.sink_maildir(engine_settings).parent.mkdir(parents=True, exist_ok=True)
    mailbox.Maildir(mailsink.sink_maildir(engine_settings), create=True).add(message)

    page = admin_client.get("/admin/alerts").get_data(as_text=True)
    assert "SMTP 550 mailbox unavailable" in page and f"/admin/alerts/{alert_id}/retry" in page
    assert "New paper: A paper" in page and "u1@example.org" in page
    assert "SMTP 550" in admin_client.get("/admin/alerts?q=mailbox").get_data(as_text=True)
    assert "SMTP 550" not in admin_client.get("/admin/alerts?q=nothing-like-it").get_data(as_text=True)
    assert ds.post(admin_client, f"/admin/alerts/{alert_id}/retry").status_code == 302
    assert _one(clean_db, "SELECT status, attempts FROM alerts") == {"status": "pending", "attempts": 0}
    assert ds.post(admin_client, f"/admin/alerts/{alert_id}/retry").status_code == 409  # no longer failed
    assert _one(clean_db, "SELECT action, target FROM audit_log") == {"action": "alert.retry",
                                                                      "target": str(alert_id)}


def test_create_a_key_shown_once_then_revoke_it(app, admin_client, clean_db):
    created = ds.post(admin_client, "/admin/keys", {"name": "mobile app", "scopes": ["read", "write"]})
    assert created.status_code == 200
    key = re.search(r'id="new-key">(pf_[^<]+)<', created.get_data(as_text=True)).group(1)
    api = app.test_client()
    assert api.get("/v1/papers", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listing = admin_client.get("/admin/keys").get_data(as_text=True)
    assert key not in listing and "mobile app" in listing and "read, write" in listing
    key_id = _one(clean_db, "SELECT id FROM api_keys WHERE name = 'mobile app'")["id"]
    asked = ds.post(admin_client, f"/admin/keys/{key_id}/revoke")
    assert asked.status_code == 200 and "Revoke key mobile app?" in asked.get_data(as_text=True)
    assert api.get("/v1/papers", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert ds.post(admin_client, f"/admin/keys/{key_id}/revoke", {"confirm": "yes"}).status_code == 302
    assert api.get("/v1/papers", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert "mobile app" not in admin_client.get("/admin/keys").get_data(as_text=True)
    assert "mobile app" in admin_client.get("/admin/keys?revoked=1").get_data(as_text=True)
    assert ds.post(admin_client, "/admin/keys", {"name": "x", "scopes": ["root"]}).status_code == 200
    audit = admin_client.get("/admin/audit?q=mobile").get_data(as_text=True)
    assert "key.create" in audit and "key.revoke" in audit and ds.ADMIN in audit
    with clean_db.connection() as conn:
        assert [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")] == [
            "key.create", "key.revoke"]


def test_the_outbox_list_pages_newest_first_by_status_without_repeats(admin_client, clean_db):
    with clean_db.connection() as conn:
        conn.execute("INSERT INTO papers (id, title) VALUES ('p1', 'A paper')")
        conn.execute("INSERT INTO users (id) VALUES ('u1')")
        for i in range(7):  # delivered and failed rows interleaved, all created in one transaction
            conn.execute("INSERT INTO subscriptions (user_id, id, kind, channel) VALUES ('u1', %s, 'author', 'email')",
                         (f"s{i}",))
            conn.execute("INSERT INTO alerts (user_id, subscription_id, paper_id, status, channel, last_error) "
                         "VALUES ('u1', %s, 'p1', %s, 'email', %s)",
                         (f"s{i}", "failed" if i % 2 else "delivered", f"error number {i}"))

    def walk(status: str) -> list[str]:
        seen, url = [], f"/admin/alerts?status={status}&limit=2"
        while url:
            page = admin_client.get(url)
            assert page.status_code == 200
            html = page.get_data(as_text=True)
            seen += re.findall(r"error number (\d)", html)
            found = re.search(r'href="([^"]*cursor=[^"]*)"', html)
            url = found.group(1).replace("&amp;", "&") if found else None
        return seen

    assert walk("delivered") == ["6", "4", "2", "0"]
    assert walk("failed") == ["5", "3", "1"]
    # A cursor of the old (created_at, id) form is refused as foreign, not crashed on.
    old = pagination.encode("admin.alerts.failed", (dt.datetime.now(dt.UTC), 7))
    assert admin_client.get(f"/admin/alerts?status=failed&cursor={old}").status_code == 400
