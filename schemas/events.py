"""Event shapes: a batch is validated item by item, so one bad event never costs the good ones."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from schemas.common import Body, BoundedString, ClientId, validate_client_id
from schemas.pagination import Page, PageQuery
from schemas.papers import ItemError, PaperOut

EVENT_TYPES = ("read", "star", "unstar", "dismiss", "click")
MAX_BATCH = 10_000  # absolute ceiling; MAX_BATCH_EVENTS (default 1,000) is enforced by the API
MAX_CONTEXT_BYTES = 2048
# Clocks drift; an event "from the future" beyond this is a client bug, not a fact.
MAX_CLOCK_SKEW = dt.timedelta(hours=1)
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
# Named once: the schema's rules and the fast path (load_event_fast) read the same limits.
MAX_CONTEXT_KEY, MAX_FEED_ID, MAX_POSITION, MAX_EVENT_ID = 64, 64, 10_000, 128


class FeedContext(Body):
    feed_id = BoundedString(MAX_FEED_ID)
    position = fields.Integer(validate=validate.Range(min=0, max=MAX_POSITION))


class EventIn(Body):
    user_id = ClientId(required=True)
    paper_id = ClientId(required=True)
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    occurred_at = fields.AwareDateTime(default_timezone=dt.UTC, load_default=None,
                                       metadata={"description": "Default: when the server received it."})
    event_id = fields.String(validate=validate.Length(min=1, max=MAX_EVENT_ID), load_default=None,
                             metadata={"description": "Client-chosen; makes retries idempotent per user."})
    context = fields.Dict(keys=fields.String(validate=validate.Length(max=MAX_CONTEXT_KEY)), load_default=None,
                          metadata={"description": "Free-form, at most 2 KiB; `feed_id` and `position` "
                                                   "credit the feed that showed the paper."})

    @validates("occurred_at")
    def _occurred_at_is_plausible(self, value: dt.datetime | None, **_: Any) -> None:
        _check_occurred_at(value)

    @validates("context")
    def _context_is_small(self, value: dict | None, **_: Any) -> None:
        if value is None:
            return
        if len(json.dumps(value)) > MAX_CONTEXT_BYTES:
            raise ValidationError(f"must serialise to at most {MAX_CONTEXT_BYTES} bytes")
        FeedContext().load(value)


def _check_occurred_at(value: dt.datetime | None) -> None:
    if value is None:
        return
    if value > dt.datetime.now(dt.UTC) + MAX_CLOCK_SKEW:
        raise ValidationError("must not be in the future")
    if value < EARLIEST:
        raise ValidationError("must be after 1990-01-01")


_EVENT_KEYS = frozenset(EventIn._declared_fields)
_OCCURRED_AT = EventIn._declared_fields["occurred_at"]


def _plain_text(value: Any) -> bool:
    """A str (exactly) without NUL characters."""
    return type(value) is str and "\x00" not in value


def _plain_context(value: Any) -> bool:
    """A context EventIn surely accepts as it is: str keys of ≤ 64 characters, no NUL in any of its
    strings, small enough, and FeedContext's two keys well-typed. Anything else is left to the schema."""
    if type(value) is not dict:
        return False
    for key, item in value.items():
        if not _plain_text(key) or len(key) > MAX_CONTEXT_KEY:
            return False
        if not (item is None or type(item) in (int, float, bool) or _plain_text(item)):
            return False  # nested values: the schema walks them (NUL check) and decides
    feed_id, position = value.get("feed_id"), value.get("position")
    if "feed_id" in value and not (_plain_text(feed_id) and len(feed_id) <= MAX_FEED_ID):
        return False
    if "position" in value and not (type(position) is int and 0 <= position <= MAX_POSITION):
        return False
    return len(json.dumps(value)) <= MAX_CONTEXT_BYTES


def load_event_fast(item: Any, *, user_required: bool = True) -> dict[str, Any] | None:
    """``EventIn().load(item)`` (``OwnEventIn`` with ``user_required=False``) for the items that are surely
    valid, in a fraction of its time; None for every other item, which the schema then loads (and
    rejects with its own messages). Never accepts what the schema would reject, and returns exactly
    what it would (tests/unit/test_event_fast_path.py checks both on generated items): a batch of 1,000
    events is validated without marshmallow's per-field machinery.
    """
    if type(item) is not dict or not _EVENT_KEYS.issuperset(item):
        return None  # unknown keys: the schema ignores them, but checks them for NUL first
    user_id, paper_id, kind = item.get("user_id"), item.get("paper_id"), item.get("type")
    if not (user_id is None and not user_required) and not (_plain_text(user_id) and _client_id(user_id)):
        return None
    if not (_plain_text(paper_id) and _client_id(paper_id)) or kind not in EVENT_TYPES or type(kind) is not str:
        return None
    event_id, context, occurred = item.get("event_id"), item.get("context"), item.get("occurred_at")
    if event_id is not None and not (_plain_text(event_id) and 1 <= len(event_id) <= MAX_EVENT_ID):
        return None
    if context is not None and not _plain_context(context):
        return None
    if occurred is not None:
        if not _plain_text(occurred):
            return None
        try:
            occurred = _OCCURRED_AT.deserialize(occurred)
            _check_occurred_at(occurred)
        except ValidationError:
            return None
    return {"user_id": user_id, "paper_id": paper_id, "type": kind, "occurred_at": occurred,
            "event_id": event_id, "context": None if context is None else dict(context)}


def _client_id(value: str) -> bool:
    try:
        validate_client_id(value)
    except ValidationError:
        return False
    return True


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
