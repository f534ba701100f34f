"""Operators' session version: every dashboard session carries it, and bumping it ends them all.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# A signed cookie cannot be revoked by itself: sign-out only cleared the browser's copy, and a copied
# cookie kept working. Each session now records the version it was signed in under; sign-out, a
# password change and "sign out everywhere" bump it (services/dashboard/accounts.py).
UPGRADE = "ALTER TABLE operators ADD COLUMN session_version integer NOT NULL DEFAULT 0;"
DOWNGRADE = "ALTER TABLE operators DROP COLUMN session_version;"


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
