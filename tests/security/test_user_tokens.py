"""User tokens: a lifetime capped on every verification (audit finding 1), and revocation by the user
or a service key (finding 3)."""

from __future__ import annotations

import datetime as dt

from itsdangerous import URLSafeSerializer

from services import auth


def _forge(settings, user_id: str, key_id: int, *, issued: float, expires: float) -> dict[str, str]:
    """What someone holding SECRET_KEY could sign: any payload, any lifetime."""
    token = auth.TOKEN_PREFIX + URLSafeSerializer(settings.secret_key, salt=auth._SALT).dumps(
        {"u": user_id, "k": key_id, "i": issued, "e": int(expires)})
    return {"Authorization": f"Bearer {token}"}


def _key_id(clean_db, settings, headers) -> int:
    with clean_db.connection() as conn:
        return auth.authenticate(conn, settings.secret_key, headers["write"]["Authorization"].split()[1],
                                 max_ttl_seconds=settings.token_ttl_max_seconds).key_id


def test_a_token_signed_for_longer_than_the_maximum_lifetime_is_refused(client, settings, clean_db, headers,
                                                                        user_token):
    user_token("alice")  # the user exists, the key is active: only the lifetime is wrong
    key_id = _key_id(clean_db, settings, headers)
    now = dt.datetime.now(dt.UTC).timestamp()
    year = _forge(settings, "alice", key_id, issued=now, expires=now + 365 * 86400)
    assert settings.token_ttl_max_seconds < 365 * 86400
    assert client.get("/v1/me", headers=year).status_code == 401
    future = _forge(settings, "alice", key_id, issued=now + 3600, expires=now + 7200)
    assert client.get("/v1/me", headers=future).status_code == 401
    within = _forge(settings, "alice", key_id, issued=now, expires=now + settings.token_ttl_max_seconds)
    assert client.get("/v1/me", headers=within).status_code == 200  # the same forgery within the cap passes


def test_a_user_revokes_their_own_tokens(client, user_token):
    first, second = user_token("alice"), user_token("alice")
    other = user_token("bob")
    response = client.post("/v1/me/tokens/revoke", headers=first)
    assert response.status_code == 200 and response.get_json()["revoked_before"]
    assert client.get("/v1/me", headers=first).status_code == 401
    assert client.get("/v1/me", headers=second).status_code == 401
    assert client.get("/v1/me", headers=other).status_code == 200  # only alice's tokens
    assert client.get("/v1/me", headers=user_token("alice")).status_code == 200  # a new one works


def test_a_service_key_revokes_a_users_tokens(client, headers, user_token):
    token = user_token("alice")
    assert client.post("/v1/users/alice/tokens/revoke", headers=headers["read"]).status_code == 403
    assert client.post("/v1/users/alice/tokens/revoke", headers=headers["write"]).status_code == 200
    assert client.get("/v1/me", headers=token).status_code == 401
    missing = client.post("/v1/users/nobody/tokens/revoke", headers=headers["write"])
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
