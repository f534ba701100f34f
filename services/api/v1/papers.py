"""/v1/papers and /v1/trending."""

from __future__ import annotations

from flask_smorest import Blueprint

from schemas import examples
from schemas.common import load_items
from schemas.papers import (
    PAPER_ALWAYS,
    PaperBatchIn,
    PaperBatchResult,
    PaperDetail,
    PaperFields,
    PaperIn,
    PaperOut,
    PaperPage,
    PaperSearchQuery,
    SimilarQuery,
    SimilarResult,
    TrendingQuery,
    TrendingResult,
)
from services.api import ready
from services.api.conditional import conditional
from services.api.security import requires
from services.api.v1.common import batch_limit, live_models, page, settings
from services.catalog import papers
from services.recommender import lookups
from services.web.state import state
from services.web.transaction import after_commit, conn

# A search hit keeps its rank whatever `fields` says.
SEARCH_ALWAYS = (*PAPER_ALWAYS, "score")
PAPER_IN = PaperIn()  # built once: a schema's construction costs more than loading a small item with it

blp = Blueprint("papers", __name__, url_prefix="/v1", description="The paper catalogue")


@blp.route("/papers/<paper_id>", methods=["PUT"])
@requires("write")
@blp.arguments(PaperFields(), example=examples.PAPER_IN)
@blp.response(200, PaperOut, description="Updated")
@blp.alt_response(201, schema=PaperOut, description="Created")
def put_paper(fields, paper_id):
    """Create or update one paper (title required)."""
    paper, created, changed = papers.upsert(conn(), paper_id, fields)
    if changed:
        _embed_soon()
    return paper, 201 if created else 200


def _embed_soon() -> None:
    """After the commit: have the new or changed papers embedded and matched within seconds."""
    client, debounce = state().tasks, settings().embed_debounce_seconds
    after_commit(lambda: client.embed_soon(debounce))


@blp.route("/papers/batch", methods=["POST"], endpoint="batch_upsert_papers")
@requires("write")
@blp.arguments(PaperBatchIn())
@blp.response(200, PaperBatchResult)
def batch(body):
    """Upsert up to 1,000 papers; valid items are stored even when others are rejected."""
    batch_limit(body["papers"], settings().max_batch_papers, "papers")
    valid, rejected = load_items(PAPER_IN, body["papers"])
    result = papers.upsert_batch(conn(), valid, rejected)
    if result["created"] or result["updated"]:
        _embed_soon()
    return result


@blp.route("/papers/<paper_id>", methods=["GET"])
@conditional()
@requires("read")
@blp.response(200, PaperDetail)
def get_paper(paper_id):
    """One paper with its star and read counts."""
    return papers.get(conn(), paper_id)


@blp.route("/papers/<paper_id>", methods=["DELETE"])
@requires("admin")
@blp.response(204)
def delete_paper(paper_id):
    """Delete a paper (admin): it disappears from feeds, search and the index, and stays deleted."""
    papers.delete(conn(), paper_id)


@blp.route("/papers", methods=["GET"], endpoint="search_papers")
@requires("read")
@blp.arguments(PaperSearchQuery(), location="query")
@blp.response(200, PaperPage)
def search(args):
    """Full-text search (ranked) when `q` is given, else the newest papers; filters combine.

    `fields` keeps only the paper fields named, for fewer bytes."""
    request_page = page(args, papers.search_page_kind(args.get("q")))
    result = papers.search(conn(), request_page, q=args.get("q"), category=args.get("category"),
                           author=args.get("author"), since=args.get("since"), cache=live_models().shared,
                           cache_seconds=settings().search_cache_seconds)
    return {**result, "items": ready.select(result["items"], SEARCH_ALWAYS, args.get("selection"))}


@blp.route("/papers/<paper_id>/similar", methods=["GET"], endpoint="similar_papers")
@conditional()
@requires("read")
@blp.arguments(SimilarQuery(), location="query")
@blp.response(200, SimilarResult)
@blp.alt_response(503, description="The content index has not been built yet")
def similar(args, paper_id):
    """Papers like this one, by content."""
    limit = args.get("limit") or settings().page_limit_default
    return lookups.similar(conn(), live_models(), paper_id, min(limit, settings().page_limit_max))


@blp.route("/trending", methods=["GET"], endpoint="get_trending")
@conditional()
@requires("read")
@blp.arguments(TrendingQuery(), location="query")
@blp.response(200, TrendingResult)
@blp.alt_response(503, description="Trending has not been computed yet")
def trending(args):
    """Papers gaining stars and reads over the window."""
    limit = args.get("limit") or settings().page_limit_default
    return lookups.trending(conn(), window=args["window"], category=args.get("category"),
                            limit=min(limit, settings().page_limit_max))
