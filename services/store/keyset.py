"""Keyset pagination: the one predicate every newest-first list uses to continue after a cursor."""

from __future__ import annotations

from typing import Any


def after(key_sql: str, last: tuple, params: dict[str, Any], *, types: tuple[str | None, ...] = ()) -> str:
    """``(key_sql) < (last...)`` for a list ordered by the same columns DESC, with ``last``'s values
    added to ``params`` (as after_0, after_1, ...). Row comparison keeps ties on the first column
    ordered by the next, so no row is repeated or skipped. ``types`` casts values back to their
    column's type where a round trip through the cursor widened it (a ``real`` rank read as a float)."""
    placeholders = []
    for i, value in enumerate(last):
        params[f"after_{i}"] = value
        cast = types[i] if i < len(types) and types[i] else None
        placeholders.append(f"%(after_{i})s::{cast}" if cast else f"%(after_{i})s")
    return f"({key_sql}) < ({', '.join(placeholders)})"
