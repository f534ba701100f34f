"""Dashboard sessions (audit finding 2) and sign-in limits (finding 4).

A session is a signed cookie; without a server-side check it could not be revoked: sign-out cleared only
the browser's copy, and a copied cookie kept working, re-signed on every request for ever.
"""

from __future__ import annotations

import secrets

from services.api.security import limiter_of
from services.app import create_app
from services.dashboard import accounts
from tests.integration import dashboard_support as ds

COOKIE = "paperfeed_admin"


def _copy_session(source, target) -> None:
    cookie = source.get_cookie(COOKIE)
    assert cookie is not None
    target.set_cookie(COOKIE, cookie.value, domain=cookie.domain)


def test_a_copied_cookie_dies_with_sign_out(app, dashboard_client):
    browser = dashboard_client("admin")
    thief = app.test_client()
    _copy_session(browser, thief)
    assert thief.get("/admin/").status_code == 200  # the copy works while the session lives
    assert ds.post(browser, "/admin/logout").status_code == 302
    assert thief.get("/admin/").status_code == 302  # sent to the login form
    assert ds.sign_in(browser, ds.ADMIN).status_code == 302  # signing in again starts a new session
    assert thief.get("/admin/").status_code == 302


def test_sign_out_ends_every_session_of_the_operator_only(app, dashboard_client):
    laptop, phone, viewer = dashboard_client("admin"), dashboard_client("admin"), dashboard_client("viewer")
    assert ds.post(laptop, "/admin/logout").status_code == 302
    assert phone.get("/admin/").status_code == 302  # "sign out everywhere"
    assert viewer.get("/admin/").status_code == 200  # another operator is untouched


def test_a_password_change_ends_sessions(dashboard_client, clean_db):
    browser = dashboard_client("admin")
    with clean_db.connection() as conn:
        accounts.set_password(conn, ds.ADMIN, "a brand new password 7")
    assert browser.get("/admin/").status_code == 302


def test_a_session_has_an_absolute_lifetime(dashboard_client):
    """A session used every few minutes is re-signed each time; it still ends SESSION_HOURS after sign-in."""
    from services.dashboard import sessions

    browser = dashboard_client("admin")
    with browser.session_transaction() as session:
        session[sessions.SIGNED_IN_AT] -= sessions.SESSION_HOURS * 3600 + 1
    assert browser.get("/admin/").status_code == 302


def _limited_app(settings, clean_db, **limits):
    app = create_app(settings.replace(**limits), db=clean_db)
    limiter_of(app).reset()
    return app


def test_sign_in_is_limited_per_address_before_any_password_is_checked(settings, clean_db, operators):
    client = _limited_app(settings, clean_db, login_rate_limit="3/minute",
                          login_rate_limit_global="1000/minute").test_client()
    address = {"REMOTE_ADDR": f"192.0.2.{secrets.randbelow(250) + 1}"}

    def attempt(email, password="guess-guess"):
        return client.post("/admin/login", environ_base=address, data={
            "email": email, "password": password, "csrf_token": ds.csrf_token(client)})

    codes = [attempt(f"nobody{n}@example.org").status_code for n in range(3)]
    assert codes == [200, 200, 200]
    refused = attempt(ds.ADMIN, ds.PASSWORD)  # even the right password: the budget is spent
    assert refused.status_code == 429 and "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert client.post("/admin/login", environ_base={"REMOTE_ADDR": "192.0.2.254"}, data={  # another address
        "email": ds.ADMIN, "password": ds.PASSWORD, "csrf_token": ds.csrf_token(client)}).status_code == 302


def test_sign_in_has_a_global_limit_against_spraying_from_many_addresses(settings, clean_db, operators):
    client = _limited_app(settings, clean_db, login_rate_limit="1000/minute",
                          login_rate_limit_global="4/minute").test_client()
    codes = [client.post("/admin/login", environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}, data={
        "email": ds.ADMIN, "password": f"spray-{n}", "csrf_token": ds.csrf_token(client)}).status_code
        for n in range(1, 7)]
    assert codes == [200, 200, 200, 200, 429, 429]


def test_the_lock_out_message_does_not_reveal_operators(app, operators):
    client = app.test_client()
    for _ in range(accounts.MAX_FAILURES):
        ds.sign_in(client, ds.ADMIN, "guess-guess")
    locked = ds.sign_in(client, ds.ADMIN, "guess-guess").get_data(as_text=True)
    unknown = ds.sign_in(client, "nobody@example.org", "guess-guess").get_data(as_text=True)
    assert "locked" not in locked.lower().replace("failed attempts on this account", "")
    message = "Wrong email or password, or too many failed attempts on this account: try again later."
    assert message in locked and message in unknown


def test_unsubscribe_is_limited_per_address(settings, clean_db):
    client = _limited_app(settings, clean_db, unsubscribe_rate_limit="3/minute").test_client()
    address = {"REMOTE_ADDR": f"198.18.0.{secrets.randbelow(250) + 1}"}
    codes = [client.post("/unsubscribe?token=not-a-token", environ_base=address).status_code for _ in range(5)]
    assert codes == [422, 422, 422, 429, 429]
    limited = client.post("/unsubscribe?token=x", environ_base=address)
    assert limited.mimetype == "application/problem+json" and limited.headers["Retry-After"] == "60"
