"""Keyset pagination: the one predicate every newest-first list uses to continue after a cursor, and the
one query shape of such a list (``newest_first``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg


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


def newest_first(conn: psycopg.Connection, select_from: str, where: Sequence[str], params: dict[str, Any], *,
                 key: str = "created_at, id", cursor: tuple | None, limit: int) -> list[dict[str, Any]]:
    """One page of ``select_from`` ("SELECT <columns> FROM <table>") rows matching every ``where`` fragment,
    ordered by ``key`` descending and continued after ``cursor`` (the last row's key values, or None).

    ``select_from``, ``where`` and ``key`` are SQL chosen in code; every value they use is bound in
    ``params`` (which this adds ``limit`` and the cursor's values to)."""
    clauses = [*where] or ["true"]
    if cursor is not None:
        clauses.append(after(key, cursor, params))
    params["limit"] = limit
    order = ", ".join(f"{column.strip()} DESC" for column in key.split(","))
    return conn.execute(
        f"{select_from} WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT %(limit)s", params,  # nosec B608  # SQL from fragments chosen in code (columns, fixed clauses); every value is a bound parameter
    ).fetchall()
