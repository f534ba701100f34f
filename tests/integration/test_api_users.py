"""Contract of /v1/users/{id} and its /v1/me mirror (API.md, Users)."""

import pytest

from tests.integration.test_api_papers import PAPER

USER = {"email": "ada@example.org", "name": "Ada", "timezone": "Europe/London"}


def test_put_creates_then_replaces(client, headers):
    created = client.put("/v1/users/ada", json=USER, headers=headers["write"])
    assert created.status_code == 201
    body = created.get_json()
    assert body["id"] == "ada" and body["timezone"] == "Europe/London"
    assert body["counts"] == {"stars": 0, "reads": 0, "events": 0, "subscriptions": 0, "unread_alerts": 0}
    replaced = client.put("/v1/users/ada", json={"name": "Ada L."}, headers=headers["write"])
    assert replaced.status_code == 200
    assert replaced.get_json()["email"] is None and replaced.get_json()["timezone"] == "UTC"


@pytest.mark.parametrize(("body", "field"), [
    ({"email": "not-an-email"}, "email"), ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"name": "x" * 201}, "name"), ({"email": 7}, "email"),
])
def test_put_validation(client, headers, body, field):
    response = client.put("/v1/users/ada", json=body, headers=headers["write"])
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_get_counts_and_404(client, headers):
    client.put("/v1/papers/p1", json=PAPER, headers=headers["write"])
    client.post("/v1/events", headers=headers["write"], json={"events": [
        {"user_id": "ada", "paper_id": "p1", "type": "star"}, {"user_id": "ada", "paper_id": "p1", "type": "read"}]})
    body = client.get("/v1/users/ada", headers=headers["read"]).get_json()
    assert body["counts"]["stars"] == 1 and body["counts"]["reads"] == 1 and body["counts"]["events"] == 2
    assert client.get("/v1/users/nobody", headers=headers["read"]).status_code == 404


def _rows_mentioning(conn, user_id):
    """Every row in every table whose text mentions ``user_id`` (catches tables added later too)."""
    tables = [r["tablename"] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")]
    found = {}
    for table in tables:
        n = conn.execute(f"SELECT count(*) AS n FROM {table} t WHERE t::text LIKE %s", (f"%{user_id}%",)).fetchone()
        if n["n"]:
            found[table] = n["n"]
    return found


def test_delete_erases_everything_of_theirs(client, headers, clean_db):
    uid = "erase-me-7f3a"
    client.put("/v1/papers/p1", json=PAPER, headers=headers["write"])
    client.put(f"/v1/users/{uid}", json=USER, headers=headers["write"])
    client.post("/v1/events", headers=headers["write"], json={"events": [
        {"user_id": uid, "paper_id": "p1", "type": "star", "event_id": "e1"},
        {"user_id": "someone-else", "paper_id": "p1", "type": "star"}]})
    with clean_db.connection() as conn:
        conn.execute("INSERT INTO subscriptions (user_id, id, kind, channel) VALUES (%s, 's1', 'digest', 'inbox')",
                     (uid,))
        conn.execute("INSERT INTO alerts (user_id, subscription_id, paper_id) VALUES (%s, 's1', 'p1')", (uid,))
        assert set(_rows_mentioning(conn, uid)) == {"users", "events", "stars", "subscriptions", "alerts"}
    token = client.post(f"/v1/users/{uid}/tokens", json={}, headers=headers["write"]).get_json()["token"]
    assert client.delete(f"/v1/users/{uid}", headers=headers["write"]).status_code == 204
    with clean_db.connection() as conn:
        assert _rows_mentioning(conn, uid) == {}
        assert conn.execute("SELECT count(*) AS n FROM stars").fetchone()["n"] == 1  # others untouched
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.delete(f"/v1/users/{uid}", headers=headers["write"]).status_code == 404


def test_export_holds_all_their_data(client, headers):
    client.put("/v1/papers/p1", json=PAPER, headers=headers["write"])
    client.put("/v1/users/ada", json=USER, headers=headers["write"])
    client.post("/v1/events", headers=headers["write"], json={"events": [
        {"user_id": "ada", "paper_id": "p1", "type": "star", "context": {"feed_id": "f", "position": 1}}]})
    body = client.get("/v1/users/ada/export", headers=headers["read"]).get_json()
    assert body["user"]["email"] == USER["email"]
    assert [e["type"] for e in body["events"]] == ["star"] and body["events"][0]["context"]["feed_id"] == "f"
    assert body["stars"][0]["paper_id"] == "p1" and body["stars"][0]["starred"] is True
    assert body["subscriptions"] == [] and body["alerts"] == [] and body["exported_at"]


def test_me_mirror_works_with_a_user_token(client, headers, user_token):
    client.put("/v1/papers/p1", json=PAPER, headers=headers["write"])
    me = user_token("ada")
    assert client.put("/v1/me", json=USER, headers=me).status_code == 200  # minting created the user
    assert client.get("/v1/me", headers=me).get_json()["email"] == USER["email"]
    posted = client.post("/v1/me/events", headers=me, json={"events": [
        {"paper_id": "p1", "type": "star"}, {"user_id": "ada", "paper_id": "p1", "type": "read"},
        {"user_id": "bob", "paper_id": "p1", "type": "read"}]}).get_json()
    assert posted["accepted"] == 2 and posted["rejected"][0]["index"] == 2
    assert "user_id" in posted["rejected"][0]["errors"]
    assert [i["paper"]["id"] for i in client.get("/v1/me/stars", headers=me).get_json()["items"]] == ["p1"]
    assert len(client.get("/v1/me/history", headers=me).get_json()["items"]) == 2
    assert client.get("/v1/me/export", headers=me).get_json()["user"]["id"] == "ada"
    assert client.delete("/v1/me", headers=me).status_code == 204
    assert client.get("/v1/users/ada", headers=headers["read"]).status_code == 404


def test_seed_papers_are_stars_recorded_once(client, headers, clean_db):
    client.put("/v1/papers/p1", json=PAPER, headers=headers["write"])
    client.put("/v1/papers/p2", json=PAPER, headers=headers["write"])
    body = {"seed_papers": ["p1", "p2", "p1"]}
    first = client.put("/v1/users/seedy", json=body, headers=headers["write"])
    assert first.status_code == 201 and first.get_json()["counts"]["stars"] == 2
    again = client.put("/v1/users/seedy", json=body, headers=headers["write"])
    assert again.status_code == 200 and again.get_json()["counts"] == first.get_json()["counts"]
    with clean_db.connection() as conn:
        rows = conn.execute("SELECT paper_id, context FROM events WHERE user_id = 'seedy' ORDER BY paper_id").fetchall()
    assert [(r["paper_id"], r["context"]) for r in rows] == [("p1", {"source": "seed"}), ("p2", {"source": "seed"})]


@pytest.mark.parametrize("seeds", [["p1", "nope"], [f"p{i}" for i in range(101)], ["p1", ""], "p1"])
def test_bad_seed_papers_store_nothing(client, headers, seeds):
    client.put("/v1/papers/p1", json=PAPER, headers=headers["write"])
    response = client.put("/v1/users/unseeded", json={"seed_papers": seeds}, headers=headers["write"])
    assert response.status_code == 422, response.get_json()
    assert any(key.startswith("seed_papers") for key in response.get_json()["errors"])
    assert client.get("/v1/users/unseeded", headers=headers["read"]).status_code == 404
