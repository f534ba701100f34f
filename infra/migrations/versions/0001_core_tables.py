"""Core tables: papers, users, events, stars, api_keys, model_versions, subscriptions, alerts, job_runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
-- array_to_string is only STABLE, so a generated column cannot call it directly; authors are plain
-- text, so this wrapper really is immutable.
CREATE FUNCTION paperfeed_join_text(parts text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(array_to_string(parts, ' '), '');

CREATE TABLE papers (
    id           text PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 128),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 1000),
    abstract     text NOT NULL DEFAULT '',
    authors      text[] NOT NULL DEFAULT '{}',
    categories   text[] NOT NULL DEFAULT '{}',
    published_at timestamptz,
    url          text,
    code_urls    text[] NOT NULL DEFAULT '{}',
    comment      text,
    hidden       boolean NOT NULL DEFAULT false,
    featured     boolean NOT NULL DEFAULT false,
    deleted_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- The listing order: publication time, or when we learned of the paper if it has none.
    listed_at    timestamptz GENERATED ALWAYS AS (coalesce(published_at, created_at)) STORED,
    search       tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', abstract), 'B')
        || setweight(to_tsvector('english', paperfeed_join_text(authors)), 'C')
    ) STORED
);
CREATE INDEX papers_search_idx ON papers USING gin (search);
CREATE INDEX papers_categories_idx ON papers USING gin (categories);
CREATE INDEX papers_authors_idx ON papers USING gin (authors);
-- Listings, "since" filters and fresh candidates for the feed skip deleted and hidden rows.
CREATE INDEX papers_visible_listed_idx ON papers (listed_at DESC, id DESC)
    WHERE deleted_at IS NULL AND NOT hidden;
CREATE INDEX papers_created_idx ON papers (created_at DESC, id);

CREATE TABLE users (
    id         text PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 128),
    email      text,
    name       text,
    timezone   text NOT NULL DEFAULT 'UTC',
    -- User tokens issued before this instant are refused (logout everywhere).
    tokens_valid_after timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_email_idx ON users (lower(email)) WHERE email IS NOT NULL;

-- Append-only interaction log. event_id is the client's idempotency key, unique per user.
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id    text NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    type        text NOT NULL CHECK (type IN ('read', 'star', 'unstar', 'dismiss', 'click')),
    event_id    text CHECK (char_length(event_id) BETWEEN 1 AND 128),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    received_at timestamptz NOT NULL DEFAULT now(),
    context     jsonb,
    UNIQUE (user_id, event_id)
);
-- History pages and "what has this user seen" filters.
CREATE INDEX events_user_time_idx ON events (user_id, occurred_at DESC, id DESC);
-- Trending windows and per-paper counts.
CREATE INDEX events_paper_type_time_idx ON events (paper_id, type, occurred_at DESC);
-- Incremental model training reads events by arrival.
CREATE INDEX events_received_idx ON events (received_at, id);

-- Current star state per (user, paper): the latest occurred_at wins, so out-of-order star/unstar
-- events converge. Unstarred rows stay as tombstones carrying their timestamp.
CREATE TABLE stars (
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id   text NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    starred    boolean NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
CREATE INDEX stars_user_starred_idx ON stars (user_id, changed_at DESC, paper_id) WHERE starred;
CREATE INDEX stars_paper_starred_idx ON stars (paper_id) WHERE starred;

-- Service keys: only a SHA-256 of the secret is stored; prefix finds the row.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    prefix       text NOT NULL UNIQUE,
    key_hash     text NOT NULL,
    scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'admin']::text[]),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Published artifacts (FAISS index, ALS factors, trending tables) with their offline metrics.
CREATE TABLE model_versions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL,
    version      text NOT NULL,
    path         text NOT NULL,
    params       jsonb NOT NULL DEFAULT '{}',
    metrics      jsonb NOT NULL DEFAULT '{}',
    is_live      boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    UNIQUE (kind, version)
);
CREATE UNIQUE INDEX model_versions_one_live_idx ON model_versions (kind) WHERE is_live;

CREATE TABLE subscriptions (
    user_id              text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id                   text NOT NULL CHECK (char_length(id) BETWEEN 1 AND 128),
    kind                 text NOT NULL CHECK (kind IN ('digest', 'instant', 'query', 'author', 'category')),
    channel              text NOT NULL CHECK (channel IN ('inbox', 'email', 'webhook')),
    frequency            text CHECK (frequency IN ('daily', 'weekly')),
    query                text,
    author               text,
    category             text,
    webhook_url          text,
    webhook_secret       text,
    min_score            double precision,
    enabled              boolean NOT NULL DEFAULT true,
    disabled_reason      text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    last_sent_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);
CREATE INDEX subscriptions_kind_idx ON subscriptions (kind) WHERE enabled;

-- The alert outbox: a row exists before any delivery, and (user, paper, subscription) is unique,
-- so a paper is never alerted twice by the same subscription.
CREATE TABLE alerts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         text NOT NULL,
    subscription_id text NOT NULL,
    paper_id        text NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    score           double precision,
    reasons         jsonb NOT NULL DEFAULT '[]',
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    read_at         timestamptz,
    UNIQUE (user_id, paper_id, subscription_id),
    FOREIGN KEY (user_id, subscription_id) REFERENCES subscriptions (user_id, id) ON DELETE CASCADE
);
CREATE INDEX alerts_user_inbox_idx ON alerts (user_id, created_at DESC, id DESC);
CREATE INDEX alerts_due_idx ON alerts (next_attempt_at) WHERE status IN ('pending', 'sending');

-- Every job the workers ran or were asked to run, with its outcome.
CREATE TABLE job_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job          text NOT NULL,
    task_id      text UNIQUE,
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    params       jsonb NOT NULL DEFAULT '{}',
    result       jsonb,
    error        text,
    requested_by text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz
);
CREATE INDEX job_runs_job_time_idx ON job_runs (job, created_at DESC);
CREATE INDEX job_runs_time_idx ON job_runs (created_at DESC, id DESC);
"""

DOWNGRADE = """
DROP TABLE IF EXISTS job_runs, alerts, subscriptions, model_versions, api_keys, stars, events, users, papers;
DROP FUNCTION IF EXISTS paperfeed_join_text(text[]);
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
