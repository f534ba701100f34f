"""What anyone can make the service hold or show (audit findings 7 and 11): the export streams, metric
labels are bounded, /readyz tells statuses only, clicks are credited only to their own user's feed."""

from __future__ import annotations

from services.app import create_app
from services.store import stats


def _paper(client, headers, paper_id="2604.00001"):
    paper = {"title": "A paper", "abstract": "About things.", "authors": ["Ada"], "categories": ["cs.LG"]}
    assert client.put(f"/v1/papers/{paper_id}", json=paper, headers=headers["write"]).status_code in (200, 201)


def test_the_export_is_streamed_not_built_in_memory(client, headers, clean_db):
    _paper(client, headers)
    assert client.put("/v1/users/ada", json={}, headers=headers["write"]).status_code in (200, 201)
    with clean_db.connection() as conn:
        conn.execute("INSERT INTO events (user_id, paper_id, type, event_id) SELECT 'ada', '2604.00001', 'read', "
                     "'e' || g FROM generate_series(1, 20000) g")
    response = client.get("/v1/users/ada/export", headers=headers["read"], buffered=False)
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "application/json"
    first = next(iter(response.response))
    assert first.startswith(b'{"user":') or first.startswith('{"user":')  # sent before any event is read
    response.close()
    whole = client.get("/v1/users/ada/export", headers=headers["read"]).get_json()
    assert whole["user"]["id"] == "ada" and len(whole["events"]) == 20000
    assert whole["events"][0]["event_id"] == "e1" and whole["exported_at"]
    assert client.get("/v1/users/nobody/export", headers=headers["read"]).status_code == 404


def test_made_up_http_methods_do_not_make_new_metric_series(client):
    for n in range(5):
        client.open("/healthz", method=f"BREW{n}")
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "BREW" not in metrics
    assert 'method="other"' in metrics


def test_readyz_shows_statuses_not_internals(settings):
    """A public probe: no process ids, no database error text (which names hosts and users)."""
    app = create_app(settings.replace(database_url="postgresql://paperfeed:s3cret@127.0.0.1:1/nope",
                                      db_timeout_seconds=0.5))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"] == {"database": "unreachable", "index": "unknown"}
    text = response.get_data(as_text=True)
    assert "process" not in body and "127.0.0.1" not in text and "nope" not in text and "s3cret" not in text


def test_a_click_is_credited_only_to_a_feed_of_its_own_user(client, headers, clean_db):
    _paper(client, headers)
    for user in ("alice", "mallory"):
        assert client.put(f"/v1/users/{user}", json={}, headers=headers["write"]).status_code in (200, 201)
    with clean_db.connection() as conn:
        feed_id = conn.execute("INSERT INTO feeds (id, user_id, items, served) VALUES (gen_random_uuid(), 'alice', '[]', 10) "
                               "RETURNING id::text AS id").fetchone()["id"]
    events = [{"user_id": "mallory", "paper_id": "2604.00001", "type": "click", "event_id": "m1",
               "context": {"feed_id": feed_id, "position": 0}}]
    assert client.post("/v1/events", json={"events": events}, headers=headers["write"]).status_code == 202
    with clean_db.connection() as conn:
        assert stats.engagement(conn, 24)["clicks"] == 0  # mallory's click on alice's feed
    events[0].update(user_id="alice", event_id="a1")
    assert client.post("/v1/events", json={"events": events}, headers=headers["write"]).status_code == 202
    with clean_db.connection() as conn:
        assert stats.engagement(conn, 24)["clicks"] == 1
