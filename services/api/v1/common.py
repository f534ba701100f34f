"""Small helpers every v1 handler uses."""

from __future__ import annotations

from typing import Any

from services import pagination
from services.errors import InvalidInput
from services.web.state import live_models, settings

__all__ = ["batch_limit", "live_models", "page", "settings"]


def page(args: dict[str, Any], kind: str, arity: int = 2) -> pagination.PageRequest:
    """The page asked for in the query string, with the configured limit cap; 422 names the bad field."""
    s = settings()
    try:
        return pagination.page_request(kind, args.get("cursor"), args.get("limit"), arity=arity,
                                       default_limit=s.page_limit_default, max_limit=s.page_limit_max)
    except pagination.InvalidCursor as exc:
        raise InvalidInput("cursor", str(exc)) from None
    except pagination.LimitTooLarge as exc:
        raise InvalidInput("limit", str(exc)) from None


def batch_limit(items: list, limit: int, field: str) -> None:
    if len(items) > limit:
        raise InvalidInput(field, f"at most {limit} items per request")
