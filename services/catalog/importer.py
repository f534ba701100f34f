"""Stream a JSONL file of papers into the catalogue.

Accepted line formats (detected per line):

- Paperfeed's own: ``{"id", "title", "abstract", "authors", "categories", "published_at", "url", "code_urls"}``;
- the arXiv listing format: ``first_listed`` (a date) and ``abs_url`` instead of ``published_at`` / ``url``;
- the Daily Papers seed format: no id at all. Such a paper gets a stable id derived from its title, so a
  re-import updates it rather than adding a copy.

Lines are validated with the API's own schema; a bad line is reported by number and skipped, the good
ones are upserted in batches, each batch in its own transaction, so memory stays flat for any file size.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from marshmallow import ValidationError

from schemas.papers import PaperIn
from services.db import Database
from services.store import papers as papers_store
from services.store.papers import UpsertCounts

MAX_LINE_BYTES = 1024 * 1024
# A whole import file, decompressed: far above any real catalogue (the demo's 3,000 papers are 5 MB), far
# below what a gzip bomb expands to. Reading stops there, and the stop is reported as a rejected line.
MAX_IMPORT_BYTES = 8 * 1024 ** 3
# What the bounded reader yields in place of a line longer than MAX_LINE_BYTES (never held whole).
OVERLONG = "\x00overlong line\x00"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_schema = PaperIn()


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    lines: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: list[LineError] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.counts.created + self.counts.updated + self.counts.unchanged


def stable_id_for_title(title: str) -> str:
    """An id for a paper that has none: the same (case- and space-insensitive) title gives the same id."""
    normal = " ".join(title.lower().split())
    return "title-" + hashlib.sha256(normal.encode()).hexdigest()[:16]


def normalise(record: Any) -> dict[str, Any]:
    """Map any accepted line format onto the PaperIn input shape (validation happens after)."""
    if not isinstance(record, dict):
        raise ValidationError("expected a JSON object")
    out = dict(record)
    if "published_at" not in out and isinstance(out.get("first_listed"), str):
        first = out["first_listed"]
        out["published_at"] = f"{first}T00:00:00+00:00" if _DATE_ONLY.match(first) else first
    if "url" not in out and "abs_url" in out:
        out["url"] = out["abs_url"]
    if "id" not in out and isinstance(out.get("title"), str) and out["title"].strip():
        out["id"] = stable_id_for_title(out["title"])
    if isinstance(out.get("title"), str):
        out["title"] = " ".join(out["title"].split())
    return out


def parse_line(text: str) -> dict[str, Any]:
    """One JSONL line → a validated paper dict; raises ValidationError with a readable message."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    return _schema.load(normalise(record))


def describe(error: ValidationError) -> str:
    messages = error.messages
    if isinstance(messages, dict):
        return "; ".join(f"{key}: {' '.join(map(str, val)) if isinstance(val, list) else val}"
                         for key, val in messages.items())
    return " ".join(map(str, messages)) if isinstance(messages, list) else str(messages)


def iter_parsed(lines: Iterable[str], report: ImportReport) -> Iterator[dict[str, Any]]:
    """Yield valid papers; record every bad line (1-based number) in ``report``."""
    for number, text in enumerate(lines, start=1):
        report.lines = number
        if text is TOO_MUCH:
            report.rejected.append(LineError(number, f"stopped: the file holds more than {MAX_IMPORT_BYTES} bytes"))
            return
        if not text.strip():
            continue
        if text is OVERLONG or len(text) > MAX_LINE_BYTES:
            report.rejected.append(LineError(number, f"line longer than {MAX_LINE_BYTES} bytes"))
            continue
        try:
            yield parse_line(text)
        except ValidationError as exc:
            report.rejected.append(LineError(number, describe(exc)))


TOO_MUCH = "\x00too much\x00"


class BoundedLines:
    """The lines of a text file, read so that memory stays bounded whatever the file holds: a line over
    ``max_line`` characters is skipped in chunks and yielded as OVERLONG, and after ``max_total``
    characters in all, TOO_MUCH is yielded and reading stops (a gzip bomb is decompressed no further).
    A context manager, like the file it wraps."""

    def __init__(self, fh: IO[str], *, max_line: int = MAX_LINE_BYTES, max_total: int = MAX_IMPORT_BYTES) -> None:
        self._fh = fh
        self._max_line = max_line
        self._max_total = max_total

    def __enter__(self) -> BoundedLines:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._fh.close()

    def __iter__(self) -> Iterator[str]:
        total = 0
        while True:
            line = self._fh.readline(self._max_line + 1)
            if not line:
                return
            total += len(line)
            if len(line) > self._max_line and not line.endswith("\n"):
                while (rest := self._fh.readline(self._max_line)) and total <= self._max_total:
                    total += len(rest)
                    if rest.endswith("\n"):
                        break
                line = OVERLONG
            if total > self._max_total:
                yield TOO_MUCH
                return
            yield line


def open_text(path: Path, *, max_line: int = MAX_LINE_BYTES, max_total: int = MAX_IMPORT_BYTES) -> BoundedLines:
    """Open a .jsonl or .jsonl.gz file as UTF-8 text lines, bounded (see BoundedLines)."""
    if path.suffix == ".gz":
        fh: IO[str] = io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")  # noqa: SIM115 (BoundedLines closes it)
    else:
        fh = path.open("r", encoding="utf-8", errors="replace")
    return BoundedLines(fh, max_line=max_line, max_total=max_total)


def import_lines(
    db: Database,
    lines: Iterable[str],
    *,
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> ImportReport:
    """Upsert every valid line; each batch of ``batch_size`` is one transaction and one round trip.

    ``on_batch(n)`` is called after each committed batch with its size (for progress bars).
    """
    report = ImportReport()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        with db.connection() as conn:
            report.counts = report.counts + papers_store.upsert_many(conn, batch)
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    for paper in iter_parsed(lines, report):
        batch.append(paper)
        if len(batch) >= batch_size:
            flush()
    flush()
    return report


def load_records(records: Iterable[Any], report: ImportReport) -> list[dict[str, Any]]:
    """Validate papers a source parsed, exactly as import lines are (``normalise`` then PaperIn); a bad
    one is recorded in ``report.rejected`` by its 1-based position and left out."""
    valid = []
    for number, record in enumerate(records, start=1):
        report.lines += 1
        try:
            valid.append(_schema.load(normalise(record)))
        except ValidationError as exc:
            report.rejected.append(LineError(number, describe(exc)))
    return valid


def fill_missing(stored: dict[str, Any] | None, paper: dict[str, Any]) -> dict[str, Any]:
    """``paper`` as a secondary source may write it over ``stored``: stored values win, the paper only
    fills the fields that are empty (a Daily Papers record must not wipe an arXiv listing's categories)."""
    if stored is None:
        return paper
    merged = {key: stored.get(key) for key in papers_store.PAPER_COLUMNS}
    for key, value in paper.items():
        if key in merged and not merged[key] and value:
            merged[key] = value
    merged["code_urls"] = list(dict.fromkeys([*(stored.get("code_urls") or []), *(paper.get("code_urls") or [])]))
    return merged


def upsert_records(conn: Any, papers: list[dict[str, Any]], report: ImportReport, *,
                   fill_only: bool = False) -> None:
    """Upsert validated papers in the caller's transaction (a source commits them with its cursor)."""
    if fill_only and papers:
        stored = papers_store.live_by_ids(conn, [p["id"] for p in papers])
        papers = [fill_missing(stored.get(p["id"]), p) for p in papers]
    report.counts = report.counts + papers_store.upsert_many(conn, papers)
