"""Wiring and shared helpers of the dashboard's blueprints.

Every blueprint comes from ``area()``, which attaches one guard to all of them: CSRF on every
state-changing request (flask-wtf's CSRFProtect, scoped to these blueprints only: the /v1 API uses
bearer tokens and no cookies, so it needs none), a signed-in operator on every page but the login
form, and the admin role for every POST except signing out. Views therefore cannot forget a check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from services import pagination
from services.api import transaction
from services.config import Settings
from services.dashboard import accounts
from services.errors import ServiceError
from services.recommender.serving import LiveModels

T = TypeVar("T")
PREFIX = "/admin"
SESSION_HOURS = 8
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PUBLIC_ENDPOINTS = frozenset({"dashboard_auth.login", "dashboard_auth.static"})
VIEWER_POSTS = frozenset({"dashboard_auth.logout"})


def init_app(app: Flask, settings: Settings) -> None:
    """Register the dashboard on the API's app with secure session cookies."""
    from services.dashboard import (
        views_auth,
        views_catalog,
        views_keys,
        views_ops,
        views_overview,
        views_users,
    )

    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by the dashboard's guard only
        SESSION_COOKIE_NAME="paperfeed_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
    )
    CSRFProtect(app)
    app.add_template_global(first_page_url)
    for module in (views_auth, views_overview, views_catalog, views_users, views_ops, views_keys):
        app.register_blueprint(module.bp)


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
    operator_id = session.get("operator_id")
    operator = accounts.get(conn(), operator_id) if isinstance(operator_id, int) else None
    if operator is None:
        session.pop("operator_id", None)
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


# Helpers for views.

def conn() -> psycopg.Connection:
    """This request's connection: one transaction, committed after a response below 400."""
    return transaction.conn()


def operator() -> accounts.Operator:
    return g.operator


def settings() -> Settings:
    return current_app.extensions["paperfeed.settings"]


def live_models() -> LiveModels:
    return current_app.extensions["paperfeed.models"]


def render(template: str, **context: Any) -> str:
    return render_template(f"dashboard/{template}", me=g.get("operator"), **context)


def page_request(kind: str, param: str = "cursor") -> pagination.PageRequest:
    """The page asked for by ?<param>=&limit= (limit capped by PAGE_LIMIT_MAX); 400 for a foreign cursor."""
    s = settings()
    limit = request.args.get("limit", type=int)
    try:
        return pagination.page_request(kind, request.args.get(param) or None,
                                       max(1, limit) if limit is not None else None, arity=2,
                                       default_limit=s.page_limit_default, max_limit=s.page_limit_max)
    except (pagination.InvalidCursor, pagination.LimitTooLarge) as exc:
        abort(400, description=f"bad page: {exc}")


def paged(kind: str, fetch: Callable[[tuple | None, int], list[T]], key: Callable[[T], Sequence[Any]], *,
          param: str = "cursor") -> tuple[list[T], str | None]:
    """One page of a keyset list: ``fetch(after, limit + 1)`` → (rows shown, link to the next page or None).

    ``param`` names the query parameter carrying this list's cursor, so one page can hold several lists."""
    request_page = page_request(kind, param)
    rows, cursor = pagination.paginate(kind, fetch(request_page.after, request_page.limit + 1),
                                       request_page.limit, key)
    if cursor is None:
        return rows, None
    return rows, url_for(request.endpoint, **{**(request.view_args or {}), **request.args.to_dict(),
                                              param: cursor})


def first_page_url(param: str = "cursor") -> str:
    """This page's URL without the cursor ``param`` (filters and other lists' cursors kept)."""
    args = {k: v for k, v in request.args.to_dict().items() if k != param}
    return url_for(request.endpoint, **{**(request.view_args or {}), **args})


def search_term(name: str = "q", max_length: int = 200) -> str | None:
    """A search box's value, stripped and bounded; None when empty."""
    value = (request.args.get(name) or "").strip()[:max_length]
    return value or None


def confirmed() -> bool:
    """True once the operator pressed the button on the confirmation page."""
    return request.form.get("confirm") == "yes"


def confirm_page(title: str, detail: str) -> str:
    """Ask before a destructive action: the page re-posts to this URL with confirm=yes."""
    return render("confirm.html", title=title, detail=detail, action=request.path,
                  back=request.referrer if (request.referrer or "").startswith(request.host_url) else url_for(
                      "dashboard_overview.index"))


def back_to(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values))
