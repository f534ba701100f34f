"""``RateLimit-*`` headers on every /v1 answer, so a client can slow down before it meets a 429.

The fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers) in their widely implemented form:
``RateLimit-Limit`` (requests allowed in the window), ``RateLimit-Remaining`` (after this request),
``RateLimit-Reset`` (seconds until the window resets) and ``RateLimit-Policy`` (``<limit>;w=<window
seconds>``). They describe the limit that applied to this request (the caller's bucket: key, user token or
address; see services.api.security). 429 and 503 keep their ``Retry-After``.

Reading the window costs one more call to the limit store per request (a Redis GET/TTL, or the local
fallback store while Redis is down); if that call fails the headers are left out rather than the answer.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, request

from services.api import security

log = logging.getLogger(__name__)
HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")


def init_app(app: Flask) -> None:
    """Add the headers after each /v1 request; call after ``security.init_rate_limits``."""

    @app.after_request
    def rate_limit_headers(response: Response) -> Response:
        if not request.path.startswith("/v1/"):
            return response
        current = security.limiter_of(app).current_limit
        if current is None:
            return response
        try:
            reset_at, remaining = current.reset_at, current.remaining
        except Exception as exc:  # the store is unreachable: the answer matters more than its headers
            log.debug("rate-limit window unavailable: %r", exc)
            return response
        item = current.limit
        response.headers["RateLimit-Limit"] = str(item.amount)
        response.headers["RateLimit-Remaining"] = str(max(0, remaining))
        response.headers["RateLimit-Reset"] = str(max(0, int(reset_at - time.time())))
        response.headers["RateLimit-Policy"] = f"{item.amount};w={item.get_expiry()}"
        return response
