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
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from services.db import Database
from services.store import sources as sources_store

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

    def init_app(self, app: Flask, db: Database) -> None:
        """Time every request and serve /metrics (with the sources' health read from ``db``)."""

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
            body = self.exposition() + source_exposition(db)
            return Response(body, content_type=CONTENT_TYPE_LATEST)


class SourceCollector:
    """The sources' health as the worker last recorded it in PostgreSQL (any API process can tell)."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def collect(self):
        counters = {name: CounterMetricFamily(f"paperfeed_source_{name}", f"Source {what}, since it was added.",
                                              labels=["source"])
                    for name, what in (("papers_fetched", "papers fetched (stored or rejected)"),
                                       ("papers_created", "papers new to the catalogue"),
                                       ("papers_updated", "papers whose stored text changed"),
                                       ("papers_rejected", "papers rejected by the quality gates"),
                                       ("papers_withdrawn", "papers hidden as withdrawn"),
                                       ("requests", "requests made"))}
        failures = GaugeMetricFamily("paperfeed_source_consecutive_failures",
                                     "Failed polls since the last success (0: healthy).", labels=["source"])
        success = GaugeMetricFamily("paperfeed_source_last_success_timestamp_seconds",
                                    "When the source last polled without error.", labels=["source"])
        error = GaugeMetricFamily("paperfeed_source_last_error_timestamp_seconds",
                                  "When the source last failed.", labels=["source"])
        for row in self.rows:
            for name, family in counters.items():
                family.add_metric([row["name"]], row[name])
            failures.add_metric([row["name"]], row["failures"])
            if row["last_success_at"] is not None:
                success.add_metric([row["name"]], row["last_success_at"].timestamp())
            if row["last_error_at"] is not None:
                error.add_metric([row["name"]], row["last_error_at"].timestamp())
        yield from counters.values()
        yield from (failures, success, error)


def source_exposition(db) -> bytes:
    """The sources' metrics, read at scrape time; nothing when the database cannot be read (the
    request metrics are still served, and /readyz says why)."""
    try:
        with db.connection() as conn:
            rows = sources_store.list_all(conn)
    except Exception:  # noqa: BLE001 - a scrape must not fail on a database outage
        return b""
    registry = CollectorRegistry()
    registry.register(SourceCollector(rows))
    return generate_latest(registry)
