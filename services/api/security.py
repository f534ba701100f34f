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
from flask_smorest import abort
from limits import RateLimitItem, parse_many

from services import auth
from services.api.ratelimit import Outcome, RateLimiter
from services.api.throttle import Throttle
from services.auth_cache import AuthCache
from services.config import Settings
from services.errors import TooManyRequests
from services.web import transaction
from services.web.state import state

_LIMITER = "paperfeed.limiter"
_AUTH_CACHE = "paperfeed.auth_cache"


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _verify(bearer: str) -> auth.Principal | None:
    settings: Settings = state().settings
    # No transaction needed: the epoch, then (on a miss) the check, each sees all committed before it.
    return auth.authenticate_cached(transaction.read_conn(), current_app.extensions[_AUTH_CACHE],
                                    current_app.config["SECRET_KEY"], bearer,
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
    """Before the view: verify the bearer (if any), choose whom the request counts against, count it.

    The bucket (per route) is chosen only after verification: a verified key counts against ``key:<id>``, a verified
    user token against ``user:<id>``; no credentials, or credentials that fail, count against the client
    address with the anonymous limit. So made-up key prefixes get no fresh buckets, and a stranger who
    knows a key's public prefix cannot spend that key's quota. Verification is answered from the
    process's cache while the authentication epoch is unchanged (services.auth_cache; the result is kept
    in ``g`` for the view); a database error propagates as the view's would. The count is one Redis
    round trip (services.api.ratelimit); a refused request is a 429 with Retry-After.
    """
    if not request.path.startswith("/v1/"):
        return
    bearer = _bearer()
    principal = _verify(bearer) if bearer else None
    if principal is None:
        g.auth_failed = bearer is not None
        kind, identity = ANONYMOUS, f"ip:{request.remote_addr}"
    else:
        g.principal = principal
        kind, identity = ((USER, f"user:{principal.user_id}") if principal.kind == "user"
                          else (KEY, f"key:{principal.key_id}"))
    limits: _Limits = current_app.extensions[_LIMITS]
    # Per caller and route, as the limits have always been counted (flask-limiter's default limits).
    outcome = limiter_of(current_app).hit(limits.shared[kind], f"{identity}:{request.endpoint or '-'}",
                                          fallback=limits.fallback[kind])
    g.rate_limit = outcome
    if not outcome.allowed:
        raise TooManyRequests(f"rate limit exceeded: {outcome.limit.amount} per {outcome.limit.get_expiry()} s",
                              retry_after=outcome.reset_seconds)


def rate_limit_outcome() -> Outcome | None:
    """The rate-limit check of this request (None outside /v1, or before the check ran)."""
    return g.get("rate_limit")


def fallback_limit(limit: str, processes: int) -> str:
    """``limit`` with every amount divided by ``processes`` (at least 1): what one process enforces on
    its own while the shared store is down, so all API processes together stay near the shared limit."""
    parts = []
    for item in parse_many(limit):
        amount = max(1, item.amount // max(1, processes))
        parts.append(f"{amount} per {item.multiples} {item.GRANULARITY.name}")
    return ";".join(parts)


_LIMITS = "paperfeed.limits"


class _Limits:
    """Each bucket kind's limits, parsed once: shared (Redis) and this process's fallback share."""

    def __init__(self, settings: Settings) -> None:
        raw = {ANONYMOUS: settings.rate_limit_anonymous, USER: settings.rate_limit_user_token,
               KEY: settings.rate_limit_key}
        self.shared: dict[str, list[RateLimitItem]] = {kind: parse_many(limit) for kind, limit in raw.items()}
        self.fallback: dict[str, list[RateLimitItem]] = {
            kind: parse_many(fallback_limit(limit, settings.api_workers)) for kind, limit in raw.items()}


def init_rate_limits(app: Flask, settings: Settings) -> RateLimiter:
    """Authentication (cached) and per-caller limits on /v1, counted in Redis in one round trip per
    request (services.api.ratelimit). When Redis is unreachable each process enforces its share of the
    limits (each divided by API_WORKERS) and probes Redis again only after a back-off, so requests
    neither go unlimited nor each wait out the Redis timeout; authentication does not depend on Redis.
    """
    limiter = RateLimiter(settings.require("redis_url"))
    app.extensions[_LIMITER] = limiter
    app.extensions[_LIMITS] = _Limits(settings)
    app.extensions[_AUTH_CACHE] = AuthCache[auth.Principal]()
    app.extensions["paperfeed.throttle"] = Throttle(limiter)
    app.before_request(_identify_caller)
    return limiter


def limiter_of(app: Flask) -> RateLimiter:
    """The rate limiter ``init_rate_limits`` put on ``app`` (tests reset its counters)."""
    return app.extensions[_LIMITER]


def auth_cache_of(app: Flask) -> AuthCache[auth.Principal]:
    """The process's cache of verified credentials (tests and benchmarks read its hit counts)."""
    return app.extensions[_AUTH_CACHE]
