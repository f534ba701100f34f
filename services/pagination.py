"""Opaque keyset cursors.

A cursor carries the sort key of the last item of a page (e.g. a timestamp and an id) and the kind of
list it belongs to, base64url-encoded JSON. It is not secret, only opaque: a client that edits one gets
either a 422 or a page that starts elsewhere in the same list, never someone else's data (every query
still filters by the caller's user).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class InvalidCursor(ValueError):
    """The cursor was not made by this list."""


class LimitTooLarge(ValueError):
    pass


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        return dt.datetime.fromisoformat(value["t"])
    return value


def encode(kind: str, key: Sequence[Any]) -> str:
    raw = json.dumps({"k": kind, "v": [_encode_value(v) for v in key]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(kind: str, cursor: str | None, arity: int) -> tuple | None:
    """The keyset tuple of ``cursor`` for a list of ``kind``, None for no cursor; raises InvalidCursor."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or data.get("k") != kind:
            raise InvalidCursor("cursor belongs to another list")
        values = tuple(_decode_value(v) for v in data["v"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor("not a cursor returned by this list") from exc
    if len(values) != arity or any(v is None or isinstance(v, (list, dict)) for v in values):
        raise InvalidCursor("not a cursor returned by this list")
    return values


@dataclass(frozen=True)
class PageRequest:
    """A validated page request: the decoded keyset and the page size."""

    after: tuple | None
    limit: int


def page_request(kind: str, cursor: str | None, limit: int | None, *, arity: int, default_limit: int,
                 max_limit: int) -> PageRequest:
    if limit is not None and limit > max_limit:
        raise LimitTooLarge(f"must be at most {max_limit}")
    return PageRequest(decode(kind, cursor, arity), limit or default_limit)


def paginate(kind: str, rows: list[T], limit: int, key: Callable[[T], Sequence[Any]]) -> tuple[list[T], str | None]:
    """``rows`` fetched with LIMIT limit+1 → (the page, next_cursor or None at the end)."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode(kind, key(page[-1]))
