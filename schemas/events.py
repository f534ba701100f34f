"""Event shapes: a batch is validated item by item, so one bad event never costs the good ones."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from schemas.common import Body, BoundedString, ClientId
from schemas.pagination import Page, PageQuery
from schemas.papers import ItemError, PaperOut

EVENT_TYPES = ("read", "star", "unstar", "dismiss", "click")
MAX_BATCH = 10_000  # absolute ceiling; MAX_BATCH_EVENTS (default 1,000) is enforced by the API
MAX_CONTEXT_BYTES = 2048
# Clocks drift; an event "from the future" beyond this is a client bug, not a fact.
MAX_CLOCK_SKEW = dt.timedelta(hours=1)
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)


class FeedContext(Body):
    feed_id = BoundedString(64)
    position = fields.Integer(validate=validate.Range(min=0, max=10_000))


class EventIn(Body):
    user_id = ClientId(required=True)
    paper_id = ClientId(required=True)
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    occurred_at = fields.AwareDateTime(default_timezone=dt.UTC, load_default=None,
                                       metadata={"description": "Default: when the server received it."})
    event_id = fields.String(validate=validate.Length(min=1, max=128), load_default=None,
                             metadata={"description": "Client-chosen; makes retries idempotent per user."})
    context = fields.Dict(keys=fields.String(validate=validate.Length(max=64)), load_default=None,
                          metadata={"description": "Free-form, at most 2 KiB; `feed_id` and `position` "
                                                   "credit the feed that showed the paper."})

    @validates("occurred_at")
    def _occurred_at_is_plausible(self, value: dt.datetime | None, **_: Any) -> None:
        if value is None:
            return
        if value > dt.datetime.now(dt.UTC) + MAX_CLOCK_SKEW:
            raise ValidationError("must not be in the future")
        if value < EARLIEST:
            raise ValidationError("must be after 1990-01-01")

    @validates("context")
    def _context_is_small(self, value: dict | None, **_: Any) -> None:
        if value is None:
            return
        if len(json.dumps(value)) > MAX_CONTEXT_BYTES:
            raise ValidationError(f"must serialise to at most {MAX_CONTEXT_BYTES} bytes")
        FeedContext().load(value)


class OwnEventIn(EventIn):
    """An event sent with a user token: user_id may be left out (it is the token's user)."""

    user_id = ClientId(load_default=None)


class EventBatchIn(Body):
    ITEMS_VALIDATED_SEPARATELY = ("events",)

    events = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1, max=MAX_BATCH),
                         metadata={"description": "1–1,000 events, each validated on its own "
                                                  "(see EventIn)."})


class EventBatchResult(Schema):
    accepted = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(ItemError), required=True)


class HistoryQuery(PageQuery):
    type = fields.String(validate=validate.OneOf(EVENT_TYPES))


class HistoryItem(Schema):
    id = fields.Integer(required=True)
    paper_id = fields.String(required=True)
    type = fields.String(required=True)
    occurred_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    event_id = fields.String(allow_none=True)
    context = fields.Dict(allow_none=True)


class HistoryPage(Page):
    items = fields.List(fields.Nested(HistoryItem), required=True)


class StarItem(Schema):
    paper = fields.Nested(PaperOut, required=True)
    starred_at = fields.DateTime(required=True)


class StarPage(Page):
    items = fields.List(fields.Nested(StarItem), required=True)
