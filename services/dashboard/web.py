"""The operators' dashboard (/admin), registered on the app by ``init_app``.

Blueprints and their guard: ``blueprints``; helpers the views share: ``view_helpers``; pages:
``views_*``. The dashboard never imports the JSON API (``services.api``); what both share is in
``services.web``.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from services.config import Settings
from services.dashboard import (
    views_auth,
    views_catalog,
    views_experiments,
    views_keys,
    views_ops,
    views_overview,
    views_users,
)
from services.dashboard.sessions import SESSION_HOURS
from services.dashboard.view_helpers import first_page_url


def init_app(app: Flask, settings: Settings) -> None:
    """Register the dashboard on the API's app with secure session cookies."""
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by the dashboard's guard only
        SESSION_COOKIE_NAME="paperfeed_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
    )
    CSRFProtect(app)
    app.add_template_global(first_page_url)
    for module in (views_auth, views_overview, views_catalog, views_users, views_ops, views_experiments,
                   views_keys):
        app.register_blueprint(module.bp)
