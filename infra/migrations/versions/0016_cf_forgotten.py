"""Deleted users whose CF factors may still sit in kept model versions.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# A user deleted after a CF version was trained still has a row of factors in it. The row is written on
# delete (same transaction), holding the SHA-256 of the user id, not the id (a deleted user's id is kept
# nowhere in the clear); loaders leave these users out of every version they load (so a rollback
# never serves them), the next publish rewrites every kept version without them, and the row goes once
# no kept version was created before the deletion (services.recommender.cf.purge_forgotten).
UPGRADE = """
CREATE TABLE cf_forgotten (
    user_hash    text PRIMARY KEY,
    forgotten_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
"""
DOWNGRADE = """
DROP TABLE IF EXISTS cf_forgotten;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
