"""Helpers the dashboard's views share: the request's connection and operator, the app's shared objects,
templates, keyset paging of lists, search boxes and confirmation pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from flask import Response, abort, g, redirect, render_template, request, url_for

from services import pagination
from services.config import Settings
from services.dashboard import accounts
from services.recommender.serving import LiveModels
from services.web import state, transaction

T = TypeVar("T")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def conn() -> psycopg.Connection:
    """This request's connection: one transaction, committed after a response below 400."""
    return transaction.conn()


def operator() -> accounts.Operator:
    return g.operator


def settings() -> Settings:
    return state.settings()


def live_models() -> LiveModels:
    return state.live_models()


def shared() -> state.AppState:
    """The app's shared objects (database, task client, artifact store, metrics)."""
    return state.state()


def render(template: str, **context: Any) -> str:
    return render_template(f"dashboard/{template}", me=g.get("operator"), **context)


def page_request(kind: str, param: str = "cursor", arity: int = 2) -> pagination.PageRequest:
    """The page asked for by ?<param>=&limit= (limit capped by PAGE_LIMIT_MAX; a cursor of ``arity`` values);
    400 for a foreign cursor."""
    s = settings()
    limit = request.args.get("limit", type=int)
    try:
        return pagination.page_request(kind, request.args.get(param) or None,
                                       max(1, limit) if limit is not None else None, arity=arity,
                                       default_limit=s.page_limit_default, max_limit=s.page_limit_max)
    except (pagination.InvalidCursor, pagination.LimitTooLarge) as exc:
        abort(400, description=f"bad page: {exc}")


def paged(kind: str, fetch: Callable[[tuple | None, int], list[T]], key: Callable[[T], Sequence[Any]], *,
          param: str = "cursor", arity: int = 2) -> tuple[list[T], str | None]:
    """One page of a keyset list: ``fetch(after, limit + 1)`` → (rows shown, link to the next page or None).

    ``param`` names the query parameter carrying this list's cursor, so one page can hold several lists;
    ``arity`` is how many values ``key`` gives."""
    request_page = page_request(kind, param, arity)
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
