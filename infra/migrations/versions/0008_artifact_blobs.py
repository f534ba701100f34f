"""Artifact files shared between hosts as PostgreSQL large objects (ARTIFACT_URL=postgresql).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE artifact_blobs (
            kind text NOT NULL,
            version text NOT NULL,
            name text NOT NULL,
            oid oid NOT NULL,
            size bigint NOT NULL,
            stored_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (kind, version, name)
        )
        """
    )


def downgrade() -> None:
    op.execute("SELECT lo_unlink(oid) FROM artifact_blobs")
    op.execute("DROP TABLE artifact_blobs")
