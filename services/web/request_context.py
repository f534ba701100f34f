"""Per-request context: a request id on every response and log line, and browser hardening headers.

- Request ids: a client's ``X-Request-Id`` is kept when it is a short token (letters, digits, ``._-``,
  at most 64 characters, so it cannot forge log lines); otherwise one is generated. It is echoed in the
  response's ``X-Request-Id`` and carried by every log record made while the request runs
  (``%(request_id)s``, "-" outside a request), so one grep finds everything a request did. gunicorn's
  access log reads it back from the response header (see infra/gunicorn.conf.py).
- Headers: every response is ``nosniff``; the operators' dashboard (/admin) also gets a strict
  Content-Security-Policy (its pages use no inline script or style), frame denial and a same-origin
  referrer policy. Its session cookie flags (HttpOnly, SameSite, Secure behind https) are set by the
  dashboard itself.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from flask import Flask, Response, request

REQUEST_ID_HEADER = "X-Request-Id"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s: %(message)s"
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_NO_REQUEST = "-"

DASHBOARD_PREFIX = "/admin"
DASHBOARD_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # operator pages show keys once and personal data: never cache them
}

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("paperfeed_request_id", default=_NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being served on this thread, or "-" outside one."""
    return _request_id.get()


def accepted_request_id(value: str | None) -> str:
    """The client's id when it is a safe token, else a fresh random one (32 hex digits)."""
    if value and _CLIENT_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def install_log_records() -> None:
    """Give every LogRecord made in this process a ``request_id`` attribute (idempotent).

    A record factory rather than a handler filter: it also covers handlers added later (gunicorn's,
    pytest's) and records of libraries' loggers, so a format naming ``%(request_id)s`` never fails.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "paperfeed_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        return record

    factory.paperfeed_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def init_app(app: Flask) -> None:
    """Register the request id and header hooks on ``app`` (call install_log_records() first)."""

    @app.before_request
    def _start() -> None:
        token = _request_id.set(accepted_request_id(request.headers.get(REQUEST_ID_HEADER)))
        request.environ["paperfeed.request_id_token"] = token

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = current_request_id() if current_request_id() != _NO_REQUEST \
            else accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.path == DASHBOARD_PREFIX or request.path.startswith(DASHBOARD_PREFIX + "/"):
            for name, value in DASHBOARD_HEADERS.items():
                response.headers[name] = value
        return response

    @app.teardown_request
    def _end(_exc: BaseException | None) -> None:
        token = request.environ.pop("paperfeed.request_id_token", None)
        if token is not None:
            _request_id.reset(token)
