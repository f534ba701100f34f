"""Engine tables: paper embeddings, trending scores, feed snapshots.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- One vector per (embedder, paper): float32, L2-normalised, so an index can always be rebuilt from here.
-- `embedder` names the model and its version ("tfidf-lsa:20261127T101500", "minilm-l6:1").
CREATE TABLE paper_embeddings (
    embedder   text NOT NULL,
    paper_id   text NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    vector     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (embedder, paper_id)
);

-- A paper whose text changed needs a new vector: drop the stale ones, the embed task refills them.
CREATE FUNCTION paperfeed_drop_stale_embeddings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM paper_embeddings WHERE paper_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER papers_text_changed AFTER UPDATE OF title, abstract, categories ON papers
    FOR EACH ROW WHEN ((OLD.title, OLD.abstract, OLD.categories) IS DISTINCT FROM
                       (NEW.title, NEW.abstract, NEW.categories))
    EXECUTE FUNCTION paperfeed_drop_stale_embeddings();

-- Time-decayed popularity per window, recomputed wholesale by the trending task.
CREATE TABLE trending (
    period      text NOT NULL CHECK (period IN ('day', 'week', 'month')),
    paper_id    text NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    score       double precision NOT NULL,
    stars       integer NOT NULL,
    reads       integer NOT NULL,
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (period, paper_id)
);
CREATE INDEX trending_rank_idx ON trending (period, score DESC, paper_id);

-- A feed as it was ranked when first asked for: later pages read from here, so paging never repeats
-- or skips, and clicks carrying feed_id are credited to what was shown (served = items shown so far).
CREATE TABLE feeds (
    id            uuid PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    model_version text,
    items         jsonb NOT NULL,
    served        integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feeds_user_time_idx ON feeds (user_id, created_at DESC);
CREATE INDEX feeds_time_idx ON feeds (created_at);
"""

DOWNGRADE = """
DROP TABLE IF EXISTS feeds, trending, paper_embeddings;
DROP FUNCTION IF EXISTS paperfeed_drop_stale_embeddings();
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
