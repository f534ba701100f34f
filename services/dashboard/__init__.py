"""The operators' dashboard: server-rendered pages under /admin in the API's own Flask app.

``services.dashboard.web.init_app(app, settings)`` registers it (``services.app.create_app`` calls it);
``accounts`` and ``operations`` hold the logic (no Flask), the ``views_*`` modules are thin handlers:
parse the form, call a function, render.
"""
