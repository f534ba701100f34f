"""/v1/admin/experiments: create, list, pause, resume, stop, read out and promote experiments, and the
feed defaults promotions wrote (admin keys). Logic in services/recommender/experiment_admin.py."""

from __future__ import annotations

from flask_smorest import Blueprint

from schemas.experiments import (
    DefaultsOut,
    ExperimentIn,
    ExperimentOut,
    ExperimentPage,
    ExperimentQuery,
    PromoteIn,
    ResultsOut,
)
from services import pagination
from services.api.security import current_principal, requires
from services.api.v1.common import page
from services.recommender import experiment_admin
from services.web.transaction import conn

blp = Blueprint("experiments", __name__, url_prefix="/v1/admin/experiments",
                description="Online experiments on the feed (admin keys)")
LIST_KIND = "experiments"


@blp.route("", methods=["POST"])
@requires("admin")
@blp.arguments(ExperimentIn())
@blp.response(201, ExperimentOut)
@blp.doc(operationId="createExperiment")
def create(body):
    """Start an experiment: variants are FEED_* overrides checked against the settings' own ranges."""
    return experiment_admin.create(conn(), body, created_by=f"key:{current_principal().key_id}")


@blp.route("", methods=["GET"])
@requires("admin")
@blp.arguments(ExperimentQuery(), location="query")
@blp.response(200, ExperimentPage)
@blp.doc(operationId="listExperiments")
def list_experiments(args):
    """Experiments newest first, optionally of one status."""
    request_page = page(args, LIST_KIND)
    rows = experiment_admin.listing(conn(), status=args.get("status"), limit=request_page.limit + 1,
                                    after=request_page.after)
    items, next_cursor = pagination.paginate(LIST_KIND, rows, request_page.limit, lambda r: (r["created_at"], r["id"]))
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/<int:experiment>", methods=["GET"])
@requires("admin")
@blp.response(200, ExperimentOut)
@blp.doc(operationId="getExperiment")
def get(experiment):
    """One experiment."""
    return experiment_admin.get(conn(), experiment)


@blp.route("/<int:experiment>/pause", methods=["POST"])
@requires("admin")
@blp.response(200, ExperimentOut)
@blp.doc(operationId="pauseExperiment")
def pause(experiment):
    """Stop assigning readers (they get the defaults) without ending the experiment."""
    return experiment_admin.pause(conn(), experiment)


@blp.route("/<int:experiment>/resume", methods=["POST"])
@requires("admin")
@blp.response(200, ExperimentOut)
@blp.doc(operationId="resumeExperiment")
def resume(experiment):
    """Assign readers again (each to the variant they had)."""
    return experiment_admin.resume(conn(), experiment)


@blp.route("/<int:experiment>/stop", methods=["POST"])
@requires("admin")
@blp.response(200, ExperimentOut)
@blp.doc(operationId="stopExperiment")
def stop(experiment):
    """End the experiment for good; its readout is frozen as it stands."""
    return experiment_admin.stop(conn(), experiment)


@blp.route("/<int:experiment>/results", methods=["GET"])
@requires("admin")
@blp.response(200, ResultsOut)
@blp.doc(operationId="getExperimentResults")
def results(experiment):
    """The readout: per-variant metrics with intervals, comparisons with the control (always-valid
    intervals decide), the sample-ratio-mismatch check and the winner, if any."""
    return experiment_admin.results(conn(), experiment)


@blp.route("/<int:experiment>/promote", methods=["POST"])
@requires("admin")
@blp.arguments(PromoteIn())
@blp.response(200, ExperimentOut)
@blp.doc(operationId="promoteExperimentVariant")
def promote(body, experiment):
    """Make the variant's overrides the feed defaults (the winner's, unless force) and stop."""
    return experiment_admin.promote(conn(), experiment, body["variant"], force=body["force"],
                                    source=f"key:{current_principal().key_id}")


@blp.route("/defaults", methods=["GET"])
@requires("admin")
@blp.response(200, DefaultsOut)
@blp.doc(operationId="listFeedDefaults")
def defaults():
    """The feed defaults promoted from experiments (they override the environment's FEED_* values)."""
    return {"items": experiment_admin.defaults(conn())}


@blp.route("/defaults", methods=["DELETE"])
@requires("admin")
@blp.response(204)
@blp.doc(operationId="resetFeedDefaults")
def reset_defaults():
    """Forget every promoted default: feeds are ranked with the environment's FEED_* values again."""
    experiment_admin.reset_defaults(conn())
