"""Every error leaves the API as application/problem+json: {"type", "title", "status", "detail", "errors"}."""

from __future__ import annotations

import logging

import psycopg
from flask import Flask, Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, InternalServerError

from schemas.common import flatten_messages
from schemas.problem import Problem
from services.db import DatabaseUnavailable
from services.errors import NotReady, ServiceError, TooManyRequests
from services.web.problems import PROBLEM_MIMETYPE, RETRY_AFTER_SECONDS, problem_response

log = logging.getLogger(__name__)


class ProblemApi(Api):
    """flask-smorest Api whose error handler and documented error schema speak problem+json."""

    ERROR_SCHEMA = Problem

    def _register_responses(self) -> None:
        # flask-smorest documents its shared error responses (DEFAULT_ERROR, UNPROCESSABLE_ENTITY, ...)
        # with the default content type; ours leave as problem+json, and the spec must say so.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_MIMETYPE
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE  # back to the class default for success responses

    def handle_http_exception(self, error: HTTPException) -> Response:
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        detail = data.get("message") or error.description
        if isinstance(error, InternalServerError):
            detail = "an unexpected error occurred; it has been logged"
        headers = dict(data.get("headers") or {})
        if error.code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        return problem_response(
            error.code or 500, error.name, detail,
            errors=flatten_messages(errors) if errors else None, headers=headers,
        )


def register_error_handlers(app: Flask, api: ProblemApi) -> None:
    """Handlers for what is not an HTTPException: an unreachable database, and anything unexpected."""

    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(error: DatabaseUnavailable) -> Response:
        log.warning("database unavailable: %s", error)
        return problem_response(503, "Service Unavailable", "the database is unreachable; retry shortly",
                                headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.errorhandler(psycopg.OperationalError)
    def database_lost(error: psycopg.OperationalError) -> Response:
        return database_unavailable(DatabaseUnavailable(str(error).strip().splitlines()[0] if str(error) else ""))

    @app.errorhandler(psycopg.DataError)
    def unstorable_value(error: psycopg.DataError) -> Response:
        # Validation should have caught it; this net keeps a client's bad value from becoming a 500.
        log.warning("value refused by PostgreSQL: %s", error)
        return problem_response(422, "Unprocessable Entity", "a value could not be stored: "
                                + (str(error).strip().splitlines() or [""])[0])

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS * 12)} if isinstance(error, NotReady) else None
        if isinstance(error, TooManyRequests):
            headers = {"Retry-After": str(error.retry_after)}
        return problem_response(error.status, error.title, error.detail, errors=error.errors, headers=headers)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):  # routed here only when no HTTPException handler matched
            return api.handle_http_exception(error)
        log.exception("unhandled error")
        return problem_response(500, "Internal Server Error", "an unexpected error occurred; it has been logged")
