"""Sources polled by the worker (their cursors and health), Daily Papers upvotes, demo readers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# One row per configured source (SOURCES). The cursor is the source's own resumption state (a day and
# a page offset); it is written in the same transaction as the papers of the page it points past, so a
# crash or an outage can neither skip a page nor store one twice.
UPGRADE = """
CREATE TABLE sources (
    name             text PRIMARY KEY CHECK (char_length(name) BETWEEN 1 AND 64),
    kind             text NOT NULL,
    cursor           jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_run_at      timestamptz,
    last_success_at  timestamptz,
    last_error       text,
    last_error_at    timestamptz,
    failures         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    papers_fetched   bigint NOT NULL DEFAULT 0,
    papers_created   bigint NOT NULL DEFAULT 0,
    papers_updated   bigint NOT NULL DEFAULT 0,
    papers_rejected  bigint NOT NULL DEFAULT 0,
    papers_withdrawn bigint NOT NULL DEFAULT 0,
    requests         bigint NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Hugging Face Daily Papers: a paper's community upvotes, a trending signal of its own.
CREATE TABLE paper_upvotes (
    paper_id     text PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
    source       text NOT NULL,
    upvotes      integer NOT NULL CHECK (upvotes >= 0),
    submitted_at timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX paper_upvotes_recent_idx ON paper_upvotes (submitted_at DESC);

ALTER TABLE trending ADD COLUMN upvotes integer NOT NULL DEFAULT 0;

-- Synthetic readers of the demo community (`paperfeed demo remove` deletes them and their events).
ALTER TABLE users ADD COLUMN demo boolean NOT NULL DEFAULT false;
CREATE INDEX users_demo_idx ON users (id) WHERE demo;
"""
DOWNGRADE = """
DROP INDEX IF EXISTS users_demo_idx;
ALTER TABLE users DROP COLUMN IF EXISTS demo;
ALTER TABLE trending DROP COLUMN IF EXISTS upvotes;
DROP TABLE IF EXISTS paper_upvotes;
DROP TABLE IF EXISTS sources;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
