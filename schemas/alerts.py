"""Subscription and alert (inbox) shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.common import Body, BoundedString, Input
from schemas.feed import Reason
from schemas.pagination import Page, PageQuery
from schemas.papers import PaperOut

KINDS = ("digest", "instant", "query", "author", "category")
CHANNELS = ("inbox", "email", "webhook")
# The field each follow kind needs.
FOLLOW_FIELD = {"query": "query", "author": "author", "category": "category"}


class SubscriptionIn(Body):
    """PUT /v1/users/{id}/subscriptions/{subscription_id}: replaces the subscription."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    frequency = fields.String(validate=validate.OneOf(("daily", "weekly")), load_default=None,
                              metadata={"description": "Digests only; default daily."})
    query = BoundedString(500, min_length=1, load_default=None,
                          metadata={"description": "kind=query: a full-text search (web-search syntax)."})
    author = BoundedString(200, min_length=1, load_default=None, metadata={"description": "kind=author"})
    category = BoundedString(100, min_length=1, load_default=None, metadata={"description": "kind=category"})
    webhook_url = BoundedString(2000, min_length=1, load_default=None,
                                metadata={"description": "channel=webhook: a public http(s) URL."})
    min_score = fields.Float(validate=validate.Range(min=-1.0, max=1.0), load_default=None,
                             metadata={"description": "kind=instant: cosine similarity a new paper must reach "
                                                      "against one of the user's interests (default "
                                                      "ALERT_MIN_SCORE_DEFAULT)."})

    @validates_schema
    def _fields_fit_kind_and_channel(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        kind, channel = data.get("kind"), data.get("channel")
        for follow_kind, name in FOLLOW_FIELD.items():
            if kind == follow_kind and not data.get(name):
                errors[name] = [f"required when kind is {follow_kind}"]
            elif kind != follow_kind and data.get(name) is not None:
                errors[name] = [f"only allowed when kind is {follow_kind}"]
        if data.get("frequency") is not None and kind != "digest":
            errors["frequency"] = ["only allowed when kind is digest"]
        if data.get("min_score") is not None and kind != "instant":
            errors["min_score"] = ["only allowed when kind is instant"]
        if channel == "webhook" and not data.get("webhook_url"):
            errors["webhook_url"] = ["required when channel is webhook"]
        elif channel != "webhook" and data.get("webhook_url") is not None:
            errors["webhook_url"] = ["only allowed when channel is webhook"]
        if errors:
            raise ValidationError(errors)


class SubscriptionOut(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    channel = fields.String(required=True)
    frequency = fields.String(allow_none=True)
    query = fields.String(allow_none=True)
    author = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    webhook_url = fields.String(allow_none=True)
    min_score = fields.Float(allow_none=True)
    enabled = fields.Boolean(required=True)
    disabled_reason = fields.String(allow_none=True,
                                    metadata={"description": "Why it stopped: failing webhook, unsubscribed."})
    consecutive_failures = fields.Integer()
    last_sent_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SubscriptionSaved(SubscriptionOut):
    webhook_secret = fields.String(allow_none=True, metadata={
        "description": "Webhooks only: the HMAC-SHA256 key (as UTF-8 bytes) of webhook-signature and "
                       "X-Paperfeed-Signature. Shown on PUT and rotation only."})
    webhook_signing_secret = fields.String(allow_none=True, metadata={
        "description": "The same key in the Standard Webhooks form (`whsec_` + base64), for their libraries."})
    webhook_secret_previous_until = fields.DateTime(allow_none=True, metadata={
        "description": "After a rotation: until when deliveries are also signed with the previous secret."})


class SubscriptionPage(Page):
    items = fields.List(fields.Nested(SubscriptionOut), required=True)


class InboxQuery(PageQuery):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only alerts not yet marked read."})


class AlertOut(Schema):
    id = fields.Integer(required=True)
    paper = fields.Nested(PaperOut, required=True)
    reasons = fields.List(fields.Nested(Reason), required=True)
    score = fields.Float(allow_none=True)
    subscription_id = fields.String(required=True)
    channel = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    delivered_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)


class AlertPage(Page):
    items = fields.List(fields.Nested(AlertOut), required=True)


class UnsubscribeQuery(Input):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class Unsubscribed(Schema):
    user_id = fields.String(required=True)
    subscription_id = fields.String(required=True)
    status = fields.String(required=True)


class EmailConfirmationOut(Schema):
    status = fields.String(required=True, metadata={"description": "`sent`, or `confirmed` (nothing to do)."})
    email = fields.String(required=True)
    expires_at = fields.DateTime(allow_none=True, metadata={"description": "When the emailed link stops working."})


class LinkTokenQuery(Input):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class EmailConfirmed(Schema):
    user_id = fields.String(required=True)
    email = fields.String(required=True)
    status = fields.String(required=True)
