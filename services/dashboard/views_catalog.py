"""/admin/papers: search, view, edit, hide, feature, delete, import a JSONL file with progress."""

from __future__ import annotations

from flask import Response, flash, request

from services.dashboard import imports, insight, operations
from services.dashboard.blueprints import area
from services.dashboard.forms import ImportForm, PaperForm
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
    shared,
)
from services.errors import InvalidInput, NotFound
from services.store import imports as imports_store
from services.store import papers as papers_store

bp = area("catalog")

FLAGS = {"hide": ("hidden", True), "unhide": ("hidden", False),
         "feature": ("featured", True), "unfeature": ("featured", False)}


@bp.route("/papers")
def papers() -> str:
    q = search_term()
    status = request.args.get("status", "all")
    status = status if status in papers_store.PAPER_STATUSES else "all"
    rows, next_url = paged(f"admin.papers.{status}", lambda after, limit: papers_store.listing(
        conn(), q=q, status=status, after=after, limit=limit), lambda r: (r["listed_at"], r["id"]))
    return render("papers.html", rows=rows, next_url=next_url, q=q or "", status=status,
                  statuses=papers_store.PAPER_STATUSES)


@bp.route("/papers/<paper_id>", methods=["GET", "POST"])
def paper(paper_id: str) -> str | Response:
    """The paper's page; POST saves the edit form."""
    form = PaperForm()
    if form.validate_on_submit():
        operations.edit_paper(conn(), operator(), paper_id, form.changes())
        flash("Saved.")
        return back_to("dashboard_catalog.paper", paper_id=paper_id)
    page = insight.paper_page(conn(), live_models(), paper_id)
    if request.method == "GET":
        p = page["paper"]
        form.title.data, form.abstract.data, form.url.data = p["title"], p["abstract"], p["url"]
        form.authors.data = "\n".join(p["authors"])
        form.categories.data = ", ".join(p["categories"])
    return render("paper.html", form=form, **page)


@bp.route("/papers/<paper_id>/<any(hide, unhide, feature, unfeature):action>", methods=["POST"])
def flag(paper_id: str, action: str) -> Response:
    field, value = FLAGS[action]
    operations.set_paper_flag(conn(), operator(), paper_id, field, value)
    flash(f"Paper {paper_id}: {action} done.")
    return back_to("dashboard_catalog.paper", paper_id=paper_id)


@bp.route("/papers/<paper_id>/delete", methods=["POST"])
def delete(paper_id: str) -> str | Response:
    if not confirmed():
        return confirm_page(f"Delete paper {paper_id}?",
                            "It disappears from every list, feed and alert. Its id can never be used again.")
    operations.delete_paper(conn(), operator(), paper_id)
    flash(f"Paper {paper_id} deleted.")
    return back_to("dashboard_catalog.papers")


@bp.route("/papers/import", methods=["GET", "POST"])
def import_papers() -> str | Response:
    """Upload a JSONL file (bounded by MAX_BODY_BYTES); the import runs in the background."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not imports.accepted_name(upload.filename or ""):
            raise InvalidInput("file", f"expected a file ending in {', '.join(imports.SUFFIXES)}")
        s = settings()
        number = imports.start(shared().db, shared().tasks,
                               upload=upload.stream, filename=upload.filename, folder=s.data_dir / "imports",
                               operator=operator().email, batch_size=s.import_batch_size)
        operations.record(conn(), operator(), "papers.import", upload.filename, import_id=number)
        return back_to("dashboard_catalog.import_progress", number=number)
    q = search_term()
    rows, next_url = paged("admin.imports", lambda after, limit: imports_store.listing(conn(), q=q, after=after, limit=limit),
                           lambda r: (r["created_at"], r["id"]))
    return render("import.html", form=form, rows=rows, next_url=next_url, q=q or "",
                  max_mib=settings().max_body_bytes / 2**20)


@bp.route("/papers/imports/<int:number>")
def import_progress(number: int) -> str:
    """Progress of one import; the page refreshes itself (meta refresh, no JavaScript) while it runs."""
    row = imports_store.get(conn(), number)
    if row is None:
        raise NotFound(f"no import {number}")
    return render("import_progress.html", row=row)
