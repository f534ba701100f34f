"""/v1/users/{user_id}/feed and /v1/me/feed."""

from __future__ import annotations

import time

from flask_smorest import Blueprint

from schemas import examples
from schemas.feed import FeedPage, FeedQuery
from services.api import ready
from services.api.conditional import conditional
from services.api.security import requires
from services.api.v1.common import live_models, page, settings
from services.recommender import feed_cache
from services.recommender.feed import CURSOR_KIND, FeedRequest, finished_first_page, get_feed
from services.web.state import state
from services.web.transaction import conn, read_conn, reads_first

blp = Blueprint("feed", __name__, url_prefix="/v1", description="Personal feeds")


@blp.route("/users/<user_id>/feed", methods=["GET"], endpoint="get_user_feed")
@blp.route("/me/feed", methods=["GET"], endpoint="get_my_feed")
@reads_first
@conditional(first_page_only=True)
@requires("read")
@blp.arguments(FeedQuery(), location="query")
@blp.response(200, FeedPage, example=examples.FEED_PAGE)
def feed(args, user_id):
    """The user's personal feed: every item says why it is there. Page with `cursor`.

    `fields` keeps only the paper fields named, for fewer bytes."""
    request_page = page({"limit": args.get("limit")}, CURSOR_KIND)
    exclude = frozenset(v for v in (args.get("exclude") or "").split(",") if v)
    selection = args.get("selection")
    started = time.perf_counter()
    variant = ready.page_variant(request_page.limit, selection)
    held = ready.held_pages()
    held_page = held.get(user_id, variant)
    feed_request = FeedRequest(
        user_id=user_id, limit=request_page.limit, cursor=args.get("cursor"), category=args.get("category"),
        exclude=exclude, page_variant=variant, held_page=held_page)
    # The commonest answer, a finished first page, is one read outside any transaction (@reads_first).
    result = (finished_first_page(read_conn(), settings(), feed_request)
              or get_feed(conn(), live_models(), settings(), feed_request))
    # A repeated first page comes finished (from this process when it holds the valid one); otherwise
    # FeedPage's JSON is assembled from per-paper ready fragments (services/api/ready.py), not dumped
    # anew, and kept finished when it may be.
    body = result.get(feed_cache.READY_BODY)
    served_held = result.get(feed_cache.SERVED_FROM) == feed_cache.HELD
    if body is None:
        body = ready.feed_page_bytes(result, ready.fragments(), selection)
        finished = feed_cache.keep_page(conn(), result, body)
    else:  # a held page is held already, with its tag; one read from the table is held from now on
        finished = None if served_held else feed_cache.held_page(result)
    if finished is not None:
        held.put(user_id, variant, finished)
    state().metrics.observe_feed(result, time.perf_counter() - started)
    # A held answer carries the tag computed when its page was first held (the tag of the same bytes).
    etag = held_page.etag if served_held and held_page is not None else None
    return ready.json_response(body, etag)
