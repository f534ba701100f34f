"""Dashboard sign-in: sessions and their cookie flags, lock-out, CSRF, roles, nothing reachable signed out."""

import pytest

from services.app import create_app
from services.dashboard import accounts
from tests.helpers import cli_env, run_cli
from tests.integration import dashboard_support as ds
from tests.integration.dashboard_support import *  # noqa: F403 (fixtures)

PAGES = ["/admin/", "/admin/papers", "/admin/papers/p1", "/admin/papers/import", "/admin/papers/imports/1",
         "/admin/users", "/admin/users/u1", "/admin/models", "/admin/jobs", "/admin/alerts", "/admin/keys",
         "/admin/audit"]
# Every state-changing route, with a body that would be valid for an admin.
CHANGES = [
    ("/admin/papers/p1", {"title": "Changed"}), ("/admin/papers/p1/hide", {}), ("/admin/papers/p1/unhide", {}),
    ("/admin/papers/p1/feature", {}), ("/admin/papers/p1/unfeature", {}),
    ("/admin/papers/p1/delete", {"confirm": "yes"}), ("/admin/papers/import", {}),
    ("/admin/users/u1/delete", {"confirm": "yes"}), ("/admin/jobs", {"job": "trending"}),
    ("/admin/models/1/rollback", {"confirm": "yes"}), ("/admin/alerts/1/retry", {}),
    ("/admin/keys", {"name": "k", "scopes": "read"}), ("/admin/keys/1/revoke", {"confirm": "yes"}),
]


@pytest.fixture
def catalogue(clean_db):
    with clean_db.connection() as conn:
        conn.execute("INSERT INTO papers (id, title) VALUES ('p1', 'A paper about graphs')")
        conn.execute("INSERT INTO users (id) VALUES ('u1')")


def _paper(clean_db):
    with clean_db.connection() as conn:
        return conn.execute("SELECT title, hidden, featured, deleted_at FROM papers WHERE id = 'p1'").fetchone()


@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_reachable_signed_out(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


@pytest.mark.parametrize(("path", "data"), CHANGES)
def test_no_change_is_possible_signed_out(client, catalogue, clean_db, path, data):
    token = ds.csrf_token(client)  # a valid token of an anonymous session still does not sign anyone in
    response = client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
    assert client.post(path, data=data).status_code == 400  # and without a token: refused before anything
    assert _paper(clean_db) == {"title": "A paper about graphs", "hidden": False, "featured": False,
                                "deleted_at": None}


@pytest.mark.parametrize(("path", "data"), CHANGES)
def test_a_viewer_can_look_but_not_change(viewer_client, catalogue, clean_db, path, data):
    assert viewer_client.get("/admin/papers/p1").status_code == 200
    response = ds.post(viewer_client, path, data)
    assert response.status_code == 403, path
    assert "viewer" in response.get_data(as_text=True)
    assert _paper(clean_db)["title"] == "A paper about graphs"
    with clean_db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM api_keys").fetchone()["n"] == 0
        assert conn.execute("SELECT count(*) AS n FROM job_runs").fetchone()["n"] == 0
        assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"] == 0


def test_every_form_needs_the_csrf_token(admin_client, catalogue, clean_db):
    assert admin_client.post("/admin/papers/p1/hide").status_code == 400
    assert admin_client.post("/admin/papers/p1/hide", data={"csrf_token": "forged"}).status_code == 400
    assert _paper(clean_db)["hidden"] is False
    assert ds.post(admin_client, "/admin/papers/p1/hide").status_code == 302
    assert _paper(clean_db)["hidden"] is True


def test_the_json_api_needs_no_csrf_token(client, headers):
    response = client.put("/v1/papers/p2", json={"title": "Via the API"}, headers=headers["write"])
    assert response.status_code == 201


def test_sign_in_sets_a_session_cookie_with_secure_flags(app, operators):
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page
    response = ds.sign_in(client, ds.ADMIN)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("paperfeed_admin="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert ds.ADMIN in client.get("/admin/").get_data(as_text=True)


def test_the_cookie_is_secure_behind_https(settings, clean_db, operators):
    app = create_app(settings.replace(public_base_url="https://paperfeed.example.org"), db=clean_db)
    response = ds.sign_in(app.test_client(), ds.ADMIN)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("paperfeed_admin="))
    assert "Secure" in cookie


def test_wrong_password_and_unknown_email_get_the_same_answer(app, operators):
    client = app.test_client()
    wrong = ds.sign_in(client, ds.ADMIN, "not the password").get_data(as_text=True)
    unknown = ds.sign_in(client, "nobody@example.org").get_data(as_text=True)
    assert "Wrong email or password" in wrong and "Wrong email or password" in unknown
    assert client.get("/admin/").status_code == 302


def test_repeated_failures_lock_the_account(app, operators, clean_db):
    client = app.test_client()
    for _ in range(accounts.MAX_FAILURES):
        assert "Wrong email or password" in ds.sign_in(client, ds.ADMIN, "guess").get_data(as_text=True)
    locked = ds.sign_in(client, ds.ADMIN)  # even the right password is not checked while locked
    # The same words as a wrong password: the form does not reveal which emails are accounts.
    assert locked.status_code == 200 and "Wrong email or password" in locked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert ds.sign_in(app.test_client(), ds.VIEWER).status_code == 302  # other accounts are unaffected
    with clean_db.connection() as conn:
        conn.execute("UPDATE operators SET locked_until = now() - interval '1 second'")
    assert ds.sign_in(client, ds.ADMIN).status_code == 302


def test_sign_in_redirects_only_inside_the_dashboard(app, operators):
    client = app.test_client()
    for target, expected in (("/admin/users?q=x", "/admin/users?q=x"), ("//evil.example", "/admin/"),
                             ("https://evil.example/admin", "/admin/")):
        response = client.post("/admin/login", data={"email": ds.ADMIN, "password": ds.PASSWORD, "next": target,
                                                     "csrf_token": ds.csrf_token(client)})
        assert response.headers["Location"] == expected


def test_sign_out_ends_the_session(admin_client):
    assert ds.post(admin_client, "/admin/logout").status_code == 302
    assert admin_client.get("/admin/").status_code == 302


def test_a_deleted_account_is_signed_out(admin_client, clean_db):
    with clean_db.connection() as conn:
        conn.execute("DELETE FROM operators WHERE email = %s", (ds.ADMIN,))
    assert admin_client.get("/admin/").status_code == 302


def test_admin_create_command(settings, clean_db):
    env = cli_env(settings, PAPERFEED_ADMIN_PASSWORD="a long enough password")
    created = run_cli(["admin", "create", "ops@example.org", "--role", "viewer"], env)
    assert created.returncode == 0, created.stderr
    with clean_db.connection() as conn:
        assert accounts.authenticate(conn, "ops@example.org", "a long enough password").role == "viewer"
    again = run_cli(["admin", "create", "OPS@example.org"], env)
    assert again.returncode == 1 and "already exists" in again.stderr
    short = run_cli(["admin", "create", "x@example.org"], cli_env(settings, PAPERFEED_ADMIN_PASSWORD="short"))
    assert short.returncode == 1 and "password must be" in short.stderr


def test_passwords_are_stored_as_argon2id_hashes(operators, clean_db):
    with clean_db.connection() as conn:
        hashes = [r["password_hash"] for r in conn.execute("SELECT password_hash FROM operators")]
    assert hashes and all(h.startswith("$argon2id$") and ds.PASSWORD not in h for h in hashes)


def test_the_demo_admin_is_created_once_when_there_is_no_operator(clean_db):
    with clean_db.connection() as conn:
        password = accounts.ensure_demo_admin(conn)
        assert password and accounts.authenticate(conn, accounts.DEMO_EMAIL, password).role == "admin"
        assert accounts.ensure_demo_admin(conn) is None  # the next `up` changes nothing
        assert conn.execute("SELECT count(*) AS n FROM operators").fetchone()["n"] == 1
