"""Stored feeds remember how many incremental updates separate them from a full rank.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# Why: a reader's star, read or dismissal used to make their stored feed stale, and the next request
# ranked everything anew (≈ 30 ms of CPU). Now the stored list is brought up to date instead
# (services/recommender/incremental.py): the paper leaves it and the starred paper's nearest neighbours
# enter its first page. Each such update is an approximation of a full rank, so the feed counts them
# (``updates``: 0 for a list ranked in full) and a full rank follows after FEED_INCREMENTAL_UPDATES of
# them. A constant default: adding the column rewrites no row.
UPGRADE = "ALTER TABLE feeds ADD COLUMN updates smallint NOT NULL DEFAULT 0;"
DOWNGRADE = "ALTER TABLE feeds DROP COLUMN IF EXISTS updates;"


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
