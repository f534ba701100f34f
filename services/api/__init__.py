"""The JSON API: /v1, /healthz, /readyz and the OpenAPI spec, registered on the app by ``init_app``.

``services.app.create_app`` builds the app; this package never imports the dashboard.
"""

from __future__ import annotations

from flask import Flask

from services.api import cors, errors, health, openapi, ratelimit_headers, security, v1
from services.config import Settings

API_TITLE = "Paperfeed"
API_VERSION = "1"


def init_app(app: Flask, settings: Settings) -> errors.ProblemApi:
    """Register the API on ``app`` (after the request-id and transaction hooks of ``services.web``, so
    rate limits and authentication run inside them); returns the flask-smorest Api holding the spec."""
    app.config.update(
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = errors.ProblemApi(app, spec_kwargs={
        "info": {"description": "Personal research-paper feeds and alerts. Errors are application/problem+json."},
        "security": [{openapi.SERVICE_KEY: []}],
    })
    openapi.security_schemes(api)
    errors.register_error_handlers(app, api)
    security.init_rate_limits(app, settings)
    ratelimit_headers.init_app(app)
    api.register_blueprint(health.blp)
    v1.register(app, api)
    openapi.finish(app, api)
    cors.init_app(app, settings)
    return api
