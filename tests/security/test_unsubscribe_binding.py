"""Audit finding 10: an unsubscribe link ends the subscription it was sent for, never one created later
under the same id (subscription ids are chosen by clients and repeat)."""

from __future__ import annotations

import datetime as dt

from services.alerts.unsubscribe import make_token

SUB = {"kind": "instant", "channel": "inbox"}


def test_an_old_link_cannot_end_a_recreated_subscription(client, settings, headers):
    assert client.put("/v1/users/alice", json={}, headers=headers["write"]).status_code in (200, 201)
    first = client.put("/v1/users/alice/subscriptions/news", json=SUB, headers=headers["write"])
    assert first.status_code == 201, first.get_json()
    old_link = make_token(settings.secret_key, "alice", "news", dt.datetime.fromisoformat(first.get_json()["created_at"]))
    assert client.delete("/v1/users/alice/subscriptions/news", headers=headers["write"]).status_code == 204
    again = client.put("/v1/users/alice/subscriptions/news", json=SUB, headers=headers["write"])
    assert again.status_code == 201

    refused = client.post(f"/unsubscribe?token={old_link}")
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert client.get("/v1/users/alice/subscriptions/news", headers=headers["read"]).get_json()["enabled"] is True

    new_link = make_token(settings.secret_key, "alice", "news", dt.datetime.fromisoformat(again.get_json()["created_at"]))
    assert client.post(f"/unsubscribe?token={new_link}").status_code == 200
    assert client.get("/v1/users/alice/subscriptions/news", headers=headers["read"]).get_json()["enabled"] is False
