"""The Flask application factory: one app, two faces. Nothing is created at import; gunicorn calls
``create_app()`` (``services.app:create_app()``).

The JSON API (``services.api``) and the operators' dashboard (``services.dashboard``) are registered on
the same app and share what ``services.web`` holds: the typed app state, one transaction per request,
request ids, metrics.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask_compress import Compress
from flask_swagger_ui import get_swaggerui_blueprint
from werkzeug.middleware.proxy_fix import ProxyFix

from services import api, logs, telemetry
from services.api import ready
from services.api.errors import ProblemApi
from services.config import Settings
from services.dashboard import web as dashboard
from services.db import Database
from services.jobs import TaskClient
from services.recommender.artifacts import open_store
from services.recommender.serving import LiveModels
from services.web import request_context, state, transaction
from services.web.metrics import ApiMetrics


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> Flask:
    """Build the API + dashboard app.

    ``settings`` defaults to ``Settings.from_env()``; ``db`` defaults to a lazily opened pool on
    ``settings.database_url`` (each process opens its own on first use, so forking servers are safe).
    """
    return _build(settings or Settings.from_env(), db)[0]


def _build(settings: Settings, db: Database | None) -> tuple[Flask, ProblemApi]:
    request_context.install_log_records()  # before any handler formats %(request_id)s
    if settings.log_format == logs.JSON:
        logs.configure(settings.log_level, settings.log_format)
    else:
        logging.basicConfig(level=settings.log_level, format=request_context.LOG_FORMAT)
    database_url = settings.require("database_url")
    db = db or Database(database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
                        timeout=settings.db_timeout_seconds)

    app = Flask("paperfeed")
    telemetry.instrument_flask(app, settings)  # only with OTEL_EXPORTER_OTLP_ENDPOINT
    if settings.trusted_proxies:
        # Behind N proxies the client is the Nth address from the right of X-Forwarded-For; anything a
        # client put further left is ignored (werkzeug's ProxyFix).
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=settings.require("secret_key"),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
        **COMPRESSION,
    )
    # Registered first, so its after_request hook runs last (Flask runs them in reverse): the transaction
    # has committed before a body is compressed. It sets Content-Encoding, Vary and the ETag's suffix.
    Compress(app)
    artifacts = open_store(settings, db)
    shared = state.AppState(
        settings=settings, db=db, artifacts=artifacts,
        models=LiveModels(artifacts, refresh_seconds=settings.artifact_refresh_seconds,
                          ef_search=settings.hnsw_ef_search),
        tasks=TaskClient(settings.require("redis_url")),
        metrics=ApiMetrics(settings.redis_url, settings.metrics_token),
    )
    state.install(app, shared)
    ready.init_app(app)
    request_context.init_app(app)  # first before_request hook: the id exists before limits and auth run
    transaction.init_app(app)
    problem_api = api.init_app(app, settings)  # problem+json errors, limits, CORS, /healthz, /readyz, /v1
    shared.metrics.init_app(app, db)
    dashboard.init_app(app, settings)
    # Swagger UI's files come from the flask-swagger-ui package: served locally, nothing vendored.
    app.register_blueprint(get_swaggerui_blueprint("/docs", "/openapi.json", config={"app_name": api.API_TITLE}))
    return app, problem_api


# Answers over ~1 KB are compressed when the client accepts it, at cheap levels: on a 40 KB feed page
# brotli quality 0 takes ~0.4 ms and gzip level 1 ~1 ms of CPU for 2.6x smaller (docs/benchmarks.md);
# higher levels gain a few percent for 2-4x the CPU. Streamed answers (exports) are left as they are.
COMPRESSION = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 0,
    "COMPRESS_LEVEL": 1,
    "COMPRESS_MIN_SIZE": 1024,
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": ["application/json", "application/problem+json", "text/html", "text/css",
                           "text/javascript", "application/javascript"],
}


# Placeholders that let the app be built (nothing connects until a request) just to read its spec.
_SPEC_ONLY = {"database_url": "postgresql://spec@127.0.0.1:1/spec", "redis_url": "redis://127.0.0.1:1/0",
              "secret_key": "spec-only-placeholder-secret"}  # nosec B105  # not a password: a token prefix, hint text or documentation example


def openapi_document() -> dict:
    """The OpenAPI document of this code, without any server (what `paperfeed openapi` prints)."""
    app, problem_api = _build(Settings(**_SPEC_ONLY), None)
    with app.test_request_context():
        return problem_api.spec.to_dict()
