"""One typed Settings object, read from the environment when asked for.

Nothing here runs at import. Callers build a Settings with ``Settings.from_env()`` (or construct one
directly in tests) and inject it into the Flask and Celery factories; no module keeps a global copy.
Every bad value raises ``SettingsError`` whose message names the variable and what was expected, so the
CLI can print it as a one-line error.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


class SettingsError(ValueError):
    """A variable in the environment has a value Paperfeed cannot use."""


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

    return parse


def _parse_int(lo: int, hi: int) -> Callable[[str], int]:
    return _parse_number(int, lo, hi)


def _parse_float(lo: float, hi: float) -> Callable[[str], float]:
    return _parse_number(float, lo, hi)


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

    return parse


def _parse_path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("expected a path")
    return Path(raw.strip()).expanduser()


def _parse_secret(raw: str) -> str:
    if len(raw) < 16:
        raise ValueError("expected at least 16 characters")
    return raw


def _parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value

    return parse


def _parse_log_level(raw: str) -> str:
    return _parse_choice("debug", "info", "warning", "error")(raw).upper()


def _parse_rate_limit(raw: str) -> str:
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise ValueError("expected rate limits such as '6000/minute' or '100/second;5000/hour'") from None
    return raw.strip()


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


def _env(name: str, parse: Callable[[str], Any], *, default: Any = None,
         default_factory: Callable[[], Any] | None = None) -> Any:
    """Declare a settings field read from environment variable ``name``."""
    if default_factory is not None:
        return field(default_factory=default_factory, metadata={"env": name, "parse": parse})
    return field(default=default, metadata={"env": name, "parse": parse})


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one Paperfeed deployment.

    ``database_url`` and ``redis_url`` may be None: the CLI then starts the embedded PostgreSQL and
    Redis and fills them in (see ``infra.embedded``). Factories that need them call ``require``.
    """

    database_url: str | None = _env("DATABASE_URL", _parse_url("postgresql", "postgres"))
    redis_url: str | None = _env("REDIS_URL", _parse_url("redis", "rediss", "unix"))
    secret_key: str | None = _env("SECRET_KEY", _parse_secret)
    data_dir: Path = _env("PAPERFEED_DATA_DIR", _parse_path, default=Path(".paperfeed"))
    artifact_dir: Path | None = _env("ARTIFACT_DIR", _parse_path)
    smtp_url: str | None = _env("SMTP_URL", _parse_url("smtp", "smtps"))
    public_base_url: str | None = _env("PUBLIC_BASE_URL", _parse_url("http", "https"))
    host: str = _env("HOST", str, default="127.0.0.1")
    port: int = _env("PORT", _parse_int(1, 65535), default=8000)
    log_level: str = _env("LOG_LEVEL", _parse_log_level, default="INFO")

    # PostgreSQL pool, per process (gunicorn worker or Celery worker process).
    db_pool_min: int = _env("DB_POOL_MIN", _parse_int(0, 100), default=1)
    db_pool_max: int = _env("DB_POOL_MAX", _parse_int(1, 200), default=8)
    db_timeout_seconds: float = _env("DB_TIMEOUT_SECONDS", _parse_float(0.1, 120), default=5.0)

    # Processes.
    # 3 × 2 rather than 2 × 4 on 2 cores: threads of one process share its GIL, so a costly ranking held
    # up the cheap requests queued beside it (bench/load.py: 381–392 vs 316–360 req/s at 4 clients).
    api_workers: int = _env("API_WORKERS", _parse_int(1, 64), default=3)
    api_threads: int = _env("API_THREADS", _parse_int(1, 64), default=2)
    worker_concurrency: int = _env("WORKER_CONCURRENCY", _parse_int(1, 64), default=2)

    # Input bounds.
    max_body_bytes: int = _env("MAX_BODY_BYTES", _parse_int(1024, 64 * 1024 * 1024), default=2 * 1024 * 1024)
    import_batch_size: int = _env("IMPORT_BATCH_SIZE", _parse_int(1, 10_000), default=500)
    max_batch_papers: int = _env("MAX_BATCH_PAPERS", _parse_int(1, 10_000), default=1000)
    max_batch_events: int = _env("MAX_BATCH_EVENTS", _parse_int(1, 10_000), default=1000)
    page_limit_default: int = _env("PAGE_LIMIT_DEFAULT", _parse_int(1, 1000), default=20)
    page_limit_max: int = _env("PAGE_LIMIT_MAX", _parse_int(1, 1000), default=100)
    token_ttl_default_seconds: int = _env("TOKEN_TTL_DEFAULT_SECONDS", _parse_int(60, 90 * 86400), default=3600)
    token_ttl_max_seconds: int = _env("TOKEN_TTL_MAX_SECONDS", _parse_int(60, 365 * 86400), default=30 * 86400)

    # Rate limits (flask-limiter syntax, e.g. "6000/minute;200/second"), stored in Redis.
    rate_limit_key: str = _env("RATE_LIMIT_KEY", _parse_rate_limit, default="6000/minute")
    rate_limit_user_token: str = _env("RATE_LIMIT_USER_TOKEN", _parse_rate_limit, default="600/minute")
    rate_limit_anonymous: str = _env("RATE_LIMIT_ANONYMOUS", _parse_rate_limit, default="120/minute")

    # Recommendation engine.
    embedder: str = _env("EMBEDDER", _parse_choice("tfidf-lsa", "minilm"), default="tfidf-lsa")
    embed_batch_size: int = _env("EMBED_BATCH_SIZE", _parse_int(1, 10_000), default=512)
    lsa_dimensions: int = _env("LSA_DIMENSIONS", _parse_int(8, 1024), default=1024)
    index_exact_below: int = _env("INDEX_EXACT_BELOW", _parse_int(0, 100_000_000), default=10_000)
    hnsw_m: int = _env("HNSW_M", _parse_int(4, 128), default=16)
    hnsw_ef_search: int = _env("HNSW_EF_SEARCH", _parse_int(8, 4096), default=128)
    # The exact sparse TF-IDF rows kept beside each index (services/recommender/lexical.py): weight of each
    # field's block (0 leaves it out). Labels (categories, or a data set's tags) carry the most (tuned).
    lexical_title_weight: float = _env("LEXICAL_TITLE_WEIGHT", _parse_float(0.0, 100.0), default=1.0)
    lexical_abstract_weight: float = _env("LEXICAL_ABSTRACT_WEIGHT", _parse_float(0.0, 100.0), default=1.0)
    lexical_labels_weight: float = _env("LEXICAL_LABELS_WEIGHT", _parse_float(0.0, 100.0), default=2.0)
    artifact_refresh_seconds: float = _env("ARTIFACT_REFRESH_SECONDS", _parse_float(0.0, 3600), default=5.0)
    artifacts_kept: int = _env("ARTIFACTS_KEPT", _parse_int(1, 100), default=5)
    # How much each event type says about interest (collaborative filtering and trending).
    event_weights: dict = _env("EVENT_WEIGHTS", _parse_weights,
                               default_factory=lambda: {"star": 4.0, "read": 1.0, "click": 0.5})

    # Collaborative filtering (implicit ALS, or BPR).
    cf_algorithm: str = _env("CF_ALGORITHM", _parse_choice("als", "bpr"), default="als")
    cf_factors: int = _env("CF_FACTORS", _parse_int(2, 1024), default=64)
    cf_iterations: int = _env("CF_ITERATIONS", _parse_int(1, 500), default=15)
    cf_regularization: float = _env("CF_REGULARIZATION", _parse_float(0.0, 100.0), default=0.5)
    cf_alpha: float = _env("CF_ALPHA", _parse_float(0.0, 1000.0), default=40.0)
    cf_threads: int = _env("CF_THREADS", _parse_int(1, 64), default=1)
    cf_min_interactions: int = _env("CF_MIN_INTERACTIONS", _parse_int(1, 10_000_000), default=50)
    # A retrained model is published only if its holdout recall is at least (1 - tolerance) × the live one's.
    cf_publish_tolerance: float = _env("CF_PUBLISH_TOLERANCE", _parse_float(0.0, 1.0), default=0.05)

    # Feed blending: weight of each retriever's normalised score, and diversity. LSA_DIMENSIONS, CF_ALPHA,
    # CF_REGULARIZATION, LEXICAL_*, FEED_CONTENT_*, FEED_FUSION, FEED_WEIGHT_CF/_TRENDING, FEED_CF_RESCORE and
    # FEED_MMR_LAMBDA were tuned offline on validations carved from citeulike-a's train (bench/quality.py
    # --validation; README "Quality"). FEED_WEIGHT_FRESH (no offline measure) stays below trending, so
    # a reader without history sees what is trending first.
    # How each retriever's scores are put on one scale before weighting: "minmax" (raw scores to [0, 1])
    # or "rank" ((k + 1) / (k + rank), k = FEED_RANK_K): see ranking.blend.
    feed_fusion: str = _env("FEED_FUSION", _parse_choice("minmax", "rank"), default="rank")
    feed_rank_k: float = _env("FEED_RANK_K", _parse_float(0.0, 10_000.0), default=60.0)
    feed_weight_content: float = _env("FEED_WEIGHT_CONTENT", _parse_float(0.0, 100.0), default=1.0)
    feed_weight_cf: float = _env("FEED_WEIGHT_CF", _parse_float(0.0, 100.0), default=0.5)
    feed_weight_trending: float = _env("FEED_WEIGHT_TRENDING", _parse_float(0.0, 100.0), default=0.1)
    feed_weight_fresh: float = _env("FEED_WEIGHT_FRESH", _parse_float(0.0, 100.0), default=0.05)
    feed_mmr_lambda: float = _env("FEED_MMR_LAMBDA", _parse_float(0.0, 1.0), default=0.9)
    feed_size: int = _env("FEED_SIZE", _parse_int(10, 1000), default=100)
    feed_interest_clusters: int = _env("FEED_INTEREST_CLUSTERS", _parse_int(1, 16), default=3)
    # The content retriever's score: this share from the exact TF-IDF (lexical) score, the rest from the
    # dense index's cosine (0: dense only, as with an index published without lexical rows).
    feed_content_lexical: float = _env("FEED_CONTENT_LEXICAL", _parse_float(0.0, 1.0), default=0.6)
    # Exponent on each profile paper's TF-IDF cosine before they are summed (1: the summed profile, one
    # sparse mat-vec per feed; any other value needs the catalogue × profile product: ≈ 60 ms at 20k papers).
    feed_content_sharpen: float = _env("FEED_CONTENT_SHARPEN", _parse_float(0.1, 10.0), default=1.0)
    # Widening of a short profile by its best matches (pseudo-relevance feedback), divided by the
    # profile's length: a one-paper reader gets it all, a long profile barely any (0: off).
    feed_content_expansion: float = _env("FEED_CONTENT_EXPANSION", _parse_float(0.0, 10.0), default=1.0)
    # Ranked feeds are kept this long for paging and click credit, then pruned by the worker.
    feed_retention_hours: float = _env("FEED_RETENTION_HOURS", _parse_float(0.1, 24 * 365), default=48.0)
    # A plain feed request serves the user's last ranked feed again while it is this young and no event
    # of theirs is newer (0 = always rank); the worker ranks active users' feeds ahead of time.
    feed_reuse_seconds: float = _env("FEED_REUSE_SECONDS", _parse_float(0.0, 86400), default=1800.0)
    # The first page of a text search is shared by identical requests of one API process for this long,
    # unless a paper changes first (0 = never shared).
    search_cache_seconds: float = _env("SEARCH_CACHE_SECONDS", _parse_float(0.0, 3600), default=60.0)
    feed_precompute_active_days: float = _env("FEED_PRECOMPUTE_ACTIVE_DAYS", _parse_float(0.0, 365), default=14.0)
    feed_precompute_max_users: int = _env("FEED_PRECOMPUTE_MAX_USERS", _parse_int(1, 10_000_000), default=50_000)
    # CF joins a user's feed once they have starred or read this many papers (fewer: noise offline).
    feed_cf_min_history: int = _env("FEED_CF_MIN_HISTORY", _parse_int(1, 1000), default=3)
    # CF also scores the content retriever's candidates (so it orders them, not only its own top list).
    feed_cf_rescore: bool = _env("FEED_CF_RESCORE", _parse_bool, default=True)
    # Papers nobody has interacted with get CF factors from this many content neighbours at retrain (0: off).
    cf_new_item_neighbours: int = _env("CF_NEW_ITEM_NEIGHBOURS", _parse_int(0, 1000), default=20)

    # Beat schedule (seconds between runs; 0 disables the entry).
    catalogue_stats_every_seconds: int = _env(
        "CATALOGUE_STATS_EVERY_SECONDS", _parse_int(0, 7 * 86400), default=300
    )
    embed_every_seconds: int = _env("EMBED_EVERY_SECONDS", _parse_int(0, 7 * 86400), default=300)
    trending_every_seconds: int = _env("TRENDING_EVERY_SECONDS", _parse_int(0, 7 * 86400), default=600)
    retrain_every_seconds: int = _env("RETRAIN_EVERY_SECONDS", _parse_int(0, 30 * 86400), default=3600)
    prune_every_seconds: int = _env("PRUNE_EVERY_SECONDS", _parse_int(0, 30 * 86400), default=3600)
    feed_precompute_every_seconds: int = _env("FEED_PRECOMPUTE_EVERY_SECONDS", _parse_int(0, 86400), default=300)

    # Alerts: matching, the outbox and its retries (see services/alerts).
    # Cosine similarity to one of the user's interests. Calibrated for the default embedder (LSA, 1,024
    # dims) on the demo catalogue: a reader of five same-topic papers gets a median of ~3 instant alerts
    # per 1,000 new papers, and a same-topic paper is ~20× likelier to pass than an off-topic one. Other
    # embedders have other scales (MiniLM's are higher): set it with them.
    alert_min_score_default: float = _env("ALERT_MIN_SCORE_DEFAULT", _parse_float(-1.0, 1.0), default=0.25)
    # Papers published longer ago than this alert nobody when imported (a backfill is not news).
    alert_max_paper_age_days: int = _env("ALERT_MAX_PAPER_AGE_DAYS", _parse_int(1, 36500), default=365)
    alert_batch_size: int = _env("ALERT_BATCH_SIZE", _parse_int(1, 100_000), default=2000)
    alert_max_attempts: int = _env("ALERT_MAX_ATTEMPTS", _parse_int(1, 100), default=8)
    alert_retry_base_seconds: float = _env("ALERT_RETRY_BASE_SECONDS", _parse_float(0.0, 86400), default=30.0)
    alert_retry_max_seconds: float = _env("ALERT_RETRY_MAX_SECONDS", _parse_float(0.0, 7 * 86400), default=3600.0)
    # A row left in 'sending' this long belongs to a worker that died: the sweeper retries it.
    alert_sending_timeout_seconds: float = _env(
        "ALERT_SENDING_TIMEOUT_SECONDS", _parse_float(1.0, 86400), default=300.0
    )
    digest_local_hour: int = _env("DIGEST_LOCAL_HOUR", _parse_int(0, 23), default=8)
    digest_size: int = _env("DIGEST_SIZE", _parse_int(1, 100), default=10)
    # Channels.
    smtp_from: str = _env("SMTP_FROM", str, default="Paperfeed <alerts@paperfeed.localhost>")
    smtp_timeout_seconds: float = _env("SMTP_TIMEOUT_SECONDS", _parse_float(0.1, 300), default=10.0)
    mail_sink_port: int = _env("MAIL_SINK_PORT", _parse_int(1, 65535), default=8025)
    webhook_timeout_seconds: float = _env("WEBHOOK_TIMEOUT_SECONDS", _parse_float(0.1, 120), default=5.0)
    # Off by default: a webhook may not point at loopback, private or link-local addresses (SSRF).
    webhook_allow_private: bool = _env("WEBHOOK_ALLOW_PRIVATE", _parse_bool, default=False)
    webhook_disable_after_failures: int = _env(
        "WEBHOOK_DISABLE_AFTER_FAILURES", _parse_int(1, 1000), default=5
    )
    alert_match_every_seconds: int = _env("ALERT_MATCH_EVERY_SECONDS", _parse_int(0, 86400), default=60)
    alert_sweep_every_seconds: int = _env("ALERT_SWEEP_EVERY_SECONDS", _parse_int(0, 86400), default=30)
    digest_every_seconds: int = _env("DIGEST_EVERY_SECONDS", _parse_int(0, 86400), default=600)

    load_demo_data: bool = _env("PAPERFEED_DEMO_DATA", _parse_bool, default=True)

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
                shown = "<hidden>" if name == "SECRET_KEY" else repr(raw)
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
            out[f.metadata["env"]] = str(value)
        return out
