"""Alerts: user interest profiles, delivery ids and digest periods on the outbox, the match watermark.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- A user's interests as a few unit vectors (cluster centroids of what they starred and read), per
-- embedder, refreshed by the worker. New papers are matched against these instead of every user's
-- history, and `anchor_paper_id` (the starred paper nearest the centroid) explains the match.
CREATE TABLE user_profiles (
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    embedder        text NOT NULL,
    cluster         smallint NOT NULL,
    vector          bytea NOT NULL,
    weight          real NOT NULL,
    anchor_paper_id text,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, embedder, cluster)
);
CREATE INDEX user_profiles_embedder_idx ON user_profiles (embedder, user_id);

-- A paper is considered for instant/follow alerts once, after it has a vector: NULL = not yet.
ALTER TABLE papers ADD COLUMN alerts_matched_at timestamptz;
CREATE INDEX papers_alerts_unmatched_idx ON papers (created_at) WHERE alerts_matched_at IS NULL;

-- Delivery bookkeeping. `delivery_id` is fixed when a row is first claimed and reused by every retry,
-- so receivers can drop a repeat (X-Paperfeed-Delivery, the email's Message-ID). `digest_key` groups
-- the rows of one digest ("2026-11-27", "2026-W48") into a single message.
ALTER TABLE alerts ADD COLUMN delivery_id uuid;
ALTER TABLE alerts ADD COLUMN digest_key text;
ALTER TABLE alerts ADD COLUMN channel text NOT NULL DEFAULT 'inbox'
    CHECK (channel IN ('inbox', 'email', 'webhook'));
ALTER TABLE alerts ADD COLUMN claimed_at timestamptz;
CREATE INDEX alerts_delivery_idx ON alerts (delivery_id) WHERE delivery_id IS NOT NULL;
CREATE INDEX alerts_status_time_idx ON alerts (status, created_at DESC, id DESC);

-- The last digest period sent per subscription, so a digest goes out once per day/week.
ALTER TABLE subscriptions ADD COLUMN last_digest_key text;
"""

DOWNGRADE = """
ALTER TABLE subscriptions DROP COLUMN IF EXISTS last_digest_key;
DROP INDEX IF EXISTS alerts_status_time_idx;
DROP INDEX IF EXISTS alerts_delivery_idx;
ALTER TABLE alerts DROP COLUMN IF EXISTS claimed_at, DROP COLUMN IF EXISTS channel,
    DROP COLUMN IF EXISTS digest_key, DROP COLUMN IF EXISTS delivery_id;
DROP INDEX IF EXISTS papers_alerts_unmatched_idx;
ALTER TABLE papers DROP COLUMN IF EXISTS alerts_matched_at;
DROP TABLE IF EXISTS user_profiles;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
