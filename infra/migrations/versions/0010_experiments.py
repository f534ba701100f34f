"""Online experiments: experiments with their variants, the assignment each stored feed was ranked
under, and the feed defaults an operator promoted.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# `variants`: [{"name", "share", "overrides": {FEED_*: raw value}}], validated by the service against
# the Settings parsers (services/recommender/experiments.py). `results`: the readout frozen when the
# experiment stopped (its feeds may then be pruned). The partial unique index is the rule "one running
# experiment per surface unless declared independent" (a second one is a 409, even under a race).
# feeds.assignments: {"<experiment id>": "<variant>"} for every experiment the feed was ranked under
# (several only when they are independent); items of an interleaved feed carry their team in "t".
UPGRADE = """
CREATE TABLE experiments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 100),
    description    text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    surface        text NOT NULL,
    mode           text NOT NULL CHECK (mode IN ('split', 'interleave')),
    independent    boolean NOT NULL DEFAULT false,
    primary_metric text NOT NULL,
    status         text NOT NULL CHECK (status IN ('running', 'paused', 'stopped')),
    variants       jsonb NOT NULL,
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    results        jsonb,
    promoted       text,
    created_by     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    stopped_at     timestamptz,
    CHECK (ends_at > starts_at)
);
CREATE UNIQUE INDEX experiments_one_running_idx ON experiments (surface)
    WHERE status = 'running' AND NOT independent;
CREATE INDEX experiments_created_idx ON experiments (created_at DESC, id DESC);

ALTER TABLE feeds ADD COLUMN assignments jsonb;
CREATE INDEX feeds_assignments_idx ON feeds USING gin (assignments) WHERE assignments IS NOT NULL;

CREATE TABLE settings_overrides (
    name       text PRIMARY KEY CHECK (char_length(name) BETWEEN 1 AND 100),
    value      text NOT NULL CHECK (char_length(value) <= 1000),
    source     text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = """
DROP TABLE IF EXISTS settings_overrides;
DROP INDEX IF EXISTS feeds_assignments_idx;
ALTER TABLE feeds DROP COLUMN IF EXISTS assignments;
DROP TABLE IF EXISTS experiments;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
