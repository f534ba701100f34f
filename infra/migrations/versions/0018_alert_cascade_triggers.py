"""The alert outbox's two foreign keys replaced by statement-level cascades.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Why: a foreign key is checked row by row (one lookup and one FOR KEY SHARE lock of the parent per
# inserted row). Instant alerts arrive a million rows at a time, and the two keys of ``alerts`` were
# 55 % of the cost of storing them (docs/benchmarks.md, "where storing alerts goes"). What the keys did
# is kept, by other means:
# - ON DELETE CASCADE: one statement-level trigger per parent table deletes the alerts of every row the
#   statement deleted (a transition table: one join, not one lookup per parent row); TRUNCATE of a
#   parent empties the outbox, as TRUNCATE … CASCADE did. No index on ``alerts.paper_id`` (there was
#   none under the key either): the service never deletes a paper (it marks it deleted), and an index
#   would cost every inserted alert more than a rare manual delete's scan.
# - No alert without its parent: every writer of ``alerts`` reads its subscriptions and papers with a
#   lock that a DELETE has to wait for (``FOR KEY SHARE``; the instant matcher locks the batch's
#   subscriptions and claims its papers FOR NO KEY UPDATE), so a concurrent delete either happens before
#   (the row is not read, no alert is written) or after the writer commits (the trigger sees and deletes
#   the alerts). services/store/alerts.py says it beside each writer; tests/integration/
#   test_alert_cascades.py checks each case.
# - Keys never change: an UPDATE of a parent's key is refused (the foreign keys refused it while an
#   alert referred to it; nothing in the service changes them).
UPGRADE = """
ALTER TABLE alerts DROP CONSTRAINT alerts_paper_id_fkey;
ALTER TABLE alerts DROP CONSTRAINT alerts_user_id_subscription_id_fkey;

CREATE FUNCTION alerts_cascade_papers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM alerts a USING gone g WHERE a.paper_id = g.id;
    RETURN NULL;
END $$;
CREATE FUNCTION alerts_cascade_subscriptions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM alerts a USING gone g WHERE a.user_id = g.user_id AND a.subscription_id = g.id;
    RETURN NULL;
END $$;
-- DELETE, not TRUNCATE: a TRUNCATE of several tables at once (alerts among them) still has ``alerts``
-- open when this runs, and a nested TRUNCATE of it is refused.
CREATE FUNCTION alerts_cascade_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM alerts;
    RETURN NULL;
END $$;
CREATE FUNCTION alerts_parent_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the key of %% rows never changes (alerts refer to it)', TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation';
END $$;

CREATE TRIGGER papers_alerts_cascade AFTER DELETE ON papers
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION alerts_cascade_papers();
CREATE TRIGGER subscriptions_alerts_cascade AFTER DELETE ON subscriptions
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION alerts_cascade_subscriptions();
CREATE TRIGGER papers_alerts_truncate AFTER TRUNCATE ON papers
    FOR EACH STATEMENT EXECUTE FUNCTION alerts_cascade_truncate();
CREATE TRIGGER subscriptions_alerts_truncate AFTER TRUNCATE ON subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION alerts_cascade_truncate();
CREATE TRIGGER papers_key_fixed BEFORE UPDATE OF id ON papers
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION alerts_parent_key_fixed();
CREATE TRIGGER subscriptions_key_fixed BEFORE UPDATE OF user_id, id ON subscriptions
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION alerts_parent_key_fixed();
"""
DOWNGRADE = """
DROP TRIGGER IF EXISTS papers_alerts_cascade ON papers;
DROP TRIGGER IF EXISTS subscriptions_alerts_cascade ON subscriptions;
DROP TRIGGER IF EXISTS papers_alerts_truncate ON papers;
DROP TRIGGER IF EXISTS subscriptions_alerts_truncate ON subscriptions;
DROP TRIGGER IF EXISTS papers_key_fixed ON papers;
DROP TRIGGER IF EXISTS subscriptions_key_fixed ON subscriptions;
DROP FUNCTION IF EXISTS alerts_cascade_papers(), alerts_cascade_subscriptions(), alerts_cascade_truncate(),
    alerts_parent_key_fixed();
DELETE FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = a.paper_id)
    OR NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = a.user_id AND s.id = a.subscription_id);
ALTER TABLE alerts ADD FOREIGN KEY (paper_id) REFERENCES papers (id) ON DELETE CASCADE;
ALTER TABLE alerts ADD FOREIGN KEY (user_id, subscription_id) REFERENCES subscriptions (user_id, id)
    ON DELETE CASCADE;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
