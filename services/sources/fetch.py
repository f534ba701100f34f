"""HTTP for sources: one GET, with the outcomes a poller must tell apart.

- 200: the body (bytes);
- 429 / 503 (with or without Retry-After, seconds or an HTTP date): ``RetryLater`` carrying the wait
  the server asked for, so the poller backs off at least that long;
- any other status, a timeout or a refused connection: ``SourceError`` with a one-line reason.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Any

import requests

USER_AGENT = "Paperfeed/0.1 (research-paper feeds; polite polling)"
MAX_BODY_BYTES = 32 * 1024 * 1024


class SourceError(Exception):
    """A request or response a source could not use; the cursor stays where it was."""


class RetryLater(SourceError):
    """The server asked us to come back later (429/503)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Request:
    url: str
    params: dict[str, Any]


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """A Retry-After header (delta-seconds or an HTTP date) → seconds from now, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def get(session: requests.Session, request: Request, *, timeout: float) -> bytes:
    """GET ``request``; see the module docstring for what each outcome raises."""
    try:
        response = session.get(request.url, params=request.params, timeout=timeout,
                                headers={"User-Agent": USER_AGENT}, stream=True)
    except requests.RequestException as exc:
        raise SourceError(f"{type(exc).__name__}: {exc}") from None
    with response:
        if response.status_code in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            raise RetryLater(f"HTTP {response.status_code} (Retry-After: {response.headers.get('Retry-After')})",
                             wait)
        if response.status_code != 200:
            raise SourceError(f"HTTP {response.status_code} from {request.url}")
        body = bytearray()
        try:
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise SourceError(f"response larger than {MAX_BODY_BYTES} bytes")
        except requests.RequestException as exc:  # the connection dropped mid-body
            raise SourceError(f"{type(exc).__name__}: {exc}") from None
        return bytes(body)
