"""Incremental re-ranking: a stored feed brought up to date with the reader's latest stars, reads and
dismissals instead of ranked anew.

A star, read or dismissal makes the reader's stored feed stale (feed_cache), and ranking it again costs
a full rank (≈ 20 ms of CPU on the 20k catalogue: every retriever, the blend, MMR) although one paper
joined the profile or left the list. So when the reader's newest reusable feed is young, ranked by the
live models outside any experiment, and only a few such events followed it (``updatable``), the next
request updates it (``arrivals``, ``merge``):

- every paper the events made unwanted (starred, read, dismissed) leaves the list;
- each newly starred or read paper brings *arrivals*: the best candidates of the reader's interest it
  joined (the content retriever for that interest alone, with all its papers: the part of a full rank the
  star changes most) and the papers most often saved with it (the item-item model), those that resemble
  the reader's papers only (``content.mark_topical``, as a full rank keeps co-read papers of another
  field out of an interest's places); FEED_INCREMENTAL_NEW of each per star, one of each per read;
- the arrivals take turns at the second place and every GAP-th after it; the rest keeps the order the
  full rank gave it, so the reader's other interests keep their places.

So "a star changes the very next feed" holds, cheaply. What an update cannot follow ranks in full: an
unstar (a paper leaves the profile, and its neighbours should too), new models or an experiment, more
than MAX_EVENTS events since the stored list or more than MAX_ADDED papers added to the profile (a client
syncing a reading session: updating would cost more than ranking), a profile of fewer than MIN_PROFILE
papers (a new reader's first stars change the whole list), a list run short, and every
FEED_INCREMENTAL_UPDATES-th update in a row. The worker's precompute ranks an updated list in full off the request path (feeds_store
``users_to_precompute``): an update approximates a full rank and must not stand for long.
``bench/quality.py --models hybrid,incremental`` measures an update against the full rank it stands in
for, offline (docs/engine.md § 8, docs/benchmarks.md).

No I/O: the feed (services/recommender/feed.py) reads the stored feed and writes the update.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.config import Settings
from services.recommender.content import Interest, PaperRows, content_hits, mark_topical, name_papers
from services.recommender.hits import Reason
from services.recommender.index import LoadedIndex
from services.recommender.itemknn import ItemKnn, history_factor
from services.recommender.ranking import Candidate
from services.recommender.visibility import Hidden

# The first arrival takes the second place (the first may be an editor's pick or the list's best), the
# next ones every GAP-th place after it: with three arrivals of each kind, five of a page of ten, the
# other five the stored list's first, in its order (tuned: bench/quality.py, docs/benchmarks.md).
FIRST_PLACE = 1
GAP = 2
# A read is weaker evidence than a star (content.STAR_WEIGHT): it brings one arrival of each kind.
NEW_PER_READ = 1
# A profile smaller than this after the events: rank in full (the first stars reshape the whole list).
MIN_PROFILE = 3
# More events than this since the stored list, or more papers added to the profile (each brings its own
# retrievals, ≈ 7 ms: three would cost what a full rank does), and the feed is ranked in full.
MAX_EVENTS = 5
MAX_ADDED = 2
# Fewer entries than this share of FEED_SIZE left after the update: rank in full.
SHORT_SHARE = 0.5
# Candidates looked at for one paper's arrivals (a full rank looks at FEED_SIZE per interest; an update
# places a handful).
NEIGHBOURS_LOOKED_AT = 20
# Event types an update follows (what feeds.last_event_id counts, except ``unstar`` and ``click``).
FOLLOWED = frozenset({"star", "read", "dismiss"})
ADDED_TO_PROFILE = frozenset({"star", "read"})


@dataclass(frozen=True)
class StoredFeed:
    """The reader's newest reusable feed and the events that followed it (feeds_store.updatable)."""

    feed_id: str
    model_version: str | None
    entries: list[dict[str, Any]]  # feeds.items: {"p", "s", "r"[, "t"]}
    updates: int  # updates since its last full rank
    experiment: bool  # ranked under an experiment's assignments
    events: list[tuple[int, str, str]]  # (id, type, paper_id), oldest first


@dataclass(frozen=True)
class Change:
    """What an update applies: papers that leave the list, the papers that joined the profile (newest
    first), and the newest event it accounts for."""

    gone: frozenset[str]
    added: tuple[str, ...]
    last_event_id: int


def updatable(stored: StoredFeed | None, *, version: str | None, settings: Settings) -> Change | None:
    """The change to apply to ``stored``, or None when the feed must be ranked in full (module
    docstring). ``version``: the models a feed ranked now would be made from."""
    if (stored is None or settings.feed_incremental_updates <= 0 or stored.updates >= settings.feed_incremental_updates
            or stored.experiment or stored.model_version != version or not stored.events
            or len(stored.events) > MAX_EVENTS or any(kind not in FOLLOWED for _, kind, _ in stored.events)
            or any("t" in entry for entry in stored.entries)):
        return None
    added = dict.fromkeys(paper for _, kind, paper in reversed(stored.events) if kind in ADDED_TO_PROFILE)
    if len(added) > MAX_ADDED:
        return None
    return Change(gone=frozenset(paper for _, _, paper in stored.events), added=tuple(added),
                  last_event_id=stored.events[-1][0])


def entries_as_candidates(entries: Sequence[Mapping[str, Any]]) -> list[Candidate]:
    """A stored feed's entries as the candidates they were stored from (paper, score, reasons)."""
    return [Candidate(e["p"], reasons=[Reason(r["kind"], r["detail"], r.get("paper_id")) for r in e["r"]],
                      score=e["s"]) for e in entries]


@dataclass(frozen=True)
class Reader:
    """What arrivals are chosen against: the reader's profile after the events (rows of paper_id, kind,
    title; newest first), its interests (``content.profile_interests``), every paper the feed must not
    show again, the hidden and deleted papers, and the profile's rows when gathered."""

    profile: Sequence[Mapping[str, Any]]
    interests: Sequence[Interest]
    unwanted: Collection[str]
    hidden: Hidden | None
    # The profile's rows for the similarities (``content.profile_rows``), gathered once per update.
    rows: PaperRows | None = None

    def shows(self, paper_id: str) -> bool:
        return paper_id not in self.unwanted and (self.hidden is None or self.hidden.shows(paper_id))


def too_new(profile: Sequence[Mapping[str, Any]]) -> bool:
    """A profile this small is ranked in full after every event (MIN_PROFILE)."""
    return len(profile) < MIN_PROFILE


def arrivals(index: LoadedIndex, itemknn: ItemKnn | None, row: Mapping[str, Any], reader: Reader,
             settings: Settings) -> list[list[Candidate]]:
    """The arrivals the profile paper ``row`` (newly starred or read) brings, as two lists, best first:
    its interest's best candidates and the papers saved with it that resemble the reader's (module
    docstring), ``arrivals_per_paper`` of each, none of them unwanted or hidden."""
    count = arrivals_per_paper(row["kind"], settings)
    if count <= 0:
        return []
    # As in a full rank: no retriever the settings weigh at 0, no co-readership for a short history.
    co_readers = itemknn if settings.feed_weight_itemknn > 0 and history_factor(
        len(reader.profile), settings.feed_itemknn_min_history, settings.feed_itemknn_full_history) > 0 else None
    by_content = _from_interest(index, row, reader, settings, count) if settings.feed_weight_content > 0 else []
    return [by_content, _co_read(index, co_readers, row, reader, settings, count)]


def _from_interest(index: LoadedIndex, row: Mapping[str, Any], reader: Reader, settings: Settings,
                   count: int) -> list[Candidate]:
    """The content retriever's best for the interest ``row`` belongs to (all its papers), each named after
    the profile paper it resembles, else the interest; [] when ``row`` is in no interest."""
    interest = next((i for i in reader.interests if row["paper_id"] in i.members), None)
    if interest is None:
        return []
    # The update places a handful: the retriever looks at NEIGHBOURS_LOOKED_AT, not FEED_SIZE.
    narrow = settings.replace(feed_size=NEIGHBOURS_LOOKED_AT)
    hits = sorted(content_hits(index, reader.profile, narrow, [interest], named=False), key=lambda h: -h.score)
    found = (Candidate(h.paper_id, reasons=[h.reason] if h.reason else [], score=h.score, topical=True)
             for h in hits if reader.shows(h.paper_id))
    # Named for the chosen few only (the reasons content_hits would give them: module content, step 3).
    return name_papers(index, reader.profile, settings, list(itertools.islice(found, count)), reader.rows)


def _co_read(index: LoadedIndex, itemknn: ItemKnn | None, row: Mapping[str, Any], reader: Reader,
             settings: Settings, count: int) -> list[Candidate]:
    """The papers most often saved with ``row`` (the item-item model) that resemble a profile paper:
    "readers of “…” also saved it"."""
    if itemknn is None:
        return []
    hits = mark_topical(index, reader.profile, settings, itemknn.hits([row], NEIGHBOURS_LOOKED_AT), reader.rows)
    found = (Candidate(h.paper_id, reasons=[h.reason] if h.reason else [], score=h.score, topical=True)
             for h in hits if h.topical and reader.shows(h.paper_id))
    return list(itertools.islice(found, count))


def merge(ranked: Sequence[Candidate], gone: Collection[str], arrivals: Sequence[Sequence[Candidate]], *,
          size: int, gap: int = GAP) -> list[Candidate] | None:
    """``ranked`` without ``gone``, with ``arrivals`` (lists of candidates, ``arrivals``' for each new
    profile paper, newest paper first) taken in turns and placed at FIRST_PLACE and every ``gap``-th place
    after it. An arrival already further down the list moves up, keeping the reasons it had after its new
    one; an arrival already shown at or above the place it would take stays where it is, as it is (moving
    it would demote it, and its new reason would hide why it was there); none appears twice. Each arrival
    is shown with the score of the place it takes. None when fewer than SHORT_SHARE of ``size`` entries are
    left (rank in full)."""
    listed = [c for c in ranked if c.paper_id not in gone]
    where = {c.paper_id: at for at, c in enumerate(listed)}
    places: list[tuple[int, Candidate]] = []  # (the place it takes, the arrival), in turn order
    taken: set[str] = set()
    for depth in range(max((len(a) for a in arrivals), default=0)):
        for found in arrivals:
            if depth >= len(found) or found[depth].paper_id in taken:
                continue
            arrival, place = found[depth], FIRST_PLACE + len(taken) * gap
            taken.add(arrival.paper_id)
            at = where.get(arrival.paper_id)
            if at is None:
                places.append((place, arrival))
            elif at > place:  # listed below the place it takes: moves up
                places.append((place, _with_reasons_of(arrival, listed[at])))
    moved = {c.paper_id for _, c in places}
    kept = [c for c in listed if c.paper_id not in moved]
    if len(kept) + len(places) < SHORT_SHARE * size:
        return None
    out = list(kept)
    for place, arrival in places:
        at = min(place, len(out))
        score = out[at].score if at < len(out) else (out[-1].score if out else arrival.score)
        out.insert(at, replace(arrival, score=score))
    return out[:size]


def _with_reasons_of(arrival: Candidate, listed: Candidate) -> Candidate:
    """``arrival`` with the reasons ``listed`` (the same paper, where the stored list had it) gave, after
    its own and without repeating a kind."""
    kinds = {r.kind for r in arrival.reasons}
    return replace(arrival, reasons=[*arrival.reasons, *(r for r in listed.reasons if r.kind not in kinds)])


def arrivals_per_paper(kind: str, settings: Settings) -> int:
    """Arrivals of each kind a newly starred (FEED_INCREMENTAL_NEW) or read (NEW_PER_READ) paper brings."""
    return settings.feed_incremental_new if kind == "star" else min(NEW_PER_READ, settings.feed_incremental_new)
