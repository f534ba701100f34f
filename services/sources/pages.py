"""What one request to a source yields, whatever the source: typed values between fetch and store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Upvote:
    paper_id: str
    upvotes: int
    submitted_at: datetime


@dataclass
class Page:
    """Papers (PaperIn input shape, not yet validated), what the quality gates rejected (reasons),
    the ids withdrawn by their authors, Daily Papers upvotes, and where the next page starts within
    the same day (``next_start``; None: the day is exhausted)."""

    papers: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    upvotes: list[Upvote] = field(default_factory=list)
    next_start: int | None = None
    # hf_daily papers only fill what the catalogue does not know yet (arXiv is the authority).
    fill_only: bool = False
