"""User shapes."""

from __future__ import annotations

import zoneinfo
from functools import cache

from marshmallow import Schema, ValidationError, fields, validate

from schemas.common import Body, BoundedList, BoundedString, ClientId

MAX_SEED_PAPERS = 100


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _validate_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError("must be an IANA time zone name such as 'Europe/Paris' or 'UTC'")


class UserIn(Body):
    """PUT /v1/users/{id}: replaces these fields (absent ones take their defaults)."""

    email = fields.Email(validate=validate.Length(max=320), allow_none=True, load_default=None)
    name = BoundedString(200, allow_none=True, load_default=None)
    timezone = fields.String(validate=_validate_timezone, load_default="UTC")
    seed_papers = BoundedList(ClientId(), MAX_SEED_PAPERS, load_default=None, metadata={
        "description": f"Up to {MAX_SEED_PAPERS} paper ids the user is interested in: starred at once (context "
                       "source=seed), so the first feed already reflects them. Write-only, additive, idempotent."})


class UserCounts(Schema):
    stars = fields.Integer(required=True)
    reads = fields.Integer(required=True)
    events = fields.Integer(required=True)
    subscriptions = fields.Integer(required=True)
    unread_alerts = fields.Integer(required=True)


class UserOut(Schema):
    id = fields.String(required=True)
    email = fields.String(allow_none=True)
    email_confirmed = fields.Boolean(metadata={
        "description": "Whether this address was confirmed through the emailed link (email channels need it; "
                       "changing the address makes it unconfirmed again)."})
    name = fields.String(allow_none=True)
    timezone = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class UserDetail(UserOut):
    counts = fields.Nested(UserCounts, required=True)


class UserExport(Schema):
    """Everything held about one user."""

    user = fields.Nested(UserOut, required=True)
    events = fields.List(fields.Dict(), required=True)
    stars = fields.List(fields.Dict(), required=True)
    subscriptions = fields.List(fields.Dict(), required=True)
    alerts = fields.List(fields.Dict(), required=True)
    exported_at = fields.DateTime(required=True)
