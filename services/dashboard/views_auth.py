"""/admin/login and /admin/logout."""

from __future__ import annotations

from flask import Response, current_app, redirect, request, session, url_for

from services.dashboard import accounts, sessions
from services.dashboard.blueprints import area
from services.dashboard.forms import LoginForm
from services.dashboard.view_helpers import conn, operator, render, settings

bp = area("auth", static_folder="static", static_url_path="/static")


def _safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never another host (open redirect)."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard_overview.index")


FAILED = "Wrong email or password, or too many failed attempts on this account: try again later."
THROTTLED = "Too many sign-in attempts: wait a minute and try again."


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in. Tries are limited per client address and overall (LOGIN_RATE_LIMIT,
    LOGIN_RATE_LIMIT_GLOBAL) before any password is hashed; a wrong password is counted (the response
    commits it) and MAX_FAILURES in a row lock the account for LOCK_SECONDS. One message for an unknown
    email, a wrong password and a locked account, so the form does not tell who is an operator."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        s = settings()
        throttle = current_app.extensions["paperfeed.throttle"]
        if not throttle.allow((s.login_rate_limit_global, "login:all"),
                              (s.login_rate_limit, f"login:ip:{request.remote_addr}")):
            return render("login.html", form=form, error=THROTTLED), 429
        try:
            signed_in = accounts.authenticate(conn(), form.email.data, form.password.data)
        except accounts.LockedOut:
            signed_in = None
        if signed_in is not None:
            sessions.start(signed_in)
            return redirect(_safe_next(form.next.data))
        error = FAILED
    elif request.method == "GET":
        form.next.data = request.args.get("next", "")[:500]
    return render("login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out everywhere: every session of this operator ends, in every browser (a copied cookie
    included), not only this browser's."""
    accounts.end_sessions(conn(), operator().id)
    session.clear()
    return redirect(url_for("dashboard_auth.login"))
