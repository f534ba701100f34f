"""/admin/keys (create, shown once; revoke) and /admin/audit (who did what, when)."""

from __future__ import annotations

from flask import Response, flash, request

from services.dashboard import operations
from services.dashboard.blueprints import area
from services.dashboard.forms import KeyForm
from services.dashboard.view_helpers import (
    back_to,
    confirm_page,
    confirmed,
    conn,
    operator,
    paged,
    render,
    search_term,
)
from services.store import api_keys as api_keys_store
from services.store import audit

bp = area("keys")


@bp.route("/keys", methods=["GET", "POST"])
def keys() -> str:
    """Service keys; POST creates one and shows its secret on this response only."""
    form = KeyForm()
    created = None
    if form.validate_on_submit():
        created = operations.create_key(conn(), operator(), form.name.data, form.scopes.data)
        form = KeyForm(formdata=None)
    q = search_term()
    revoked = request.args.get("revoked") == "1"
    rows, next_url = paged("admin.keys", lambda after, limit: api_keys_store.listing(
        conn(), q=q, revoked=revoked, after=after, limit=limit), lambda r: (r["created_at"], r["id"]))
    return render("keys.html", form=form, created=created, rows=rows, next_url=next_url, q=q or "",
                  revoked=revoked)


@bp.route("/keys/<int:key>/revoke", methods=["POST"])
def revoke(key: int) -> str | Response:
    if not confirmed():
        row = api_keys_store.get(conn(), key)
        return confirm_page(f"Revoke key {row['name'] if row else key}?",
                            "Every request with it, and every user token it minted, is refused from now on.")
    operations.revoke_key(conn(), operator(), key)
    flash("Key revoked.")
    return back_to("dashboard_keys.keys")


@bp.route("/audit")
def audit_log() -> str:
    q = search_term()
    action = request.args.get("action") or None
    rows, next_url = paged("admin.audit", lambda after, limit: audit.search(
        conn(), q=q, action=action, after=after, limit=limit), lambda r: (r["created_at"], r["id"]))
    return render("audit.html", rows=rows, next_url=next_url, q=q or "", action=action or "",
                  actions=audit.actions(conn()))
