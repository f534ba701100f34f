"""/v1/admin: jobs, model versions and stats (admin-scoped keys)."""

from __future__ import annotations

from flask_smorest import Blueprint

from schemas.admin import JobAccepted, JobIn, JobOut, ModelPage, Stats
from schemas.pagination import PageQuery
from services import jobs, pagination
from services.api.security import current_principal, requires
from services.api.v1.common import page
from services.store import models, stats
from services.web.state import state
from services.web.transaction import conn

blp = Blueprint("admin", __name__, url_prefix="/v1/admin", description="Operations (admin keys)")


@blp.route("/jobs", methods=["POST"])
@requires("admin")
@blp.arguments(JobIn())
@blp.response(202, JobAccepted)
def request_job(body):
    """Ask the workers to embed, reindex, retrain or recompute trending now."""
    client = state().tasks
    return {"job_id": jobs.request(conn(), client, body["job"], requested_by=f"key:{current_principal().key_id}")}


@blp.route("/jobs/<job_id>", methods=["GET"])
@requires("admin")
@blp.response(200, JobOut)
def get_job(job_id):
    """A job's state and result."""
    return jobs.get(conn(), job_id)


@blp.route("/models", methods=["GET"])
@requires("admin")
@blp.arguments(PageQuery(), location="query")
@blp.response(200, ModelPage)
def list_models(args):
    """Published model and index versions, newest first, with their offline metrics and which is live."""
    request_page = page(args, "models")
    rows = models.recent(conn(), limit=request_page.limit + 1, after=request_page.after)
    items, next_cursor = pagination.paginate("models", rows, request_page.limit, lambda r: (r["created_at"], r["id"]))
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/stats", methods=["GET"])
@requires("admin")
@blp.response(200, Stats)
def get_stats():
    """Counts and rates the dashboard shows."""
    return stats.overview(conn())
