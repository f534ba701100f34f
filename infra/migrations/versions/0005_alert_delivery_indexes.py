"""Alerts: indexes shaped for inbox delivery at volume.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Inbox delivery marks pending inbox rows delivered in id order, batch after batch; without this each
# batch scanned the whole outbox (millions of delivered rows) to find the next few thousand.
# The due-time index serves only email/webhook retries; inbox rows (most of the volume) need not pay
# for it on every insert.
UPGRADE = """
CREATE INDEX alerts_inbox_pending_idx ON alerts (id) WHERE status = 'pending' AND channel = 'inbox';
DROP INDEX alerts_due_idx;
CREATE INDEX alerts_due_idx ON alerts (next_attempt_at)
    WHERE status IN ('pending', 'sending') AND channel <> 'inbox';
"""

DOWNGRADE = """
DROP INDEX IF EXISTS alerts_inbox_pending_idx;
DROP INDEX IF EXISTS alerts_due_idx;
CREATE INDEX alerts_due_idx ON alerts (next_attempt_at) WHERE status IN ('pending', 'sending');
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
