"""OpenTelemetry tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, the API and the worker send OTLP/HTTP
protobuf spans to it (a real receiver here): a request's Flask span holds its psycopg spans, a task's Celery
span holds its own. Unset, nothing of OpenTelemetry is even imported."""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from services import keys
from tests.faults.processes import api_server, celery_worker
from tests.helpers import REPO, cli_env, wait_until

pytestmark = pytest.mark.slow


class OtlpReceiver(http.server.ThreadingHTTPServer):
    """A collector's OTLP/HTTP traces endpoint: decodes each protobuf export and keeps its spans as
    (service, scope, name, span id, parent span id)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.spans: list[tuple[str, str, str, bytes, bytes]] = []
        self.paths: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                export = ExportTraceServiceRequest.FromString(body)
                with receiver.lock:
                    receiver.paths.append(self.path)
                    for resource in export.resource_spans:
                        service = next(a.value.string_value for a in resource.resource.attributes
                                       if a.key == "service.name")
                        for scoped in resource.scope_spans:
                            receiver.spans.extend((service, scoped.scope.name, s.name, s.span_id, s.parent_span_id)
                                                  for s in scoped.spans)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def span(self, service: str, scope: str, name: str) -> tuple[str, str, str, bytes, bytes] | None:
        """The first span of ``service`` and ``scope`` named exactly ``name``, if one has arrived."""
        with self.lock:
            return next((s for s in self.spans if s[:3] == (service, scope, name)), None)

    def parent_with_children(self, service: str, parent_scope: str, child_scope: str, name: str):
        """The first span of ``parent_scope`` named ``name`` that has a child span of ``child_scope``."""
        with self.lock:
            spans = list(self.spans)
        for svc, scope, span_name, span_id, _ in spans:
            if svc == service and scope == parent_scope and name in span_name:
                children = [c for c in spans if c[1] == child_scope and c[4] == span_id]
                if children:
                    return span_name, children
        return None


@contextlib.contextmanager
def receiver() -> Iterator[OtlpReceiver]:
    server = OtlpReceiver()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


FLASK = "opentelemetry.instrumentation.flask"
PSYCOPG = "opentelemetry.instrumentation.psycopg"
CELERY = "opentelemetry.instrumentation.celery"


def test_api_and_worker_send_request_task_and_sql_spans(settings, clean_db, tmp_path):
    with clean_db.connection() as conn:
        conn.execute("INSERT INTO papers (id, title, abstract) VALUES ('p1', 'One', 'a')")
        read = {"Authorization": f"Bearer {keys.create(conn, name='trace-read', scopes=['read'])}"}
        admin = {"Authorization": f"Bearer {keys.create(conn, name='trace-admin', scopes=['admin'])}"}
    host = settings.replace(data_dir=tmp_path / "data", artifact_dir=tmp_path / "artifacts", api_workers=1,
                            api_threads=2)
    with receiver() as otlp:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        with celery_worker(host, "default", tmp_path / "worker.log", **env), \
                api_server(host, tmp_path / "api.log", **env) as api:
            assert api.call("GET", "/v1/papers/p1", headers=read).status == 200
            name, children = wait_until(lambda: otlp.parent_with_children("paperfeed-api", FLASK, PSYCOPG, "/v1/papers"),
                                        30, message="a Flask span with psycopg children")
            assert name == "GET /v1/papers/<paper_id>"
            assert all(c[0] == "paperfeed-api" for c in children)

            assert api.call("POST", "/v1/admin/jobs", body={"job": "trending"}, headers=admin).status == 202
            name, children = wait_until(
                lambda: otlp.parent_with_children("paperfeed-worker", CELERY, PSYCOPG, "ml.trending"),
                90, message="a Celery task span with psycopg children")
            assert "run" in name and children
            # The task's span continues the trace of the request that queued it: its parent is that
            # request's Flask span (the API sends the task by name, with a traceparent header).
            request = wait_until(lambda: otlp.span("paperfeed-api", FLASK, "POST /v1/admin/jobs"), 30,
                                 message="the job request's Flask span")
            task = otlp.span("paperfeed-worker", CELERY, name)
            assert task[4] == request[3]
    assert set(otlp.paths) == {"/v1/traces"}


def test_unset_endpoint_configures_no_tracing(settings):
    """In a fresh interpreter (this one loaded the receiver's protobuf classes): the API app and the Celery
    app built without the variable load no instrumentation or exporter, set no tracer provider and leave
    psycopg unpatched. (redis-py imports the OpenTelemetry API itself when it is installed, so the API
    package alone may be loaded.)"""
    script = (
        "import sys\n"
        "import psycopg\n"
        "from services.config import Settings\n"
        "from services.app import create_app\n"
        "from workers.app import create_celery\n"
        "s = Settings.from_env()\n"
        "assert s.otel_exporter_otlp_endpoint is None\n"
        "create_app(s); create_celery(s)\n"
        "ours = sorted(m for m in sys.modules if m.startswith(('opentelemetry.instrumentation', "
        "'opentelemetry.exporter', 'opentelemetry.sdk.trace')))\n"
        "from opentelemetry import trace\n"
        "print(ours, type(trace.get_tracer_provider()).__name__, hasattr(psycopg.Connection.connect, '__wrapped__'))\n"
    )
    env = cli_env(settings)
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "[] ProxyTracerProvider False", out.stdout + out.stderr
