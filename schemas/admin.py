"""Administration shapes (admin-scoped keys)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import Body
from schemas.pagination import Page

JOB_NAMES = ("embed", "reindex", "retrain", "trending", "alerts", "digests", "deliver")


class JobIn(Body):
    job = fields.String(required=True, validate=validate.OneOf(JOB_NAMES))


class JobAccepted(Schema):
    job_id = fields.String(required=True)


class JobOut(Schema):
    job_id = fields.String(required=True, attribute="task_id")
    job = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "queued, running, succeeded or failed"})
    params = fields.Dict()
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    requested_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class ModelVersionOut(Schema):
    kind = fields.String(required=True)
    version = fields.String(required=True)
    live = fields.Boolean(required=True, attribute="is_live")
    params = fields.Dict()
    metrics = fields.Dict(metadata={"description": "offline metrics measured when it was trained or built"})
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


class ModelPage(Page):
    items = fields.List(fields.Nested(ModelVersionOut), required=True)


class Stats(Schema):
    papers = fields.Integer(required=True)
    users = fields.Integer(required=True)
    events = fields.Integer(required=True)
    events_last_24h = fields.Integer(required=True)
    active_users_last_24h = fields.Integer(required=True)
    active_users_last_7d = fields.Integer(required=True)
    stars = fields.Integer(required=True)
    feeds_last_24h = fields.Integer(required=True)
    live_models = fields.Dict(keys=fields.String(), values=fields.Dict(),
                              metadata={"description": "kind → {version, age_seconds}"})
