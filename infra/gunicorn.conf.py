"""gunicorn settings for the Paperfeed API, from the same environment Settings reads."""

import gc
import os
import shutil
import tempfile

# Must be set before prometheus_client is first imported anywhere in this process tree: the library
# picks its multi-process value store at import time.
_metrics_dir = tempfile.mkdtemp(prefix="paperfeed-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir

from infra.threads import cap_native_threads  # noqa: E402

cap_native_threads(1)

from services.config import Settings  # noqa: E402

_settings = Settings.from_env()

# The modules every worker needs, imported once here in the master, so that the workers it forks share
# them (copy on write) instead of each holding its own copy: the app's code, and what serving imports on
# first use (faiss to map the index, scikit-learn's stop words for interest labels). Only modules: the app
# itself, its pools and connections are still created in each worker (services.app:create_app()).
import faiss  # noqa: E402, F401
import sklearn.feature_extraction.text  # noqa: E402, F401

import services.app  # noqa: E402, F401

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.api_workers
threads = _settings.api_threads
worker_class = "gthread"
# One listening socket shared by all workers, not one each (reuse_port): with SO_REUSEPORT a connection
# that lands on a worker's own socket while that worker dies is reset, so killing a worker also failed
# requests that were not yet in flight (tests/faults/test_api_worker_killed.py caught it). The shared
# socket's backlog survives the worker; the cost is that keep-alive pins a connection to the worker that
# accepted it: pre_request below closes a connection after API_KEEPALIVE_REQUESTS requests.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Bounded request lines and headers; the body limit is Flask's MAX_CONTENT_LENGTH (413).
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
# No query string, referer or auth user: query strings carry unsubscribe tokens and search terms, which
# must not land in logs. The request id is read back from the response (services/web/request_context.py).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
loglevel = _settings.log_level.lower()
proc_name = "paperfeed-api"
if _settings.log_format == "json":
    # gunicorn's own loggers (errors and the access line above, as the JSON object's "message").
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "services.logs.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": _settings.log_level},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": _settings.log_level, "propagate": False},
            "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }
# gunicorn ≥ 25 opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl) that can
# resize or stop the server: nothing here uses it, and several instances on one machine would share it.
control_socket_disable = True


def pre_fork(server, worker):
    # Everything the master holds now goes to the collector's permanent generation: a worker's collections
    # then never walk (and write to) those objects, which would copy their pages into every worker.
    gc.freeze()


def pre_request(worker, req):
    # API_KEEPALIVE_REQUESTS: the connection's last request is answered with "Connection: close", so the
    # client's next connection is accepted by whichever worker takes it (the shared socket above pins a
    # connection to one worker for its whole life). gunicorn numbers the requests of a connection from 1.
    limit = _settings.api_keepalive_requests
    if limit and req.req_number >= limit:
        req.must_close = True


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
