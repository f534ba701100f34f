"""The outbox's status/time index narrowed to alerts still open (pending, sending, failed).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Why: ``alerts_status_time_idx`` (status, created_at, id) took an entry for every alert ever stored, for
# the dashboard's outbox list alone, and was ≈ 15 % of the cost of COPYing a million instant alerts. Nearly
# every row is delivered (an inbox alert as it is stored), so the list now goes newest-id first: delivered
# rows backwards along the primary key (they are most rows, so a page is found at once), the others along
# this index, which holds only the few rows not delivered (services/store/alerts.py ``outbox_listing``).
# The count of alerts delivered in the last day (``/metrics``) reads recent rows through a BRIN index on
# ``created_at``: rows arrive in time order, so a block range's summary is tight, and an insert into a
# range not yet summarised (the newest) costs nothing.
UPGRADE = """
CREATE INDEX alerts_open_idx ON alerts (status, id DESC) WHERE status <> 'delivered';
CREATE INDEX alerts_created_brin ON alerts USING brin (created_at) WITH (autosummarize = on);
DROP INDEX alerts_status_time_idx;
"""
DOWNGRADE = """
CREATE INDEX IF NOT EXISTS alerts_status_time_idx ON alerts (status, created_at DESC, id DESC);
DROP INDEX IF EXISTS alerts_created_brin;
DROP INDEX IF EXISTS alerts_open_idx;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
