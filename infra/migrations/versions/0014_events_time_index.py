"""Events: an index on the time an event occurred, for trending's windows and the retention sweep.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Trending reads every event of the last 30 days (services/store/trending.py). The only time index
# was events_paper_type_time_idx, led by paper_id, so each recompute read the whole table; this one
# gives it a range scan over the window, index-only (type and paper_id are included). The retention
# sweep (EVENTS_RETENTION_DAYS) finds the oldest events through it too, and needs `id` to delete them.
# Built in the migration's transaction (Alembic runs them in one): it blocks event writes while it
# builds, about a minute per ten million events (docs/operations.md, Upgrade).
UPGRADE = """
CREATE INDEX events_time_idx ON events (occurred_at) INCLUDE (type, paper_id, id);
"""
DOWNGRADE = """
DROP INDEX IF EXISTS events_time_idx;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
