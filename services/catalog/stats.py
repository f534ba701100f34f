"""Catalogue counts, recorded periodically by the worker (and shown by the dashboard later)."""

from __future__ import annotations

from typing import Any

from services.db import Database
from services.store import papers


def compute(db: Database) -> dict[str, Any]:
    """{"papers": visible papers, "papers_including_deleted": every row}. Read-only."""
    with db.connection() as conn:
        return {"papers": papers.count(conn), "papers_including_deleted": papers.count(conn, include_deleted=True)}
