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

from services import auth
from services.api import transaction
from services.config import Settings


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_principal() -> auth.Principal:
    if "principal" not in g:
        bearer = _bearer()
        if bearer is None:
            abort(401, message="send `Authorization: Bearer <key or token>`",
                  headers={"WWW-Authenticate": 'Bearer realm="paperfeed"'})
        principal = auth.authenticate(transaction.conn(), current_app.config["SECRET_KEY"], bearer)
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


def _rate_limit_identity() -> str:
    """Who a request counts against, without a database call: the key's prefix, the token's user, or the IP."""
    bearer = _bearer()
    if bearer:
        if bearer.startswith(auth.TOKEN_PREFIX):
            payload = auth.token_user(current_app.config["SECRET_KEY"], bearer)
            if payload is not None:
                return f"user:{payload['u']}"
        elif bearer.startswith("pf_"):
            return "key:" + bearer[3:].partition("_")[0][:32]
    return f"ip:{request.remote_addr}"


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    def limit_for_request() -> str:
        identity = _rate_limit_identity()
        if identity.startswith("user:"):
            return settings.rate_limit_user_token
        if identity.startswith("key:"):
            return settings.rate_limit_key
        return settings.rate_limit_anonymous

    limiter = Limiter(
        key_func=_rate_limit_identity,
        app=app,
        storage_uri=settings.redis_url or "memory://",
        storage_options={"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if settings.redis_url else {},
        default_limits=[limit_for_request],
        default_limits_exempt_when=lambda: not request.path.startswith("/v1/"),
        headers_enabled=False,  # Retry-After is added to 429s by the error handler
        # A Redis outage must not take the API down with it: requests pass unlimited meanwhile.
        swallow_errors=True,
        key_prefix="paperfeed-rl",
    )
    return limiter
