"""OpenTelemetry tracing for the API (Flask), the workers (Celery) and every database call (psycopg).

Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then, and only then, the SDK is imported, one tracer
provider is made for the process and spans go over OTLP/HTTP (protobuf) to ``<endpoint>/v1/traces``. With
the variable unset nothing of OpenTelemetry is imported and no provider exists (a test checks both).

The SDK's own standard variables still apply on top of ours (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_BSP_*). SQL statements are recorded with their
placeholders, never their bound values.
"""

from __future__ import annotations

import threading
from typing import Any

from services.config import Settings

API_SERVICE = "paperfeed-api"
WORKER_SERVICE = "paperfeed-worker"

# One provider and one set of patches per process, whatever number of apps it builds (tests, `up`).
_lock = threading.Lock()
_configured: dict[str, Any] = {}


def enabled(settings: Settings) -> bool:
    return bool(settings.otel_exporter_otlp_endpoint)


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces path under the base endpoint (as the SDK does for the environment variable)."""
    return endpoint.rstrip("/") + "/v1/traces"


def _provider(settings: Settings, service: str) -> Any:
    """The process's tracer provider, made and installed on first call (also patching psycopg)."""
    with _lock:
        if "provider" in _configured:
            return _configured["provider"]
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
        from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        # OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, when set, win over our default name.
        resource = Resource.create({SERVICE_NAME: service}).merge(OTELResourceDetector().detect())
        provider = TracerProvider(resource=resource)
        # The batch processor restarts its export thread in forked children (Celery's prefork pool).
        provider.add_span_processor(BatchSpanProcessor(
            OTLPSpanExporter(endpoint=traces_url(settings.require("otel_exporter_otlp_endpoint")))))
        trace.set_tracer_provider(provider)
        # Patches psycopg.Connection.connect: every pool connection opened from now on is traced.
        PsycopgInstrumentor().instrument(tracer_provider=provider, enable_commenter=False, skip_dep_check=True)
        _configured["provider"] = provider
        return provider


def instrument_flask(app: Any, settings: Settings) -> None:
    """Trace ``app``'s requests (and their database calls) when tracing is on; otherwise do nothing."""
    if not enabled(settings):
        return
    provider = _provider(settings, API_SERVICE)
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor().instrument_app(app, tracer_provider=provider, excluded_urls="healthz,readyz,metrics")


def instrument_celery(settings: Settings) -> None:
    """Trace task runs (and their database calls) when tracing is on; otherwise do nothing."""
    if not enabled(settings):
        return
    provider = _provider(settings, WORKER_SERVICE)
    with _lock:
        if _configured.get("celery"):
            return
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        CeleryInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
        _configured["celery"] = True


def task_headers() -> dict[str, str]:
    """Headers that carry the current trace into a task sent by name (W3C ``traceparent``), so that the
    worker's task span is a child of the request that queued it; empty when tracing is off.

    The Celery instrumentation propagates only tasks registered in the sending process (it looks the task
    up by name, and for an unknown name leaves its publish span open and the context attached); the API
    sends by name without the workers' code, so it injects the context itself."""
    if "provider" not in _configured:
        return {}
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier
