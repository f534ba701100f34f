"""The app's shared objects, typed, instead of string keys in ``app.extensions``.

``create_app`` builds one ``AppState`` and ``install``s it; handlers and views reach it through
``state()`` (or the shortcuts below) while a request or app context is active. It is mutable on
purpose: a test may point ``tasks`` at a queue of its own before sending requests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import Flask, current_app

from services.config import Settings
from services.db import Database
from services.jobs import TaskClient
from services.recommender.artifacts import ArtifactStore
from services.recommender.serving import LiveModels
from services.web.metrics import ApiMetrics

_KEY = "paperfeed"


@dataclass
class AppState:
    settings: Settings
    db: Database
    artifacts: ArtifactStore  # where published versions live (rolled back from the dashboard)
    models: LiveModels  # the live index and CF model, swapped in when the worker publishes new ones
    tasks: TaskClient  # sends worker tasks by name (operators' jobs, imports)
    metrics: ApiMetrics  # request counts and latency; the dashboard shows feed latency from it
    # Tells the API's worker processes apart in /readyz without publishing a process id. Made with the
    # state in each worker, never at import: gunicorn's master imports the app's modules before forking.
    instance: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def install(app: Flask, shared: AppState) -> None:
    app.extensions[_KEY] = shared


def state(app: Flask | None = None) -> AppState:
    """The shared objects of ``app`` (default: the current app)."""
    return (app or current_app).extensions[_KEY]


def settings() -> Settings:
    return state().settings


def live_models() -> LiveModels:
    return state().models
