"""Who may call what: every route of the app × every kind of caller, each cell checked.

The route list comes from the app's url_map, so a new route without a row here fails
``test_every_route_has_a_row``. Each row names a policy; the policy says what each caller gets:

- ``public``: everyone passes (health, docs, metrics, the token-guarded unsubscribe link).
- ``key:<scope>``: service keys with that scope (scopes nest read ⊂ write ⊂ admin) pass, weaker keys
  get 403; user tokens get 403 (they may only call /v1/me); callers without a bearer get 401.
- ``me``: user tokens pass (acting as their own user); service keys get 403; no bearer: 401.
- ``dash:public`` (login form, stylesheet): everyone. ``dash:view`` and ``dash:signed-in`` (sign out):
  signed-in operators, anyone else is sent to the login form. ``dash:change``: admin operators;
  viewers get 403; anyone else is sent to the login form.

"Passes" means the guard let the request through: not 401, not 403, not sent to the login form, and
no server error (a 404 or 422 after the guard is a pass; bodies are chosen so that nothing is
queued or destroyed that later cells need). Bearer credentials never open the dashboard and dashboard
sessions never open the API. Every dashboard POST carries a valid CSRF token of the caller's own
session, so what is tested is the role check, not CSRF.
"""

from __future__ import annotations

import pytest

from services.auth import SCOPE_RANK
from tests.integration import dashboard_support as ds

PASS, UNAUTHENTICATED, FORBIDDEN, LOGIN = "pass", "401", "403", "login"
TOKENS = ("token_own", "token_other")
KEYS = {"read_key": "read", "write_key": "write", "admin_key": "admin"}
SESSIONS = ("viewer", "admin")
PRINCIPALS = ("anonymous", *TOKENS, *KEYS, *SESSIONS)

OWN, OTHER, PAPER = "alice", "bob", "2604.00001"
GONE = "carol"  # DELETE /v1/users/{id} targets a user nobody else needs
SUBSCRIPTION = "sub-1"
NO_ROW = "999999"  # ids of rows that do not exist: the guard runs before the lookup

# (method, rule) → (policy, concrete path, body). A JSON body for /v1, form fields for /admin.
MATRIX: dict[tuple[str, str], tuple[str, str, dict | None]] = {
    ("GET", "/healthz"): ("public", "/healthz", None),
    ("GET", "/readyz"): ("public", "/readyz", None),
    ("GET", "/metrics"): ("public", "/metrics", None),
    ("GET", "/openapi.json"): ("public", "/openapi.json", None),
    ("GET", "/docs/"): ("public", "/docs/", None),
    ("GET", "/docs/<path:path>"): ("public", "/docs/swagger-ui.css", None),
    ("GET", "/static/<path:filename>"): ("public", "/static/nothing.css", None),
    ("GET", "/unsubscribe"): ("public", "/unsubscribe", None),  # the signed token is the credential
    ("POST", "/unsubscribe"): ("public", "/unsubscribe", None),
    ("GET", "/subscriptions/manage"): ("public", "/subscriptions/manage", None),  # signed link: 422 without
    ("GET", "/email/confirm"): ("public", "/email/confirm", None),
    ("POST", "/email/confirm"): ("public", "/email/confirm", None),
    # Papers
    ("GET", "/v1/papers"): ("key:read", "/v1/papers", None),
    ("GET", "/v1/papers/<paper_id>"): ("key:read", f"/v1/papers/{PAPER}", None),
    ("PUT", "/v1/papers/<paper_id>"): ("key:write", f"/v1/papers/{PAPER}", {}),
    ("DELETE", "/v1/papers/<paper_id>"): ("key:admin", "/v1/papers/no-such-paper", None),
    ("POST", "/v1/papers/batch"): ("key:write", "/v1/papers/batch", {}),
    ("GET", "/v1/papers/<paper_id>/similar"): ("key:read", f"/v1/papers/{PAPER}/similar", None),
    ("GET", "/v1/trending"): ("key:read", "/v1/trending", None),
    ("POST", "/v1/events"): ("key:write", "/v1/events", {}),
    # Users through service keys
    ("PUT", "/v1/users/<user_id>"): ("key:write", f"/v1/users/{OWN}", {}),
    ("GET", "/v1/users/<user_id>"): ("key:read", f"/v1/users/{OWN}", None),
    ("DELETE", "/v1/users/<user_id>"): ("key:write", f"/v1/users/{GONE}", None),
    ("GET", "/v1/users/<user_id>/export"): ("key:read", f"/v1/users/{OWN}/export", None),
    ("GET", "/v1/users/<user_id>/feed"): ("key:read", f"/v1/users/{OWN}/feed", None),
    ("GET", "/v1/users/<user_id>/history"): ("key:read", f"/v1/users/{OWN}/history", None),
    ("GET", "/v1/users/<user_id>/stars"): ("key:read", f"/v1/users/{OWN}/stars", None),
    ("POST", "/v1/users/<user_id>/tokens"): ("key:write", f"/v1/users/{OWN}/tokens", {}),
    ("POST", "/v1/users/<user_id>/tokens/revoke"): ("key:write", f"/v1/users/{OTHER}/tokens/revoke", None),
    ("GET", "/v1/users/<user_id>/alerts"): ("key:read", f"/v1/users/{OWN}/alerts", None),
    ("POST", "/v1/users/<user_id>/alerts/<alert_id>/read"): (
        "key:write", f"/v1/users/{OWN}/alerts/{NO_ROW}/read", None),
    ("GET", "/v1/users/<user_id>/subscriptions"): ("key:read", f"/v1/users/{OWN}/subscriptions", None),
    ("GET", "/v1/users/<user_id>/subscriptions/<subscription_id>"): (
        "key:read", f"/v1/users/{OWN}/subscriptions/{SUBSCRIPTION}", None),
    ("PUT", "/v1/users/<user_id>/subscriptions/<subscription_id>"): (
        "key:write", f"/v1/users/{OWN}/subscriptions/{SUBSCRIPTION}", {}),
    ("DELETE", "/v1/users/<user_id>/subscriptions/<subscription_id>"): (
        "key:write", f"/v1/users/{OWN}/subscriptions/{SUBSCRIPTION}", None),
    ("POST", "/v1/users/<user_id>/subscriptions/<subscription_id>/rotate-secret"): (
        "key:write", f"/v1/users/{OWN}/subscriptions/{SUBSCRIPTION}/rotate-secret", None),
    ("POST", "/v1/users/<user_id>/email/confirmation"): ("key:write", f"/v1/users/{OWN}/email/confirmation", None),
    # Operations
    ("POST", "/v1/admin/jobs"): ("key:admin", "/v1/admin/jobs", {"job": "no-such-job"}),  # 422: nothing queued
    ("GET", "/v1/admin/jobs/<job_id>"): ("key:admin", f"/v1/admin/jobs/{NO_ROW}", None),
    ("GET", "/v1/admin/models"): ("key:admin", "/v1/admin/models", None),
    ("GET", "/v1/admin/stats"): ("key:admin", "/v1/admin/stats", None),
    ("POST", "/v1/admin/experiments"): ("key:admin", "/v1/admin/experiments", {}),  # an empty body: 422, nothing created
    ("GET", "/v1/admin/experiments"): ("key:admin", "/v1/admin/experiments", None),
    ("GET", "/v1/admin/experiments/<int:experiment>"): ("key:admin", f"/v1/admin/experiments/{NO_ROW}", None),
    ("POST", "/v1/admin/experiments/<int:experiment>/pause"): ("key:admin", f"/v1/admin/experiments/{NO_ROW}/pause", None),
    ("POST", "/v1/admin/experiments/<int:experiment>/resume"): ("key:admin", f"/v1/admin/experiments/{NO_ROW}/resume", None),
    ("POST", "/v1/admin/experiments/<int:experiment>/stop"): ("key:admin", f"/v1/admin/experiments/{NO_ROW}/stop", None),
    ("GET", "/v1/admin/experiments/<int:experiment>/results"): ("key:admin", f"/v1/admin/experiments/{NO_ROW}/results", None),
    ("POST", "/v1/admin/experiments/<int:experiment>/promote"): ("key:admin", f"/v1/admin/experiments/{NO_ROW}/promote", {}),
    ("GET", "/v1/admin/experiments/defaults"): ("key:admin", "/v1/admin/experiments/defaults", None),
    ("DELETE", "/v1/admin/experiments/defaults"): ("key:admin", "/v1/admin/experiments/defaults", None),
    # A user's own data through a user token
    ("GET", "/v1/me"): ("me", "/v1/me", None),
    ("PUT", "/v1/me"): ("me", "/v1/me", {}),
    ("DELETE", "/v1/me"): ("me", "/v1/me", None),
    ("POST", "/v1/me/tokens/revoke"): ("me", "/v1/me/tokens/revoke", None),
    ("GET", "/v1/me/export"): ("me", "/v1/me/export", None),
    ("GET", "/v1/me/feed"): ("me", "/v1/me/feed", None),
    ("GET", "/v1/me/history"): ("me", "/v1/me/history", None),
    ("GET", "/v1/me/stars"): ("me", "/v1/me/stars", None),
    ("POST", "/v1/me/events"): ("me", "/v1/me/events", {}),
    ("GET", "/v1/me/alerts"): ("me", "/v1/me/alerts", None),
    ("POST", "/v1/me/alerts/<alert_id>/read"): ("me", f"/v1/me/alerts/{NO_ROW}/read", None),
    ("GET", "/v1/me/subscriptions"): ("me", "/v1/me/subscriptions", None),
    ("GET", "/v1/me/subscriptions/<subscription_id>"): ("me", f"/v1/me/subscriptions/{SUBSCRIPTION}", None),
    ("PUT", "/v1/me/subscriptions/<subscription_id>"): ("me", f"/v1/me/subscriptions/{SUBSCRIPTION}", {}),
    ("DELETE", "/v1/me/subscriptions/<subscription_id>"): ("me", f"/v1/me/subscriptions/{SUBSCRIPTION}", None),
    ("POST", "/v1/me/subscriptions/<subscription_id>/rotate-secret"): (
        "me", f"/v1/me/subscriptions/{SUBSCRIPTION}/rotate-secret", None),
    ("POST", "/v1/me/email/confirmation"): ("me", "/v1/me/email/confirmation", None),
    # The operators' dashboard
    ("GET", "/admin/login"): ("dash:public", "/admin/login", None),
    ("POST", "/admin/login"): ("dash:public", "/admin/login", {"email": "", "password": ""}),
    ("GET", "/admin/static/<path:filename>"): ("dash:public", "/admin/static/dashboard.css", None),
    ("POST", "/admin/logout"): ("dash:signed-in", "/admin/logout", {}),
    ("GET", "/admin/"): ("dash:view", "/admin/", None),
    ("GET", "/admin/alerts"): ("dash:view", "/admin/alerts", None),
    ("POST", "/admin/alerts/<int:alert>/retry"): ("dash:change", f"/admin/alerts/{NO_ROW}/retry", {}),
    ("GET", "/admin/audit"): ("dash:view", "/admin/audit", None),
    ("GET", "/admin/jobs"): ("dash:view", "/admin/jobs", None),
    ("GET", "/admin/sources"): ("dash:view", "/admin/sources", None),
    ("GET", "/admin/experiments"): ("dash:view", "/admin/experiments", None),
    ("POST", "/admin/experiments"): ("dash:change", "/admin/experiments", {}),  # no fields: the form is refused
    ("GET", "/admin/experiments/<int:experiment>"): ("dash:view", f"/admin/experiments/{NO_ROW}", None),
    ("POST", "/admin/experiments/<int:experiment>/<any(pause, resume, stop):action>"): (
        "dash:change", f"/admin/experiments/{NO_ROW}/stop", {}),  # asks
    ("POST", "/admin/experiments/<int:experiment>/promote"): (
        "dash:change", f"/admin/experiments/{NO_ROW}/promote", {}),  # no variant: refused
    ("POST", "/admin/experiments/defaults/reset"): ("dash:change", "/admin/experiments/defaults/reset", {}),  # asks
    ("POST", "/admin/jobs"): ("dash:change", "/admin/jobs", {"job": "no-such-job"}),
    ("GET", "/admin/keys"): ("dash:view", "/admin/keys", None),
    ("POST", "/admin/keys"): ("dash:change", "/admin/keys", {}),  # no name: the form is refused
    ("POST", "/admin/keys/<int:key>/revoke"): ("dash:change", f"/admin/keys/{NO_ROW}/revoke", {}),
    ("GET", "/admin/models"): ("dash:view", "/admin/models", None),
    ("POST", "/admin/models/<int:version>/rollback"): ("dash:change", f"/admin/models/{NO_ROW}/rollback", {}),
    ("GET", "/admin/papers"): ("dash:view", "/admin/papers", None),
    ("GET", "/admin/papers/<paper_id>"): ("dash:view", f"/admin/papers/{PAPER}", None),
    ("POST", "/admin/papers/<paper_id>"): ("dash:change", f"/admin/papers/{PAPER}", {}),
    ("POST", "/admin/papers/<paper_id>/<any(hide, unhide, feature, unfeature):action>"): (
        "dash:change", f"/admin/papers/{PAPER}/feature", {}),
    ("POST", "/admin/papers/<paper_id>/delete"): ("dash:change", f"/admin/papers/{PAPER}/delete", {}),  # asks
    ("GET", "/admin/papers/import"): ("dash:view", "/admin/papers/import", None),
    ("POST", "/admin/papers/import"): ("dash:change", "/admin/papers/import", {}),  # no file: refused
    ("GET", "/admin/papers/imports/<int:number>"): ("dash:view", f"/admin/papers/imports/{NO_ROW}", None),
    ("GET", "/admin/users"): ("dash:view", "/admin/users", None),
    ("GET", "/admin/users/<user_id>"): ("dash:view", f"/admin/users/{OWN}", None),
    ("POST", "/admin/users/<user_id>/delete"): ("dash:change", f"/admin/users/{OWN}/delete", {}),  # asks
}
# Run last: they end the caller's identity (the token is revoked, then a fresh one is minted; the token's
# user is deleted; the session ends).
LAST = (("POST", "/v1/users/<user_id>/tokens/revoke"), ("POST", "/v1/me/tokens/revoke"), ("DELETE", "/v1/me"),
        ("POST", "/admin/logout"))
USERS = {"token_own": OWN, "token_other": OTHER}


def expected(policy: str, principal: str) -> str:
    """What ``principal`` must get from a route under ``policy``."""
    if policy in ("public", "dash:public"):
        return PASS
    if policy.startswith("key:"):
        if principal in KEYS:
            return PASS if SCOPE_RANK[KEYS[principal]] >= SCOPE_RANK[policy[4:]] else FORBIDDEN
        return FORBIDDEN if principal in TOKENS else UNAUTHENTICATED
    if policy == "me":
        return PASS if principal in TOKENS else FORBIDDEN if principal in KEYS else UNAUTHENTICATED
    if principal not in SESSIONS:
        return LOGIN
    if policy == "dash:change" and principal == "viewer":
        return FORBIDDEN
    if policy == "dash:signed-in":
        return LOGIN  # signing out also ends at the login form; test_every_cell checks the session ended
    return PASS


def outcome(response, path: str) -> str:
    if response.status_code in (401, 403):
        return str(response.status_code)
    if response.status_code in (301, 302, 303) and "/admin/login" in response.headers.get("Location", ""):
        return LOGIN
    # 503 + Retry-After is the documented "not built yet" of readiness, similar papers and trending.
    not_ready = response.status_code == 503 and ("Retry-After" in response.headers or path == "/readyz")
    if response.status_code >= 500 and not not_ready:
        return f"server error {response.status_code}"
    return PASS


def all_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture
def world(app, client, headers, user_token, operators, dashboard_client):
    """One paper, users alice and bob with a user token each, keys of every scope, operators signed in.
    Returns principal → (test client, extra headers)."""
    paper = {"title": "A paper", "abstract": "About things.", "authors": ["Ada Lovelace"], "categories": ["cs.LG"]}
    assert client.put(f"/v1/papers/{PAPER}", json=paper, headers=headers["write"]).status_code in (200, 201)
    callers = {"anonymous": (app.test_client(), {}),
               "token_own": (app.test_client(), user_token(OWN)),
               "token_other": (app.test_client(), user_token(OTHER)),
               "viewer": (dashboard_client("viewer"), {}),
               "admin": (dashboard_client("admin"), {})}
    for principal, scope in KEYS.items():
        callers[principal] = (app.test_client(), headers[scope])
    return callers


def test_every_route_has_a_row(app):
    routes = all_routes(app)
    assert sorted(routes - MATRIX.keys()) == [], "routes without a row in the authorization matrix"
    assert sorted(MATRIX.keys() - routes) == [], "rows for routes that no longer exist"


def test_the_policies_say_what_the_readme_says():
    """Spot checks of the expectation function itself, so a wrong policy table cannot pass silently."""
    assert expected("key:write", "read_key") == FORBIDDEN and expected("key:write", "admin_key") == PASS
    assert expected("key:read", "token_own") == FORBIDDEN and expected("key:read", "viewer") == UNAUTHENTICATED
    assert expected("me", "admin_key") == FORBIDDEN and expected("me", "token_other") == PASS
    assert expected("dash:change", "viewer") == FORBIDDEN and expected("dash:view", "admin_key") == LOGIN


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_every_cell(world, principal, user_token):
    client, auth = world[principal]
    csrf = ds.csrf_token(client)  # what a browser of this caller would hold, signed in or not
    order = sorted(MATRIX, key=lambda row: (row in LAST, LAST.index(row) if row in LAST else 0))
    wrong = []
    for method, rule in order:
        policy, path, body = MATRIX[(method, rule)]
        if path.startswith("/admin"):
            kwargs = {"data": {**(body or {}), "csrf_token": csrf}} if method == "POST" else {}
        else:
            kwargs = {"json": body} if body is not None else {}
        response = client.open(path, method=method, headers=auth, **kwargs)
        want, got = expected(policy, principal), outcome(response, path)
        if got != want:
            wrong.append(f"{method} {path}: expected {want}, got {got} ({response.status_code} "
                         f"{response.get_data(as_text=True)[:120]!r})")
        if rule.endswith("/tokens/revoke") and principal in TOKENS:
            if client.get("/v1/me", headers=auth).status_code != 401 and rule.startswith("/v1/me"):
                wrong.append(f"{method} {path}: the revoked token still works")
            auth = user_token(USERS[principal])  # the rows after it need a valid token of this user
        if policy == "dash:signed-in" and principal in SESSIONS and outcome(client.get("/admin/"), "/admin/") != LOGIN:
            wrong.append(f"{method} {path}: the session still opens the dashboard afterwards")
    assert wrong == [], f"{principal}: " + "\n".join(wrong)
