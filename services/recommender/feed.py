"""The personal feed: retrieve → blend → filter → diversify → explain → snapshot → page.

Retrievers (``retrievers.RETRIEVERS``, each returns ``Hit``s):
- content: papers like the user's stars and reads, each of their interests retrieved on its own by exact
  TF-IDF and the dense index, fused (``content.content_hits``) — reacts to a star on the very next
  request, works for brand-new papers;
- cf: the user's ALS factors against every paper (warm users);
- trending: time-decayed stars and reads of the week;
- fresh: the newest papers.
Scores are put on one scale per retriever (FEED_FUSION), weighted (settings) and summed; read, starred, dismissed,
hidden, deleted and excluded papers are dropped; MMR orders the rest, and each interest of the reader gets
its share of every page (docs/engine.md).
The ranked list is stored (``feeds``) and paged from there: a cursor never repeats or skips an item,
and clicks carrying ``feed_id`` are credited to exactly what was shown.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from services import pagination
from services.config import Settings
from services.db import Database
from services.errors import InvalidInput
from services.recommender import cold_feed, content, experiments, feed_cache, incremental, ranking
from services.recommender.content import content_hits
from services.recommender.feed_cache import CURSOR_KIND
from services.recommender.hits import Hit, Reason, ReasonKind
from services.recommender.index import LoadedIndex
from services.recommender.interleaving import rank_treated
from services.recommender.positions import MISSING, rows_of
from services.recommender.retrievers import SHARED_LIST_SECONDS, Retrieval, cf_hits, retrieve_all, weights
from services.recommender.serving import LiveModels, pins
from services.recommender.visibility import Hidden, Visibility
from services.store import events as events_store
from services.store import feeds as feeds_store
from services.store import papers as papers_store
from services.store import users as users_store

# Re-exported: the offline evaluation (bench/quality.py) and the index holdout call the retrievers via feed.
__all__ = ["FeedRequest", "cf_hits", "content_hits", "get_feed", "order", "rank", "rank_and_store", "weights"]

# Candidates checked for visibility, as a multiple of FEED_SIZE (the rest cannot make the feed).
VISIBILITY_CHECKED = 2
# Every run of this many items gives each of the reader's interests its share of places ...
INTEREST_PAGE = 10
# ... and at least one place each while they have at most this many interests.
MIN_ONE_PLACE_UPTO = 5
# LiveModels.shared key of the process's hidden/deleted set (visibility.Visibility).
VISIBILITY_KEY = "visibility"
# Featured papers are pinned above everything else; more than a handful would crowd out the feed.
MAX_FEATURED = 5


@dataclass(frozen=True)
class FeedRequest:
    user_id: str
    limit: int
    cursor: str | None = None
    category: str | None = None
    exclude: frozenset[str] = frozenset()
    # What besides the feed shapes the answer's bytes (page size, fields, format), named by the API: a
    # plain first page asked with one may be kept finished and served again (feed_cache).
    page_variant: str | None = None
    # The finished page of this user and variant that the calling process holds, if any: served from
    # there when the query finds it is still the valid one (feed_cache, HELD).
    held_page: feed_cache.HeldPage | None = None


def finished_first_page(conn: psycopg.Connection, settings: Settings, request: FeedRequest) -> dict[str, Any] | None:
    """The finished first page answering ``request`` (feed_cache: kept or held), else None (then
    ``get_feed`` builds the answer). One read that needs no transaction (a reader may serve it from
    autocommit)."""
    if request.cursor is not None or request.category is not None or request.exclude or request.page_variant is None:
        return None
    return feed_cache.serve_finished(conn, settings, request.user_id, request.page_variant, request.held_page)


def get_feed(conn: psycopg.Connection, live: LiveModels, settings: Settings, request: FeedRequest) -> dict[str, Any]:
    """A page of the user's feed: the next page of a ranked list (cursor), the user's still-valid ranked
    list served again (plain requests, see feed_cache), or a list ranked now and stored. Finished pages
    are not looked for here: ``finished_first_page`` is asked first by callers that may keep them."""
    def cold_ranker(cold_request: FeedRequest) -> tuple[list[ranking.Candidate], str | None]:
        ranked, _, treatment = _ranked(conn, live, settings, cold_request, deterministic=True)
        return ranked, served_version(conn, live, treatment.settings)

    if request.cursor is not None:
        if cold_feed.is_cursor(request.cursor):
            return cold_feed.next_page(conn, request, cold_ranker, served_from=feed_cache.NEXT_PAGE)
        return _next_page(conn, request)
    plain = request.category is None and not request.exclude
    if plain:
        reused = feed_cache.serve_reusable(conn, settings, request.user_id, request.limit, request.page_variant)
        if reused is not None:
            return reused
    if not users_store.exists(conn, request.user_id):  # a read writes nothing for an unknown id (cold_feed)
        return cold_feed.first_page(conn, request, cold_ranker, served_from=feed_cache.RANKED)
    # The reader's experiment variants (and promoted defaults) decide the Settings it is ranked with.
    treatment = experiments.load_treatment(conn, settings, request.user_id)
    if plain and not treatment.assignments:
        updated = _updated(conn, live, treatment.settings, request.user_id)
        if updated is not None:
            return _answer(conn, request, treatment, updated.ranked, None, updated.version,
                           last_event_id=updated.change.last_event_id, updates=updated.updates,
                           served_from=feed_cache.UPDATED)
    # Read before ranking: an event arriving while we rank makes this list stale, never the reverse.
    last_event_id = feeds_store.last_event_id(conn, request.user_id) if plain else None
    ranked, teams, treatment = _ranked(conn, live, settings, request, treatment=treatment)
    # Asked again after ranking, not reused from above: the rank may have loaded the models (a process's
    # first feed), and the version recorded must be theirs.
    return _answer(conn, request, treatment, ranked, teams, served_version(conn, live, treatment.settings),
                   last_event_id=last_event_id, updates=0, served_from=feed_cache.RANKED)


def _answer(conn: psycopg.Connection, request: FeedRequest, treatment: experiments.Treatment,
            ranked: list[ranking.Candidate], teams: list[str] | None, version: str | None, *,
            last_event_id: int | None, updates: int, served_from: str) -> dict[str, Any]:
    """Store ``ranked`` (a list ranked now, or updated: ``updates``) as the reader's feed and answer its
    first page."""
    plain = request.category is None and not request.exclude
    settings = treatment.settings
    page = ranked[: request.limit]
    feed_id = feeds_store.insert(conn, user_id=request.user_id, model_version=version,
                                 items=_snapshot(ranked, teams), served=len(page), reusable=plain,
                                 last_event_id=last_event_id, assignments=dict(treatment.assignments),
                                 keep_per_user=settings.feed_snapshots_per_user, updates=updates)
    papers = papers_store.visible_by_ids(conn, [c.paper_id for c in page])
    next_cursor = pagination.encode(CURSOR_KIND, (feed_id, len(page))) if len(ranked) > len(page) else None
    keep = None
    if (plain and settings.feed_reuse_seconds > 0 and request.page_variant is not None
            and all(c.paper_id in papers for c in page)):
        ids = [c.paper_id for c in page]
        keep = feed_cache.PageToKeep(feed_id, request.page_variant, ids, [papers[p]["updated_at"] for p in ids])
    return {"items": [_item(papers[c.paper_id], round(c.score, 6), _reasons(c)) for c in page if c.paper_id in papers],
            "next_cursor": next_cursor, "model_version": version, "feed_id": feed_id,
            feed_cache.SERVED_FROM: served_from, feed_cache.KEEP: keep}


@dataclass(frozen=True)
class _Update:
    """A stored feed brought up to date (``_updated``): the list, the change it applied, the updates since
    its last full rank (this one counted), and the models' versions it stands for."""

    ranked: list[ranking.Candidate]
    change: incremental.Change
    updates: int
    version: str | None


def _updated(conn: psycopg.Connection, live: LiveModels, settings: Settings, user_id: str) -> _Update | None:
    """The reader's stored feed brought up to date with the events that followed it (incremental); None
    when it must be ranked in full."""
    if settings.feed_incremental_updates <= 0 or settings.feed_reuse_seconds <= 0:
        return None
    row = feeds_store.updatable(conn, user_id, max_age_seconds=settings.feed_reuse_seconds,
                                max_events=incremental.MAX_EVENTS)
    stored = None if row is None else incremental.StoredFeed(
        row["feed_id"], row["model_version"], row["items"], row["updates"], row["experiment"],
        [tuple(e) for e in row["events"]])
    # Asking for the index loads or refreshes the models first: the versions compared with the stored
    # feed's must be those a full rank would use now, not the none of a process that has ranked nothing
    # yet (each API worker's first feed) or the last of one whose refresh is due.
    index = live.index(conn, settings.feed_pin_index)
    version = served_version(conn, live, settings)
    change = incremental.updatable(stored, version=version, settings=settings)
    if change is None or (change.added and index is None):
        return None
    profile, seen = events_store.feed_inputs(conn, user_id)
    if incremental.too_new(profile):
        return None
    hidden = live.shared((VISIBILITY_KEY,), float("inf"), Visibility).current(conn)
    by_id = {row["paper_id"]: row for row in profile}
    rows, interests, itemknn = None, [], None
    if change.added:  # a dismissal alone needs no retrieval
        rows = content.profile_rows(index, profile, settings)
        interests = content.profile_interests(index, profile, settings, rows)
        cf_model = live.cf(conn, settings.feed_pin_cf)
        itemknn = cf_model.itemknn if cf_model is not None else None
    reader = incremental.Reader(profile, interests, seen, hidden, rows)
    arrivals = [found for paper in change.added if paper in by_id
                for found in incremental.arrivals(index, itemknn, by_id[paper], reader, settings)]
    kept = [c for c in incremental.entries_as_candidates(stored.entries) if hidden.shows(c.paper_id)]
    ranked = incremental.merge(kept, change.gone | seen, arrivals, size=settings.feed_size)
    return None if ranked is None else _Update(ranked, change, stored.updates + 1, version)


def _ranked(conn: psycopg.Connection, live: LiveModels, settings: Settings, request: FeedRequest, *,
            deterministic: bool = False, treatment: experiments.Treatment | None = None
            ) -> tuple[list[ranking.Candidate], list[str] | None, experiments.Treatment]:
    """(ranked list, interleaving teams or None, the experiment treatment it was ranked under: ``treatment``
    when given, else the reader's as loaded now). ``deterministic``: an interleaved draft seeded by the
    user id, so ranking again gives the same list (the unknown user's stateless cursor checks that)."""
    if treatment is None:
        treatment = experiments.load_treatment(conn, settings, request.user_id)
    rng = random.Random(request.user_id) if deterministic else None  # nosec B311  # not for security: a draft order
    ranked, teams = rank_treated(lambda treated: rank(conn, live, treated, request), treatment, rng)
    return ranked, teams, treatment


def _next_page(conn: psycopg.Connection, request: FeedRequest) -> dict[str, Any]:
    try:
        feed_id, offset = pagination.decode(CURSOR_KIND, request.cursor, 2)
        if not isinstance(offset, int) or offset < 0 or not isinstance(feed_id, str):
            raise pagination.InvalidCursor("not a cursor returned by this feed")
    except pagination.InvalidCursor as exc:
        raise InvalidInput("cursor", str(exc)) from None
    snapshot = feeds_store.get(conn, feed_id, request.user_id)
    if snapshot is None:
        raise InvalidInput("cursor", "this feed has expired (FEED_RETENTION_HOURS) or belongs to someone else; "
                                     "ask for a new one")
    entries = snapshot["items"][offset: offset + request.limit]
    end = offset + len(entries)
    feeds_store.mark_served(conn, feed_id, end)
    # Papers deleted or hidden since the feed was ranked are left out, never replaced: no repeats.
    papers = papers_store.visible_by_ids(conn, [e["p"] for e in entries])
    next_cursor = pagination.encode(CURSOR_KIND, (feed_id, end)) if end < len(snapshot["items"]) else None
    return {"items": [_item(papers[e["p"]], e["s"], e["r"]) for e in entries if e["p"] in papers],
            "next_cursor": next_cursor, "model_version": snapshot["model_version"], "feed_id": feed_id,
            feed_cache.SERVED_FROM: feed_cache.NEXT_PAGE}


def _item(paper: dict[str, Any], score: float, reasons: list[dict]) -> dict[str, Any]:
    return {"paper": paper, "score": score, "reasons": reasons}


def rank_and_store(conn: psycopg.Connection, live: LiveModels, settings: Settings, user_id: str) -> str:
    """Rank the user's plain feed now and store it as reusable, shown to nobody yet (the worker's
    precompute); returns its feed_id."""
    last_event_id = feeds_store.last_event_id(conn, user_id)
    treatment = experiments.load_treatment(conn, settings, user_id)
    ranked, teams = rank_treated(lambda treated: rank(conn, live, treated, FeedRequest(user_id=user_id, limit=0)),
                                 treatment)
    return feeds_store.insert(conn, user_id=user_id, model_version=served_version(conn, live, treatment.settings),
                              items=_snapshot(ranked, teams), served=0, reusable=True, last_event_id=last_event_id,
                              assignments=dict(treatment.assignments), keep_per_user=settings.feed_snapshots_per_user)


def _snapshot(ranked: list[ranking.Candidate], teams: list[str] | None = None) -> list[dict[str, Any]]:
    """Stored entries; an interleaved feed's carry their team ("t") for click credit."""
    if teams is None:
        return [{"p": c.paper_id, "s": round(c.score, 6), "r": _reasons(c)} for c in ranked]
    return [{"p": c.paper_id, "s": round(c.score, 6), "r": _reasons(c), "t": t} for c, t in zip(ranked, teams, strict=True)]


def _reasons(candidate: ranking.Candidate) -> list[dict[str, str]]:
    return [r.as_dict() for r in candidate.reasons]


def model_version(live: LiveModels) -> str | None:
    """The live versions, e.g. "cf:2026…;index:2026…" (what precompute compares stored feeds with)."""
    return _versions_text(live.versions())


def served_version(conn: psycopg.Connection, live: LiveModels, settings: Settings) -> str | None:
    """The versions a feed ranked now under ``settings`` is made from, an experiment's pins included
    (recorded with the feed, so the readout attributes it to the models it really came from)."""
    return _versions_text(live.versions(conn, pins(settings)))


def _versions_text(versions: Mapping[str, str]) -> str | None:
    return ";".join(f"{kind}:{v}" for kind, v in sorted(versions.items())) or None


def rank(conn: psycopg.Connection, live: LiveModels, settings: Settings, request: FeedRequest
         ) -> list[ranking.Candidate]:
    """The user's full ranked list (up to FEED_SIZE), each candidate with its reasons."""
    index = live.index(conn, settings.feed_pin_index)
    profile, seen = events_store.feed_inputs(conn, request.user_id)
    ctx = Retrieval(conn=conn, live=live, settings=settings, user_id=request.user_id, category=request.category,
                    profile=profile, index=index, cf_model=live.cf(conn, settings.feed_pin_cf))
    retrieved = retrieve_all(ctx)
    # Hidden and deleted papers: known in process, current as of the catalogue's change stamp.
    hidden = live.shared((VISIBILITY_KEY,), float("inf"), Visibility).current(conn)
    keep = None
    if request.category is not None:  # the category filter alone still asks the database
        def keep(best: list[ranking.Candidate]) -> list[ranking.Candidate]:
            categories = papers_store.visible_categories(conn, [c.paper_id for c in best])
            return [c for c in best if request.category in categories.get(c.paper_id, ())]

    ranked = order(retrieved, settings, unwanted=seen | request.exclude, index=index, keep=keep, hidden=hidden)
    featured = live.shared(("featured",), SHARED_LIST_SECONDS, lambda: papers_store.featured_ids(
        conn, limit=MAX_FEATURED))
    ranked = pin_featured(ranked, [p for p in featured if hidden.shows(p)], unwanted=seen | request.exclude,
                          keep=keep, size=settings.feed_size)
    # The content retriever's hits came with their interest as reason: the papers they resemble are
    # named for the list's candidates alone.
    return ranked if index is None else content.name_papers(index, profile, settings, ranked, ctx.profile_rows)


def pin_featured(ranked: list[ranking.Candidate], featured: list[str], *, unwanted: Collection[str],
                 keep: Callable[[list[ranking.Candidate]], list[ranking.Candidate]] | None, size: int
                 ) -> list[ranking.Candidate]:
    """Put the papers operators featured first (newest feature first), unless the user has seen them or
    they fail the request's filters (``keep``); the ranked list follows, without them, cut to ``size``."""
    top = ranked[0].score if ranked else 1.0
    pinned = [ranking.Candidate(pid, {"featured": 1.0}, [Reason(ReasonKind.FEATURED, "featured by the editors", pid)],
                                top) for pid in featured if pid not in unwanted]
    if keep is not None and pinned:
        pinned = keep(pinned)
    if not pinned:
        return ranked[:size]
    chosen = {c.paper_id for c in pinned}
    return (pinned + [c for c in ranked if c.paper_id not in chosen])[:size]


def order(retrieved: Mapping[str, Sequence[Hit]], settings: Settings, *,
          unwanted: Collection[str], index: LoadedIndex | None,
          keep: Callable[[list[ranking.Candidate]], list[ranking.Candidate]] | None = None,
          hidden: Hidden | None = None,
          ) -> list[ranking.Candidate]:
    """Blend the retrievers' hits, drop ``unwanted``, shortlist the best, drop the ``hidden`` (hidden and
    deleted papers) and let ``keep`` filter the shortlist (the category filter, the offline evaluation's
    catalogue), order it with MMR into at most FEED_SIZE candidates, and give each of the reader's
    interests its share of every INTEREST_PAGE items (``ranking.allot_interests``).

    Numpy over the merged hits (``ranking.Pool``) up to the MMR order; ``Candidate`` values are made
    for the chosen few only. No I/O of its own: the feed and the offline evaluation both rank through
    this function.
    """
    merged = ranking.pool(retrieved, weights(settings), fusion=settings.feed_fusion, rank_k=settings.feed_rank_k)
    allowed = np.ones(len(merged), dtype=bool)
    allowed[merged.positions_of(unwanted)] = False
    # Only the best few can make the feed: the visibility filters look at those alone.
    rows = merged.best(allowed, VISIBILITY_CHECKED * settings.feed_size)
    ids = [merged.ids[r] for r in rows.tolist()]
    positions = rows_of(index.positions, ids) if index is not None else np.full(len(ids), MISSING, dtype=np.int64)
    if hidden is not None:
        shown = hidden.visible(ids, positions, index)
        rows, positions = rows[shown], positions[shown]
    if keep is not None:
        kept = {c.paper_id for c in keep(merged.candidates(rows))}
        inside = np.fromiter((merged.ids[r] in kept for r in rows.tolist()), dtype=bool, count=len(rows))
        rows, positions = rows[inside], positions[inside]
    matrix = np.zeros((len(rows), 1), dtype=np.float32)
    if index is not None and settings.feed_mmr_lambda < 1.0 and (positions >= 0).any():
        matrix = np.zeros((len(rows), index.vectors.shape[1]), dtype=np.float32)
        known = positions >= 0
        matrix[known] = index.vectors[positions[known]]
    picked = ranking.mmr_order(merged.score[rows], matrix, lam=settings.feed_mmr_lambda, size=settings.feed_size)
    ranked = merged.candidates(rows[picked])
    return ranking.allot_interests(ranked, page=INTEREST_PAGE, min_one_upto=MIN_ONE_PLACE_UPTO,
                                   per_other=settings.feed_topical_per_other)


def prune_snapshots(db: Database, settings: Settings) -> dict[str, Any]:
    """Delete ranked feeds past FEED_RETENTION_HOURS, in short transactions."""
    deleted = 0
    while True:
        with db.connection() as conn:
            n = feeds_store.prune(conn, older_than_hours=settings.feed_retention_hours)
        deleted += n
        if n == 0:
            return {"deleted": deleted}
