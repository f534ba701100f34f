"""/admin/users: search, a user's page with their feed and its reasons, delete."""

from __future__ import annotations

from flask import Response, flash, request

from services.dashboard import insight, operations
from services.dashboard.blueprints import area
from services.dashboard.view_helpers import (
    back_to,
    confirm_page,
    confirmed,
    conn,
    live_models,
    operator,
    paged,
    render,
    search_term,
    settings,
)
from services.store import alerts as alerts_store
from services.store import events as events_store
from services.store import users as users_store

bp = area("users")


@bp.route("/users")
def users() -> str:
    q = search_term()
    rows, next_url = paged("admin.users", lambda after, limit: users_store.listing(conn(), q=q, after=after, limit=limit),
                           lambda r: (r["created_at"], r["id"]))
    return render("users.html", rows=rows, next_url=next_url, q=q or "")


@bp.route("/users/<user_id>")
def user(user_id: str) -> str:
    """Everything about one user, and their feed as GET /v1/users/{id}/feed would rank it now
    (?feed=N items, at most FEED_SIZE)."""
    page = insight.user_page(conn(), user_id)
    size = max(1, min(request.args.get("feed", 20, type=int), settings().feed_size))
    feed = insight.user_feed(conn(), live_models(), settings(), user_id, size)
    # Three lists on one page, each paged by its own cursor parameter.
    stars = paged("admin.user.stars", lambda after, limit: events_store.starred_papers(
        conn(), user_id, after=after, limit=limit), lambda r: (r["starred_at"], r["id"]), param="stars")
    reads = paged("admin.user.reads", lambda after, limit: users_store.reads(
        conn(), user_id, after=after, limit=limit), lambda r: (r["occurred_at"], r["id"]), param="reads")
    alerts = paged("admin.user.alerts", lambda after, limit: alerts_store.user_listing(
        conn(), user_id, after=after, limit=limit), lambda r: (r["created_at"], r["id"]), param="alerts")
    return render("user.html", feed=feed, feed_size=size, max_feed=settings().feed_size, stars=stars,
                  reads=reads, alerts=alerts, **page)


@bp.route("/users/<user_id>/delete", methods=["POST"])
def delete(user_id: str) -> str | Response:
    if not confirmed():
        return confirm_page(f"Delete user {user_id}?", "Their events, stars, subscriptions and alerts are erased "
                            "with them. This cannot be undone.")
    operations.delete_user(conn(), operator(), user_id)
    flash(f"User {user_id} deleted.")
    return back_to("dashboard_users.users")
