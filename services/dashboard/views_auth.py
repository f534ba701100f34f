"""/admin/login and /admin/logout."""

from __future__ import annotations

from flask import Response, redirect, request, session, url_for

from services.dashboard import accounts
from services.dashboard.blueprints import area
from services.dashboard.forms import LoginForm
from services.dashboard.view_helpers import conn, render

bp = area("auth", static_folder="static", static_url_path="/static")


def _safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never another host (open redirect)."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard_overview.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Sign in. A wrong password is counted (the response commits it); MAX_FAILURES in a row lock the
    account for LOCK_SECONDS. The same message for an unknown email and a wrong password."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            operator = accounts.authenticate(conn(), form.email.data, form.password.data)
        except accounts.LockedOut as exc:
            error = f"Too many failed sign-ins: this account is locked until {exc.until:%H:%M} UTC."
        else:
            if operator is not None:
                session.clear()  # a fresh session: nothing from before signing in carries over
                session["operator_id"] = operator.id
                session.permanent = True
                return redirect(_safe_next(form.next.data))
            error = "Wrong email or password."
    elif request.method == "GET":
        form.next.data = request.args.get("next", "")[:500]
    return render("login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    session.clear()
    return redirect(url_for("dashboard_auth.login"))
