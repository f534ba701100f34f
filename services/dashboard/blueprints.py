"""Every dashboard blueprint comes from ``area()``, which attaches one guard to all of them.

The guard: CSRF on every state-changing request (flask-wtf's CSRFProtect, scoped to these blueprints
only: the /v1 API uses bearer tokens and no cookies, so it needs none), a signed-in operator on every page
but the login form (a session still valid: see ``sessions``), and the admin role for every POST except
signing out. Views therefore cannot forget a
check. Errors inside the dashboard render as HTML pages, not problem+json.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from services.dashboard import sessions
from services.dashboard.view_helpers import SAFE_METHODS, conn, render
from services.errors import ServiceError

PREFIX = "/admin"
PUBLIC_ENDPOINTS = frozenset({"dashboard_auth.login", "dashboard_auth.static"})
VIEWER_POSTS = frozenset({"dashboard_auth.logout"})


def area(name: str, **kwargs: Any) -> Blueprint:
    """A dashboard blueprint under /admin with the guard and HTML error pages attached."""
    bp = Blueprint(f"dashboard_{name}", __name__, url_prefix=PREFIX, template_folder="templates", **kwargs)
    bp.before_request(_guard)
    bp.register_error_handler(ServiceError, _service_error)
    bp.register_error_handler(CSRFError, _csrf_error)
    bp.register_error_handler(HTTPException, _http_error)
    return bp


def _guard() -> Response | None:
    if request.method not in SAFE_METHODS:
        current_app.extensions["csrf"].protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    operator = sessions.current_operator(conn())
    if operator is None:
        sessions.forget()
        target = request.full_path if request.method in SAFE_METHODS else None
        return redirect(url_for("dashboard_auth.login", next=target))
    g.operator = operator
    if request.method not in SAFE_METHODS and request.endpoint not in VIEWER_POSTS and not operator.can_change:
        abort(403, description="your role is viewer: you can look but not change anything")
    return None


def _error_page(status: int, title: str, detail: str) -> tuple[str, int]:
    return render("error.html", status=status, title=title, detail=detail), status


def _service_error(error: ServiceError) -> tuple[str, int]:
    return _error_page(error.status, error.title, error.detail)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _error_page(400, "Form expired", f"{error.description} Go back, reload the page and try again.")


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if error.code is None or error.code < 400:
        return error
    return _error_page(error.code, error.name, error.description or "")
