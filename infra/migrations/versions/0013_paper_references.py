"""Citations: the works each paper cites, linked to the cited catalogue paper once it is here.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# `ref`: the canonical key (arxiv:<id>, doi:<doi>; schemas/references.py). `cited_id`: the catalogue
# paper it names, filled when the reference is stored if that paper is here, else when it arrives
# (paper_references_open_idx finds the references still waiting for a paper in one probe).
UPGRADE = """
CREATE TABLE paper_references (
    citing_id text NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    ref       text NOT NULL CHECK (char_length(ref) BETWEEN 1 AND 300),
    cited_id  text REFERENCES papers (id) ON DELETE SET NULL,
    PRIMARY KEY (citing_id, ref)
);
CREATE INDEX paper_references_open_idx ON paper_references (ref) WHERE cited_id IS NULL;
CREATE INDEX paper_references_cited_idx ON paper_references (cited_id) WHERE cited_id IS NOT NULL;
"""
DOWNGRADE = """
DROP TABLE IF EXISTS paper_references;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
