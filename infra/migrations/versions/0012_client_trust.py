"""Webhook secret rotation and confirmed email addresses.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# webhook_secret_previous signs deliveries beside the current secret until webhook_secret_previous_until,
# so a receiver can switch secrets without losing a delivery. users.email_confirmed is the address the
# user confirmed (double opt-in): the address is confirmed while it equals users.email, so changing the
# address makes it unconfirmed again with no extra bookkeeping. email_confirmation_sent_at throttles
# confirmation emails (an API caller must not turn Paperfeed into a mailer).
UPGRADE = """
ALTER TABLE subscriptions ADD COLUMN webhook_secret_previous text,
                          ADD COLUMN webhook_secret_previous_until timestamptz;
ALTER TABLE users ADD COLUMN email_confirmed text,
                  ADD COLUMN email_confirmation_sent_at timestamptz;
"""
DOWNGRADE = """
ALTER TABLE users DROP COLUMN IF EXISTS email_confirmation_sent_at, DROP COLUMN IF EXISTS email_confirmed;
ALTER TABLE subscriptions DROP COLUMN IF EXISTS webhook_secret_previous_until,
                          DROP COLUMN IF EXISTS webhook_secret_previous;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
