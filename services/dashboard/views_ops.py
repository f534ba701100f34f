"""/admin/models, /admin/jobs, /admin/alerts: versions and roll-back, jobs, failed deliveries, mail sink."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, request

from services.dashboard import operations
from services.dashboard.blueprints import area
from services.dashboard.forms import JobForm
from services.dashboard.view_helpers import (
    back_to,
    confirm_page,
    confirmed,
    conn,
    operator,
    paged,
    render,
    search_term,
    settings,
    shared,
)
from services.errors import InvalidInput
from services.store import alerts as alerts_store
from services.store import jobs as jobs_store
from services.store import models as models_store
from services.store import sources as sources_store

bp = area("ops")
JOB_STATUSES = ("queued", "running", "succeeded", "failed")
ALERT_STATUSES = ("failed", "pending", "sending", "delivered")


@bp.route("/models")
def models() -> str:
    """Versions newest first, one column per offline metric of the kinds shown; which is live."""
    kind = request.args.get("kind") or None
    kinds = models_store.kinds(conn())
    kind = kind if kind in kinds else None
    q = search_term()
    rows, next_url = paged(f"admin.models.{kind}", lambda after, limit: models_store.listing(
        conn(), kind=kind, q=q, after=after, limit=limit), lambda r: (r["created_at"], r["id"]))
    metric_names = sorted({name for r in rows for name in r["metrics"]})
    return render("models.html", rows=rows, next_url=next_url, kind=kind, kinds=kinds, q=q or "",
                  metric_names=metric_names,
                  job_form=JobForm(), rollback_kinds=operations.ROLLBACK_KINDS)


@bp.route("/models/<int:version>/rollback", methods=["POST"])
def rollback(version: int) -> str | Response:
    if not confirmed():
        row = models_store.get(conn(), version)
        label = f"{row['kind']} {row['version']}" if row else f"version {version}"
        return confirm_page(f"Make {label} live again?", "API processes switch to it within "
                            "ARTIFACT_REFRESH_SECONDS; the next scheduled build or retrain may replace it.")
    row = operations.rollback(conn(), shared().artifacts, operator(), version)
    flash(f"{row['kind']} {row['version']} is live again.")
    return back_to("dashboard_ops.models")


@bp.route("/jobs", methods=["GET", "POST"])
def jobs() -> str | Response:
    """Recent job runs with duration and result; POST queues a job (embed, reindex, retrain, trending)."""
    form = JobForm()
    if request.method == "POST":
        if not form.validate():
            raise InvalidInput("job", "; ".join(form.job.errors) or "unknown job")
        job_id = operations.request_job(conn(), shared().tasks, operator(), form.job.data)
        flash(f"Job {form.job.data} queued ({job_id}).")
        return back_to("dashboard_ops.jobs")
    job = request.args.get("job") or None
    status = request.args.get("status") or None
    status = status if status in JOB_STATUSES else None
    q = search_term()
    rows, next_url = paged("admin.jobs", lambda after, limit: jobs_store.listing(
        conn(), job=job, status=status, q=q, after=after, limit=limit), lambda r: (r["created_at"], r["id"]))
    return render("jobs.html", rows=rows, next_url=next_url, job=job or "", status=status or "", q=q or "",
                  names=jobs_store.names(conn()), statuses=JOB_STATUSES, form=form,
                  running=any(r["status"] in ("queued", "running") for r in rows))


@bp.route("/alerts")
def alerts() -> str:
    """Failed deliveries (or another status) with their error, and the local mail sink's messages."""
    status = request.args.get("status", "failed")
    status = status if status in ALERT_STATUSES else "failed"
    q = search_term()
    rows, next_url = paged(f"admin.outbox.{status}", lambda after, limit: alerts_store.outbox_listing(
        conn(), status=status, q=q, after=after, limit=limit), lambda r: (r["id"],), arity=1)
    mail, mail_note, mail_next = _mail_sink()
    return render("alerts.html", rows=rows, next_url=next_url, status=status, statuses=ALERT_STATUSES,
                  q=q or "", mail=mail, mail_note=mail_note, mail_next=mail_next)


def _mail_sink() -> tuple[list[dict[str, Any]], str | None, int | None]:
    """A page of the local mail sink's messages (?mail_offset=), when this deployment runs one."""
    try:
        from services.alerts import mailsink
    except ImportError:
        return [], "The local mail sink is not part of this build yet.", None
    if not mailsink.uses_local_sink(settings()):
        return [], f"Mail goes out through {settings().smtp_url}; there is no local sink to show.", None
    limit = settings().page_limit_default
    offset = max(0, min(request.args.get("mail_offset", 0, type=int), 100_000))
    messages = mailsink.recent_messages(mailsink.sink_maildir(settings()), offset=offset, limit=limit + 1)
    return messages[:limit], None, offset + limit if len(messages) > limit else None


@bp.route("/alerts/<int:alert>/retry", methods=["POST"])
def retry(alert: int) -> Response:
    operations.retry_alert(conn(), operator(), alert)
    flash(f"Alert {alert} will be delivered again.")
    return back_to("dashboard_ops.alerts")


@bp.route("/sources")
def sources() -> str:
    """Each configured source with its cursor, last success, last error, back-off and counters (and
    any source that has a row but was since removed from SOURCES)."""
    stored = {r["name"]: r for r in sources_store.list_all(conn())}
    rows = [{"name": s.name, "kind": s.kind.value, "url": s.url, "every_seconds": s.every_seconds,
             "configured": True, "row": stored.pop(s.name, None)} for s in settings().sources]
    rows += [{"name": name, "kind": r["kind"], "url": "", "every_seconds": "–", "configured": False, "row": r}
             for name, r in sorted(stored.items())]
    return render("sources.html", rows=rows)
