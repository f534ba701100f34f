"""Cross-origin access for browser apps: /v1/me/... only, and only for origins the operator lists.

A browser app holds a user token (minted by its own backend with a service key) and calls /v1/me/...
from its own origin. Nothing else is opened to other origins: service-key routes (a key must never sit
in a browser), the token endpoint (the app's backend calls it, server to server), /admin (cookies and
CSRF) and the public email pages stay same-origin. With CORS_ALLOWED_ORIGINS empty (the default) no
CORS header is ever sent, so a browser on another origin can read nothing.

Credentials are bearer headers, never cookies, so ``Access-Control-Allow-Credentials`` is not sent and
a listed origin cannot ride on anyone's session. Preflights are answered without authentication (a
browser sends none) and cached by the browser for CORS_MAX_AGE_SECONDS.
"""

from __future__ import annotations

import re

from flask import Flask
from flask_cors import CORS

from services.config import Settings
from services.web.request_context import REQUEST_ID_HEADER

# The user-token surface: /v1/me and everything under it, nothing that merely starts with "/v1/me".
ME_ROUTES = re.compile(r"^/v1/me(/.*)?$")
ALLOWED_METHODS = ("GET", "PUT", "POST", "DELETE")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "If-None-Match", REQUEST_ID_HEADER)
# What a client reads from an answer: caching, back-off and correlation.
EXPOSED_HEADERS = ("ETag", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
                   "RateLimit-Policy", REQUEST_ID_HEADER, "Location")


def init_app(app: Flask, settings: Settings) -> None:
    """Answer CORS for ME_ROUTES from CORS_ALLOWED_ORIGINS; does nothing when that list is empty."""
    origins = list(settings.cors_allowed_origins)
    if not origins:
        return
    CORS(app, resources={ME_ROUTES: {
        "origins": origins,
        "methods": list(ALLOWED_METHODS),
        "allow_headers": list(ALLOWED_HEADERS),
        "expose_headers": list(EXPOSED_HEADERS),
        "max_age": settings.cors_max_age_seconds,
        "supports_credentials": False,
        "vary_header": True,
    }})
