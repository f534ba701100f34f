"""What both Flask faces share: the JSON API (``services.api``, /v1) and the operators' dashboard
(``services.dashboard``, /admin) are registered on one app by ``services.app.create_app``.

- ``state``: the app's shared objects (settings, database, live models, task client, metrics), typed;
- ``transaction``: one transaction per request, committed before a response below 400 leaves;
- ``request_context``: request ids on every response and log line, browser hardening headers;
- ``problems``: application/problem+json responses;
- ``metrics``: Prometheus request metrics and /metrics.

Nothing here imports either face, so neither face imports the other.
"""
