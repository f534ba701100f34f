"""Authentication epoch: a stamp that changes with every write that can revoke a credential.

API processes cache verified keys and user tokens and read this stamp once per request (pipelined with
the transaction's BEGIN, so no extra round trip); when it changed, they drop their cache. Statement
triggers set it, so every path is covered: the API, the dashboard, the CLI and plain SQL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# A random stamp rather than a counter: a TRUNCATE empties the table and a counter would start over at
# values that processes may still hold (the stamp is re-created by the TRUNCATE triggers below).
UPGRADE = """
CREATE TABLE auth_epoch (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    stamp uuid NOT NULL
);
INSERT INTO auth_epoch (stamp) VALUES (gen_random_uuid());
CREATE FUNCTION auth_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO auth_epoch (id, stamp) VALUES (true, gen_random_uuid())
    ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp;
    RETURN NULL;
END $$;
CREATE TRIGGER api_keys_auth_epoch AFTER UPDATE OF revoked_at, key_hash, scopes, prefix OR DELETE
    ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();
CREATE TRIGGER api_keys_auth_epoch_truncate AFTER TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();
CREATE TRIGGER users_auth_epoch AFTER UPDATE OF tokens_valid_after, created_at, id OR DELETE
    ON users FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();
CREATE TRIGGER users_auth_epoch_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();
"""
DOWNGRADE = """
DROP TRIGGER IF EXISTS api_keys_auth_epoch ON api_keys;
DROP TRIGGER IF EXISTS api_keys_auth_epoch_truncate ON api_keys;
DROP TRIGGER IF EXISTS users_auth_epoch ON users;
DROP TRIGGER IF EXISTS users_auth_epoch_truncate ON users;
DROP FUNCTION IF EXISTS auth_epoch_bump();
DROP TABLE IF EXISTS auth_epoch;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
