"""``RateLimit-*`` headers on every /v1 answer, so a client can slow down before it meets a 429.

The fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers) in their widely implemented form:
``RateLimit-Limit`` (requests allowed in the window), ``RateLimit-Remaining`` (after this request),
``RateLimit-Reset`` (seconds until the window resets) and ``RateLimit-Policy`` (``<limit>;w=<window
seconds>``). They describe the limit that applied to this request (the caller's bucket: key, user token or
address; see services.api.security). 429 and 503 keep their ``Retry-After``.

They come from the counts the rate-limit check itself returned (services.api.ratelimit): no further call
to the limit store.
"""

from __future__ import annotations

from flask import Flask, Response, request

from services.api import security

HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")


def init_app(app: Flask) -> None:
    """Add the headers after each /v1 request; call after ``security.init_rate_limits``."""

    @app.after_request
    def rate_limit_headers(response: Response) -> Response:
        if not request.path.startswith("/v1/"):
            return response
        outcome = security.rate_limit_outcome()
        if outcome is None:
            return response
        item = outcome.limit
        response.headers["RateLimit-Limit"] = str(item.amount)
        response.headers["RateLimit-Remaining"] = str(outcome.remaining)
        response.headers["RateLimit-Reset"] = str(outcome.reset_seconds)
        response.headers["RateLimit-Policy"] = f"{item.amount};w={item.get_expiry()}"
        return response
