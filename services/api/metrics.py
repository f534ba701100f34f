"""Prometheus metrics for the API process.

Under gunicorn every worker is its own process, so ``PROMETHEUS_MULTIPROC_DIR`` is set (by
infra/gunicorn.conf.py) and /metrics aggregates all workers' files. Under a single process (tests,
`flask run`) the app's own registry is served.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

# Label values must come from a closed set: a client can send any method name, and each new one
# would be a new time series kept forever.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "paperfeed_http_requests_total", "HTTP requests by endpoint, method and status.",
            ["endpoint", "method", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "paperfeed_http_request_duration_seconds", "HTTP request latency by endpoint.",
            ["endpoint", "method"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)

    def init_app(self, app: Flask) -> None:
        @app.before_request
        def _start_timer() -> None:
            g.request_started = time.perf_counter()

        @app.after_request
        def _record(response: Response) -> Response:
            started = g.pop("request_started", None)
            # The URL rule, not the path: ids must not explode label cardinality.
            endpoint = request.url_rule.rule if request.url_rule else "<unmatched>"
            method = request.method if request.method in KNOWN_METHODS else OTHER_METHOD
            self.requests.labels(endpoint, method, str(response.status_code)).inc()
            if started is not None:
                self.latency.labels(endpoint, method).observe(time.perf_counter() - started)
            return response

        @app.get("/metrics")
        def metrics() -> Response:
            return Response(self.exposition(), content_type=CONTENT_TYPE_LATEST)
