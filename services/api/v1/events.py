"""/v1/events (service keys, any user) and /v1/me/events (user tokens, their own events only)."""

from __future__ import annotations

import functools

from flask import request
from flask_smorest import Blueprint

from schemas import examples
from schemas.common import load_items
from schemas.events import EventBatchIn, EventBatchResult, EventIn, OwnEventIn, load_event_fast
from services import events
from services.api.security import requires
from services.api.v1.common import batch_limit, settings
from services.web.transaction import conn

blp = Blueprint("events", __name__, url_prefix="/v1", description="Reads, stars and other interactions")
# One instance of each per process, as for the decorators': building a schema deep-copies its declared
# fields (≈ 0.25 ms, a tenth of a single event's request), and loading with it keeps no state.
EVENT_IN, OWN_EVENT_IN = EventIn(), OwnEventIn()


@blp.route("/events", methods=["POST"], endpoint="post_events")
@blp.route("/me/events", methods=["POST"], endpoint="post_my_events")
@requires("write")
@blp.arguments(EventBatchIn(), example=examples.EVENTS_IN)
@blp.response(202, EventBatchResult)
def post_events(body, user_id=None):
    """Record 1–1,000 events. Each is answered on its own; accepted ones are durable once this returns."""
    batch_limit(body["events"], settings().max_batch_events, "events")
    if request.url_rule.rule.startswith("/v1/me"):
        valid, rejected = load_items(OWN_EVENT_IN, body["events"], functools.partial(load_event_fast, user_required=False))
        valid, rejected = events.for_owner(valid, rejected, user_id)
    else:
        valid, rejected = load_items(EVENT_IN, body["events"], load_event_fast)
    return events.ingest(conn(), valid, rejected)
