"""Feeds: ranked lists that later requests may reuse until the user acts or the models change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# `reusable`: ranked for a plain request (no category, no exclude), so a later plain request may serve
# it again. `last_event_id`: the user's newest event when it was ranked; any newer event (a star, a
# read, a dismiss) makes it stale.
UPGRADE = """
ALTER TABLE feeds ADD COLUMN reusable boolean NOT NULL DEFAULT false;
ALTER TABLE feeds ADD COLUMN last_event_id bigint;
CREATE INDEX feeds_reusable_idx ON feeds (user_id, created_at DESC) WHERE reusable;
"""

DOWNGRADE = """
DROP INDEX IF EXISTS feeds_reusable_idx;
ALTER TABLE feeds DROP COLUMN IF EXISTS last_event_id, DROP COLUMN IF EXISTS reusable;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
