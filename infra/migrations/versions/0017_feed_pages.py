"""Finished first pages of stored feeds: a repeated feed request answered with one keyed read.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# The exact JSON a first-page request of a stored feed was answered with (services/recommender/feed_cache.py).
# ``variant`` names what shapes the bytes besides the feed: the page size, the fields asked for and the
# response format. ``paper_ids``/``paper_versions``: every entry of the page (shown or hidden when it
# was built) and its papers.updated_at then; the page is served again only while each is unchanged, so
# an edited, hidden, unhidden or deleted paper makes it stale at once. Goes with its feed.
UPGRADE = """
CREATE TABLE feed_pages (
    feed_id        uuid NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    variant        text NOT NULL,
    paper_ids      text[] NOT NULL,
    paper_versions timestamptz[] NOT NULL,
    shown          integer NOT NULL,
    body           bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed_id, variant)
);
-- Read whole on every repeated request and short-lived: stored out of line without compression, so a
-- read costs no decompression (about 40 KB a page).
ALTER TABLE feed_pages ALTER COLUMN body SET STORAGE EXTERNAL;
"""
DOWNGRADE = """
DROP TABLE IF EXISTS feed_pages;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
