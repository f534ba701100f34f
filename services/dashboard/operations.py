"""Every change an operator can make from the dashboard, each recorded in the audit log in the same
transaction as the change itself (no Flask: the views call these with the request's connection)."""

from __future__ import annotations

from typing import Any

import psycopg

from services import jobs, keys
from services.catalog import papers as catalog
from services.dashboard.accounts import Operator
from services.errors import Conflict, InvalidInput, NotFound
from services.recommender.artifacts import ArtifactError, ArtifactKind, ArtifactStore, ArtifactUnavailable
from services.store import api_keys as api_keys_store
from services.store import audit
from services.store import feeds as feeds_store
from services.store import models as models_store
from services.store import papers as papers_store
from services.store import users as users_store

# Kinds an API process loads and swaps (services/recommender/serving.py); rolling back the embedder
# would leave stored vectors and the index disagreeing, so it is not offered.
ROLLBACK_KINDS = (ArtifactKind.INDEX, ArtifactKind.CF)
EDITABLE = ("title", "abstract", "authors", "categories", "url")


def record(conn: psycopg.Connection, actor: Operator, action: str, target: str | None, **detail: Any) -> None:
    audit.record(conn, operator_id=actor.id, operator_email=actor.email, action=action, target=target,
                 detail=detail)


def set_paper_flag(conn: psycopg.Connection, actor: Operator, paper_id: str, flag: str, value: bool) -> None:
    """Hide/unhide (``hidden``) or feature/unfeature (``featured``) a live paper."""
    if not papers_store.set_flag(conn, paper_id, flag, value):
        raise NotFound(f"no live paper {paper_id}")
    action = {("hidden", True): "paper.hide", ("hidden", False): "paper.unhide",
              ("featured", True): "paper.feature", ("featured", False): "paper.unfeature"}[(flag, value)]
    if flag == "featured":  # pinned into everyone's feed: stored feeds must be ranked again
        feeds_store.expire_reusable(conn)
    record(conn, actor, action, paper_id)


def edit_paper(conn: psycopg.Connection, actor: Operator, paper_id: str, changes: dict[str, Any]) -> None:
    """Replace the editable fields (EDITABLE) of a live paper; the others are kept as stored."""
    current = catalog.get(conn, paper_id)  # NotFound for deleted papers
    fields = {k: current[k] for k in ("title", "abstract", "authors", "categories", "published_at", "url",
                                      "code_urls", "comment")}
    changed = {k: v for k, v in changes.items() if k in EDITABLE and fields.get(k) != v}
    if not changed:
        return
    catalog.upsert(conn, paper_id, {**fields, **changed})
    record(conn, actor, "paper.edit", paper_id, fields=sorted(changed))


def delete_paper(conn: psycopg.Connection, actor: Operator, paper_id: str) -> None:
    catalog.delete(conn, paper_id)
    record(conn, actor, "paper.delete", paper_id)


def delete_user(conn: psycopg.Connection, actor: Operator, user_id: str) -> None:
    """Erase the user with their events, stars, subscriptions and alerts."""
    counts = users_store.counts(conn, user_id)
    if not users_store.delete(conn, user_id):
        raise NotFound(f"no user {user_id}")
    record(conn, actor, "user.delete", user_id, events=counts["events"], stars=counts["stars"])


def create_key(conn: psycopg.Connection, actor: Operator, name: str, scopes: list[str]) -> str:
    """A new service key; its plaintext is returned for showing once and never stored."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("name", "1 to 200 characters")
    try:
        parsed = keys.parse_scopes(scopes)
    except keys.InvalidScopes as exc:
        raise InvalidInput("scopes", str(exc)) from None
    plaintext = keys.create(conn, name=name, scopes=parsed)
    record(conn, actor, "key.create", name, scopes=list(parsed), prefix=plaintext.split("_")[1])
    return plaintext


def revoke_key(conn: psycopg.Connection, actor: Operator, key_id: int) -> None:
    key = api_keys_store.get(conn, key_id)
    if key is None:
        raise NotFound(f"no key {key_id}")
    if not api_keys_store.revoke(conn, key_id):
        raise Conflict(f"key {key['name']} is already revoked")
    record(conn, actor, "key.revoke", key["name"], key_id=key_id, prefix=key["prefix"])


def request_job(conn: psycopg.Connection, client: jobs.TaskClient, actor: Operator, job: str) -> str:
    """Queue embed/reindex/retrain/trending like POST /v1/admin/jobs; returns the job id."""
    if job not in jobs.JOB_TASKS:
        raise InvalidInput("job", f"one of {', '.join(jobs.JOB_TASKS)}")
    job_id = jobs.request(conn, client, job, requested_by=f"operator:{actor.email}")
    record(conn, actor, "job.request", job, job_id=job_id)
    return job_id


def rollback(conn: psycopg.Connection, artifacts: ArtifactStore, actor: Operator, version_id: int) -> dict[str, Any]:
    """Make an earlier version live again. Its files must still be kept (ARTIFACTS_KEPT), here or in the
    shared store (ARTIFACT_URL), from which this host fetches it first."""
    row = models_store.get(conn, version_id)
    if row is None:
        raise NotFound(f"no model version {version_id}")
    if row["kind"] not in ROLLBACK_KINDS:
        raise InvalidInput("version", f"only {', '.join(ROLLBACK_KINDS)} versions can be made live again")
    if row["is_live"]:
        raise Conflict(f"{row['kind']} {row['version']} is already live")
    try:
        artifacts.local(row["kind"], row["version"])
    except (ArtifactError, ArtifactUnavailable) as exc:
        raise Conflict(f"cannot roll back: {exc}") from None
    models_store.make_live(conn, version_id)
    record(conn, actor, "model.rollback", f"{row['kind']}:{row['version']}")
    return row


def retry_alert(conn: psycopg.Connection, actor: Operator, alert_id: int) -> None:
    """Set a failed delivery back to pending (the alerts outbox sends it again)."""
    from services.alerts import outbox  # built alongside the dashboard; imported when first used

    if not outbox.retry(conn, alert_id):
        raise Conflict(f"alert {alert_id} is not a failed delivery")
    record(conn, actor, "alert.retry", str(alert_id))
