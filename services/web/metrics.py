"""Prometheus metrics for the API process.

Under gunicorn every worker is its own process, so ``PROMETHEUS_MULTIPROC_DIR`` is set (by
infra/gunicorn.conf.py) and /metrics aggregates all workers' files. Under a single process (tests,
`flask run`) the app's own registry is served.

Request metrics are counted as requests happen; the state of the deployment (live model versions and
their ages, Celery queue depths, the alert outbox, the sources' health) is read at scrape time by
``DeploymentCollector`` and ``SourceCollector``,
so every API host reports the same, current numbers without any worker-side exporter.

/metrics answers only with ``Authorization: Bearer $METRICS_TOKEN`` when that is set; without a token it
answers only to loopback clients (so a default deployment does not publish its internals).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import redis
from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from services.db import Database, DatabaseUnavailable
from services.recommender.feed_cache import SERVED_FROM, page_size
from services.store import metrics as metrics_store
from services.store import sources as sources_store

log = logging.getLogger(__name__)

# Label values must come from a closed set: a client can send any method name, and each new one
# would be a new time series kept forever.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FEED_SIZE_BUCKETS = (0, 1, 5, 10, 20, 50, 100, 200)
# The Celery queues whose depth is reported (the broker keeps each as a Redis list of that name).
QUEUES = ("default",)


class DeploymentCollector(Collector):
    """Gauges read at scrape time from PostgreSQL and the broker."""

    def __init__(self, db: Database, broker_url: str | None) -> None:
        self._db = db
        self._broker_url = broker_url
        self._redis: redis.Redis | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        live = GaugeMetricFamily("paperfeed_model_live", "The live version of each model kind (value 1).",
                                 labels=["kind", "version"])
        age = GaugeMetricFamily("paperfeed_model_age_seconds", "Seconds since the live version went live.",
                                labels=["kind"])
        outbox = GaugeMetricFamily("paperfeed_alerts_outbox", "Alerts not yet delivered, by channel and status.",
                                   labels=["channel", "status"])
        delivered = GaugeMetricFamily("paperfeed_alerts_delivered_24h", "Alerts delivered in the last 24 h.",
                                      labels=["channel"])
        try:
            with self._db.connection() as conn:
                for row in metrics_store.live_models(conn):
                    live.add_metric([row["kind"], row["version"]], 1)
                    age.add_metric([row["kind"]], row["age"])
                for row in metrics_store.outbox(conn):
                    outbox.add_metric([row["channel"], row["status"]], row["n"])
                for row in metrics_store.delivered_recently(conn):
                    delivered.add_metric([row["channel"]], row["n"])
        except DatabaseUnavailable as exc:  # a scrape must still answer; the request metrics show the rest
            log.warning("metrics: database unavailable: %s", exc)
        yield from (live, age, outbox, delivered)
        depth = GaugeMetricFamily("paperfeed_queue_depth", "Tasks waiting in each Celery queue.", labels=["queue"])
        if self._broker_url:
            try:
                client = self._client()
                for queue in QUEUES:
                    depth.add_metric([queue], client.llen(queue))
            except redis.RedisError as exc:
                log.warning("metrics: broker unavailable: %s", exc)
        yield depth

    def _client(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(self._broker_url, socket_timeout=1, socket_connect_timeout=1)
        return self._redis


class ApiMetrics:
    def __init__(self, broker_url: str | None = None, token: str | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._broker_url = broker_url
        self._token = token
        self._scraped: list[Collector] = []
        self.requests = Counter(
            "paperfeed_http_requests_total", "HTTP requests by endpoint, method and status.",
            ["endpoint", "method", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "paperfeed_http_request_duration_seconds", "HTTP request latency by endpoint.",
            ["endpoint", "method"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.feeds = Counter(
            "paperfeed_feed_requests_total", "Feed pages served: ready (a stored list's first page kept "
            "finished), stored (precomputed or reused), ranked now, or a next page of a stored list.", ["served_from"], registry=self.registry,
        )
        self.feed_latency = Histogram(
            "paperfeed_feed_duration_seconds", "Time to produce a feed page, by how it was served.",
            ["served_from"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.feed_size = Histogram(
            "paperfeed_feed_items", "Items in a served feed page.", ["served_from"],
            buckets=FEED_SIZE_BUCKETS, registry=self.registry,
        )

    def observe_feed(self, page: dict[str, Any], seconds: float) -> None:
        """Count a feed page produced by services.recommender.feed.get_feed."""
        served_from = page.get(SERVED_FROM, "unknown")
        self.feeds.labels(served_from).inc()
        self.feed_latency.labels(served_from).observe(seconds)
        self.feed_size.labels(served_from).observe(page_size(page))

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = CollectorRegistry()
            registry.register(_Forward(self.registry))
        for collector in self._scraped:
            registry.register(collector)
        return generate_latest(registry)

    def _allowed(self) -> bool:
        if self._token:
            supplied = request.headers.get("Authorization", "")
            return hmac.compare_digest(supplied.encode(), f"Bearer {self._token}".encode())
        try:
            return ipaddress.ip_address(request.remote_addr or "").is_loopback
        except ValueError:
            return False

    def init_app(self, app: Flask, db: Database) -> None:
        """Time every request and serve /metrics (with the deployment's state read from ``db``)."""
        self._scraped = [DeploymentCollector(db, self._broker_url), SourceCollector(db)]

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
            if not self._allowed():
                abort(401 if self._token else 403)
            return Response(self.exposition(), content_type=CONTENT_TYPE_LATEST)


class SourceCollector(Collector):
    """The sources' health as the worker last recorded it in PostgreSQL (any API process can tell);
    nothing when the database cannot be read (the request metrics are still served)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def collect(self) -> Iterator[Any]:
        try:
            with self._db.connection() as conn:
                rows = sources_store.list_all(conn)
        except DatabaseUnavailable:
            return
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
        for row in rows:
            for name, family in counters.items():
                family.add_metric([row["name"]], row[name])
            failures.add_metric([row["name"]], row["failures"])
            if row["last_success_at"] is not None:
                success.add_metric([row["name"]], row["last_success_at"].timestamp())
            if row["last_error_at"] is not None:
                error.add_metric([row["name"]], row["last_error_at"].timestamp())
        yield from counters.values()
        yield from (failures, success, error)


class _Forward(Collector):
    """The process's own registry, collected inside the scrape registry (single-process mode)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Any]:
        yield from self._registry.collect()
