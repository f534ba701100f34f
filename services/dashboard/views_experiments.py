"""/admin/experiments: start, watch, pause, stop and promote experiments; the promoted feed defaults.

The logic is services/recommender/experiment_admin.py (the API calls the same functions); here each
change is also written to the audit log, in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, flash, request

from services.dashboard import operations
from services.dashboard.blueprints import area
from services.dashboard.forms import ExperimentForm, PromoteForm
from services.dashboard.view_helpers import (
    back_to,
    confirm_page,
    confirmed,
    conn,
    operator,
    paged,
    render,
)
from services.errors import Conflict, InvalidInput
from services.recommender import experiment_admin
from services.recommender.experiments import Status

bp = area("experiments")
ACTIONS = {"pause": experiment_admin.pause, "resume": experiment_admin.resume, "stop": experiment_admin.stop}


@bp.route("/experiments", methods=["GET", "POST"])
def experiments() -> tuple[str, int] | str | Response:
    """Experiments newest first, the form to start one, and the promoted defaults."""
    form = ExperimentForm()
    problem = None
    if form.validate_on_submit():
        spec = {"name": form.name.data.strip(), "description": form.description.data or "", "mode": form.mode.data,
                "primary_metric": form.primary_metric.data, "independent": form.independent.data,
                "variants": form.parsed_variants,
                "ends_at": dt.datetime.now(dt.UTC) + dt.timedelta(days=form.days.data)}
        try:
            row = experiment_admin.create(conn(), spec, created_by=f"operator:{operator().email}")
        except (InvalidInput, Conflict) as exc:
            problem = exc
        else:
            operations.record(conn(), operator(), "experiment.create", row["name"], id=row["id"],
                              variants=row["variants"])
            flash(f"Experiment {row['name']} is running.")
            return back_to("dashboard_experiments.experiment", experiment=row["id"])
    status = request.args.get("status") or None
    status = status if status in {s.value for s in Status} else None
    rows, next_url = paged(f"admin.experiments.{status}", lambda after, limit: experiment_admin.listing(
        conn(), status=status, limit=limit, after=after), lambda r: (r["created_at"], r["id"]))
    page = render("experiments.html", form=form, problem=problem, rows=rows, next_url=next_url, status=status or "",
                  statuses=[s.value for s in Status], defaults=experiment_admin.defaults(conn()))
    return (page, problem.status) if problem else page


@bp.route("/experiments/<int:experiment>")
def experiment(experiment: int) -> str:
    """The readout side by side: per-variant metrics with intervals, comparisons, SRM, the winner."""
    readout = experiment_admin.results(conn(), experiment)
    return render("experiment.html", r=readout, e=readout["experiment"], promote_form=PromoteForm())


@bp.route("/experiments/<int:experiment>/<any(pause, resume, stop):action>", methods=["POST"])
def change(experiment: int, action: str) -> str | Response:
    if action == "stop" and not confirmed():
        return confirm_page("Stop this experiment for good?", "Readers go back to the defaults and the readout is "
                            "frozen as it stands; it cannot be resumed.")
    row = ACTIONS[action](conn(), experiment)
    operations.record(conn(), operator(), f"experiment.{action}", row["name"], id=experiment)
    flash(f"Experiment {row['name']}: {row['status']}.")
    return back_to("dashboard_experiments.experiment", experiment=experiment)


@bp.route("/experiments/<int:experiment>/promote", methods=["POST"])
def promote(experiment: int) -> str | Response:
    form = PromoteForm()
    if not form.validate():
        raise InvalidInput("variant", "; ".join(form.variant.errors) or "missing")
    if not confirmed():
        return confirm_page(f"Make {form.variant.data!r}'s settings the feed defaults?",
                            "Every feed ranked from now on uses them (stored feeds are ranked again), and the "
                            "experiment stops with its readout frozen.")
    row = experiment_admin.promote(conn(), experiment, form.variant.data, source=f"operator:{operator().email}")
    operations.record(conn(), operator(), "experiment.promote", row["name"], id=experiment, variant=form.variant.data)
    flash(f"{form.variant.data} promoted: its settings are now the feed defaults.")
    return back_to("dashboard_experiments.experiment", experiment=experiment)


@bp.route("/experiments/defaults/reset", methods=["POST"])
def reset_defaults() -> str | Response:
    if not confirmed():
        return confirm_page("Forget every promoted default?", "Feeds are ranked with the environment's FEED_* "
                            "values again.")
    removed = experiment_admin.reset_defaults(conn())
    operations.record(conn(), operator(), "experiment.reset_defaults", None, removed=removed)
    flash(f"{removed} promoted default(s) removed.")
    return back_to("dashboard_experiments.experiments")
