"""The Flask application factory. Nothing is created at import; gunicorn calls ``create_app()``."""

from __future__ import annotations

import logging

from flask import Flask
from flask_swagger_ui import get_swaggerui_blueprint

from services.api import cors, errors, health, openapi, request_context, security, transaction, v1
from services.api.metrics import ApiMetrics
from services.config import Settings
from services.dashboard import web as dashboard
from services.db import Database
from services.jobs import TaskClient
from services.recommender.artifacts import open_store
from services.recommender.serving import LiveModels
from services.store.meta import SCHEMA_REVISION

API_TITLE = "Paperfeed"
API_VERSION = "1"


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> Flask:
    """Build the API + dashboard app.

    ``settings`` defaults to ``Settings.from_env()``; ``db`` defaults to a lazily opened pool on
    ``settings.database_url`` (each process opens its own on first use, so forking servers are safe).
    """
    settings = settings or Settings.from_env()
    request_context.install_log_records()  # before any handler formats %(request_id)s
    logging.basicConfig(level=settings.log_level, format=request_context.LOG_FORMAT)
    database_url = settings.require("database_url")
    db = db or Database(database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
                        timeout=settings.db_timeout_seconds)

    app = Flask("paperfeed")
    app.config.update(
        SECRET_KEY=settings.require("secret_key"),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.extensions["paperfeed.settings"] = settings
    app.extensions["paperfeed.db"] = db
    artifacts = open_store(settings, db)
    app.extensions["paperfeed.artifacts"] = artifacts
    live_models = LiveModels(artifacts, refresh_seconds=settings.artifact_refresh_seconds,
                             ef_search=settings.hnsw_ef_search)
    app.extensions["paperfeed.models"] = live_models
    app.extensions["paperfeed.tasks"] = TaskClient(settings.require("redis_url"))
    app.extensions["paperfeed.readiness"] = health.ReadinessChecks(db, SCHEMA_REVISION, live_models)

    api = errors.ProblemApi(app, spec_kwargs={
        "info": {"description": "Personal research-paper feeds and alerts. Errors are application/problem+json."},
        "security": [{openapi.SERVICE_KEY: []}],
    })
    app.extensions["paperfeed.api"] = api
    openapi.security_schemes(api)
    errors.register_error_handlers(app)
    request_context.init_app(app)  # first before_request hook: the id exists before limits and auth run
    transaction.init_app(app)
    security.init_rate_limits(app, settings)
    api.register_blueprint(health.blp)
    v1.register(app, api)
    openapi.finish(app, api)
    cors.init_app(app, settings)
    metrics = ApiMetrics()
    metrics.init_app(app)
    app.extensions["paperfeed.metrics"] = metrics  # the dashboard reads feed latency from it
    dashboard.init_app(app, settings)
    # Swagger UI's files come from the flask-swagger-ui package: served locally, nothing vendored.
    app.register_blueprint(get_swaggerui_blueprint("/docs", "/openapi.json", config={"app_name": API_TITLE}))
    return app


# Placeholders that let the app be built (nothing connects until a request) just to read its spec.
_SPEC_ONLY = {"database_url": "postgresql://spec@127.0.0.1:1/spec", "redis_url": "redis://127.0.0.1:1/0",
              "secret_key": "spec-only-placeholder-secret"}


def openapi_document() -> dict:
    """The OpenAPI document of this code, without any server (what `paperfeed openapi` prints)."""
    app = create_app(Settings(**_SPEC_ONLY))
    with app.test_request_context():
        return app.extensions["paperfeed.api"].spec.to_dict()
