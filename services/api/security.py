"""Authentication, scopes and rate limits for /v1.

``@requires("read"|"write"|"admin")`` guards a view. A view registered both as
``/v1/users/<user_id>/...`` (service keys) and ``/v1/me/...`` (user tokens) receives ``user_id`` either
way: on a /me route it is the token's user. A user token is refused everywhere else, so it can never
reach another user's data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_smorest import abort
from limits import parse_many

from services import auth
from services.api.throttle import Throttle
from services.config import Settings
from services.web import transaction
from services.web.state import state

_LIMITER = "paperfeed.limiter"


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _verify(bearer: str) -> auth.Principal | None:
    settings: Settings = state().settings
    return auth.authenticate(transaction.conn(), current_app.config["SECRET_KEY"], bearer,
                             max_ttl_seconds=settings.token_ttl_max_seconds)


def current_principal() -> auth.Principal:
    """The verified caller of this request (verified once: the rate-limit hook may have done it)."""
    if "principal" not in g:
        bearer = _bearer()
        if bearer is None:
            abort(401, message="send `Authorization: Bearer <key or token>`",
                  headers={"WWW-Authenticate": 'Bearer realm="paperfeed"'})
        principal = None if g.get("auth_failed") else _verify(bearer)
        if principal is None:
            abort(401, message="the key or token is invalid, expired or revoked",
                  headers={"WWW-Authenticate": 'Bearer realm="paperfeed", error="invalid_token"'})
        g.principal = principal
    return g.principal


def requires(scope: str) -> Callable:
    """Guard a view: service keys need ``scope``; user tokens pass only on /me routes (no user_id in the URL)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            on_me_route = request.url_rule is not None and request.url_rule.rule.startswith("/v1/me")
            if principal.kind == "user":
                if not on_me_route:
                    abort(403, message="user tokens may only call /v1/me/...")
                kwargs["user_id"] = principal.user_id
            elif on_me_route:
                abort(403, message="/v1/me/... needs a user token; service keys use /v1/users/{user_id}/...")
            elif not principal.allows(scope):
                abort(403, message=f"this key lacks the '{scope}' scope")
            return view(*args, **kwargs)

        return guarded

    return decorate


ANONYMOUS, USER, KEY = "ip", "user", "key"


def _identify_caller() -> None:
    """Before the limits: verify the bearer (if any) and record whom the request counts against.

    The bucket is chosen only after verification: a verified key counts against ``key:<id>``, a verified
    user token against ``user:<id>``; no credentials, or credentials that fail, count against the client
    address with the anonymous limit. So made-up key prefixes get no fresh buckets, and a stranger who
    knows a key's public prefix cannot spend that key's quota. Verifying here is the same one query the
    view would make (the result is kept in ``g``); a database error propagates as the view's would.
    """
    if not request.path.startswith("/v1/"):
        return
    bearer = _bearer()
    principal = _verify(bearer) if bearer else None
    if principal is None:
        g.auth_failed = bearer is not None
        g.rate_identity = (ANONYMOUS, f"ip:{request.remote_addr}")
        return
    g.principal = principal
    g.rate_identity = ((USER, f"user:{principal.user_id}") if principal.kind == "user"
                       else (KEY, f"key:{principal.key_id}"))


def _identity() -> tuple[str, str]:
    return g.get("rate_identity") or (ANONYMOUS, f"ip:{request.remote_addr}")


def fallback_limit(limit: str, processes: int) -> str:
    """``limit`` with every amount divided by ``processes`` (at least 1): what one process enforces on
    its own while the shared store is down, so all API processes together stay near the shared limit."""
    parts = []
    for item in parse_many(limit):
        amount = max(1, item.amount // max(1, processes))
        parts.append(f"{amount} per {item.multiples} {item.GRANULARITY.name}")
    return ";".join(parts)


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Per-caller limits on /v1, counted in Redis (one counter update per request and limit).

    When Redis is unreachable, flask-limiter switches to an in-process store with conservative limits
    (each limit divided by API_WORKERS) and only probes Redis again with exponential back-off (1, 2, 4
    ... 32 s), so requests neither go unlimited nor each wait out the Redis timeout.
    """
    app.before_request(_identify_caller)  # registered before the limiter's own hook, so it runs first
    limits = {ANONYMOUS: settings.rate_limit_anonymous, USER: settings.rate_limit_user_token,
              KEY: settings.rate_limit_key}
    fallbacks = {kind: fallback_limit(limit, settings.api_workers) for kind, limit in limits.items()}

    limiter = Limiter(
        key_func=lambda: _identity()[1],
        app=app,
        storage_uri=settings.redis_url or "memory://",
        storage_options={"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if settings.redis_url else {},
        default_limits=[lambda: limits[_identity()[0]]],
        default_limits_exempt_when=lambda: not request.path.startswith("/v1/"),
        headers_enabled=False,  # Retry-After is added to 429s by the error handler
        in_memory_fallback_enabled=True,
        in_memory_fallback=[lambda: fallbacks[_identity()[0]]],
        swallow_errors=True,
        key_prefix="paperfeed-rl",
    )
    app.extensions[_LIMITER] = limiter
    app.extensions["paperfeed.throttle"] = Throttle(limiter)
    return limiter


def limiter_of(app: Flask) -> Limiter:
    """The rate limiter ``init_rate_limits`` put on ``app`` (tests reset its counters)."""
    return app.extensions[_LIMITER]
