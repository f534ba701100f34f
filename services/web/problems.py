"""application/problem+json bodies: {"type", "title", "status", "detail", "errors"}."""

from __future__ import annotations

from typing import Any

from flask import Response, json

PROBLEM_MIMETYPE = "application/problem+json"
# What a 503 asks a client to wait before retrying (an unreachable database, a failed commit).
RETRY_AFTER_SECONDS = 5


def problem_response(status: int, title: str, detail: str | None = None, *,
                     errors: dict[str, list[str]] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
