"""Version 1 of the HTTP API (../shared/design/API.md): thin handlers, load → service → dump."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import ValidationError

from schemas.common import validate_client_id
from services.api.v1 import admin, alerts, email_links, events, experiments, feed, papers, users
from services.errors import InvalidInput

BLUEPRINTS: tuple[Blueprint, ...] = (papers.blp, users.blp, events.blp, feed.blp, alerts.blp, alerts.public,
                                     email_links.blp, email_links.public, admin.blp, experiments.blp)


def _check_path_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Ids in the path follow the same rule as ids in bodies (1–128 printable characters, no '/')."""
    for name, value in (values or {}).items():
        if name.endswith("_id"):
            try:
                validate_client_id(value)
            except ValidationError as exc:
                raise InvalidInput(name, " ".join(exc.messages)) from None


def register(app: Flask, api: Api) -> None:
    app.url_value_preprocessor(_check_path_ids)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
