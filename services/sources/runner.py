"""Poll one source: from its stored cursor, page by page, each page stored with the cursor past it.

The cursor is ``{"day": "YYYY-MM-DD", "start": n}``: the first day not yet settled and the offset within
it. A fresh source starts ``backfill_days`` ago. A day older than ``settle_days`` is read once, page by
page, and the cursor moves past each page in the transaction that stores it; a younger day is still
growing (arXiv announces late, upvotes keep coming) so it is re-read from its start at every poll,
without moving the cursor (papers have stable ids: re-reading updates, never duplicates).

Any failure (HTTP error, 503 with Retry-After, malformed or truncated response) stops the poll where it
is: the pages already stored stay stored, the cursor points at the failed page, the error is recorded,
and the next attempt waits max(Retry-After, base × 2^failures) (capped). So an outage leaves no gap and
no duplicate, and shows on the dashboard and in /metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from services.catalog import importer
from services.db import Database
from services.sources import arxiv, hf_daily
from services.sources.fetch import RetryLater, SourceError, get
from services.sources.pages import Page
from services.sources.spec import SourceKind, SourceSpec
from services.store import papers as papers_store
from services.store import sources as store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 60.0
    max_seconds: float = 3600.0

    def delay(self, failures: int, retry_after: float | None) -> float:
        """Seconds before the next attempt after ``failures`` consecutive failures (this one included)."""
        wait = min(self.max_seconds, self.base_seconds * 2 ** max(0, failures - 1))
        return max(wait, retry_after or 0.0)


@dataclass
class PollResult:
    source: str
    requests: int = 0
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    withdrawn: int = 0
    upvotes: int = 0
    error: str | None = None
    retry_in_seconds: float | None = None
    skipped: str | None = None
    cursor: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.withdrawn)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def initial_cursor(spec: SourceSpec, today: date) -> dict[str, Any]:
    return {"day": (today - timedelta(days=spec.backfill_days)).isoformat(), "start": 0}


def poll(db: Database, spec: SourceSpec, *, backoff: Backoff, today: date | None = None,
         session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep,
         force: bool = False) -> PollResult:
    """One poll of ``spec`` (see the module docstring). Skips while a back-off is pending (unless
    ``force``) or while another poll of the same source runs."""
    result = PollResult(spec.name)
    with db.advisory_lock(f"paperfeed.source.{spec.name}") as taken:
        if not taken:
            result.skipped = "another poll of this source is running"
            return result
        with db.connection() as conn:
            row = store.ensure(conn, spec.name, spec.kind.value)
        if not force and row["next_attempt_at"] is not None and row["next_attempt_at"] > datetime.now(UTC):
            result.skipped = f"backing off until {row['next_attempt_at'].isoformat()}"
            return result
        today = today or datetime.now(UTC).date()
        cursor = row["cursor"] if row["cursor"].get("day") else initial_cursor(spec, today)
        own_session = session is None
        session = session or requests.Session()
        try:
            _run(db, spec, cursor, today, session, sleep, result)
        except SourceError as exc:
            retry_after = exc.retry_after if isinstance(exc, RetryLater) else None
            result.error = str(exc)
            result.retry_in_seconds = backoff.delay(row["failures"] + 1, retry_after)
            with db.connection() as conn:
                store.record_failure(conn, spec.name, error=result.error, retry_in_seconds=result.retry_in_seconds)
            log.warning("source %s failed (retry in %.0fs): %s", spec.name, result.retry_in_seconds, exc)
        else:
            with db.connection() as conn:
                store.record_success(conn, spec.name)
        finally:
            if own_session:
                session.close()
        return result


def _run(db: Database, spec: SourceSpec, cursor: dict[str, Any], today: date, session: requests.Session,
         sleep: Callable[[float], None], result: PollResult) -> None:
    settled_before = today - timedelta(days=spec.settle_days)  # days before this one are settled
    day, start = date.fromisoformat(cursor["day"]), int(cursor.get("start", 0))
    result.cursor = dict(cursor)
    while day <= today and result.requests < spec.max_requests:
        if result.requests:
            sleep(spec.delay_seconds)  # politeness between two requests of one poll
        settled = day < settled_before
        page = _fetch(spec, day, start, session)
        result.requests += 1
        next_day = page.next_start is None
        if settled:  # the cursor moves past this page, in the transaction that stores it
            cursor = ({"day": (day + timedelta(days=1)).isoformat(), "start": 0} if next_day
                      else {"day": day.isoformat(), "start": page.next_start})
        _store(db, spec, page, cursor, result)
        day, start = (day + timedelta(days=1), 0) if next_day else (day, page.next_start)
    result.cursor = dict(cursor)


def _fetch(spec: SourceSpec, day: date, start: int, session: requests.Session) -> Page:
    if spec.kind is SourceKind.ARXIV:
        body = get(session, arxiv.request(spec, day, start), timeout=spec.timeout_seconds)
        return arxiv.parse(body, spec, start)
    body = get(session, hf_daily.request(spec, day, start), timeout=spec.timeout_seconds)
    return hf_daily.parse(body, spec, day)


def _store(db: Database, spec: SourceSpec, page: Page, cursor: dict[str, Any], result: PollResult) -> None:
    """The page's papers, withdrawals, upvotes and the cursor past it: one transaction."""
    report = importer.ImportReport()
    papers = importer.load_records(page.papers, report)
    rejected = len(page.rejected) + len(report.rejected)
    for reason in [*page.rejected, *map(str, report.rejected)][:5]:
        log.info("source %s rejected %s", spec.name, reason)
    with db.connection() as conn:
        importer.upsert_records(conn, papers, report, fill_only=page.fill_only)
        withdrawn = papers_store.hide(conn, page.withdrawn) if page.withdrawn else 0
        upvotes = store.save_upvotes(conn, spec.name, [(u.paper_id, u.upvotes, u.submitted_at)
                                                       for u in page.upvotes])
        store.save_page(conn, spec.name, cursor=cursor, fetched=len(page.papers) + len(page.rejected),
                        created=report.counts.created, updated=report.counts.updated, rejected=rejected,
                        withdrawn=withdrawn)
    result.fetched += len(page.papers) + len(page.rejected)
    result.created += report.counts.created
    result.updated += report.counts.updated
    result.unchanged += report.counts.unchanged
    result.rejected += rejected
    result.withdrawn += withdrawn
    result.upvotes += upvotes
