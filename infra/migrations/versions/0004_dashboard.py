"""Dashboard: operator accounts, the audit log, paper imports started from the browser.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- People who sign in to /admin. Passwords are argon2id hashes (argon2-cffi); `failed_logins` and
-- `locked_until` implement the lock-out after repeated failures.
CREATE TABLE operators (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'viewer')),
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operators_email_idx ON operators (lower(email));

-- Who did what, when. The operator's email is copied so the record survives the account.
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id    bigint REFERENCES operators (id) ON DELETE SET NULL,
    operator_email text NOT NULL,
    action         text NOT NULL,
    target         text,
    detail         jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_time_idx ON audit_log (created_at DESC, id DESC);

-- A JSONL upload being imported by the dashboard, with its progress.
CREATE TABLE paper_imports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filename    text NOT NULL,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    lines       integer NOT NULL DEFAULT 0,
    stored      integer NOT NULL DEFAULT 0,
    created     integer NOT NULL DEFAULT 0,
    updated     integer NOT NULL DEFAULT 0,
    unchanged   integer NOT NULL DEFAULT 0,
    rejected    integer NOT NULL DEFAULT 0,
    errors      jsonb NOT NULL DEFAULT '[]',
    operator    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX paper_imports_time_idx ON paper_imports (created_at DESC, id DESC);
"""

DOWNGRADE = """
DROP TABLE IF EXISTS paper_imports, audit_log, operators;
"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade() -> None:
    op.get_bind().exec_driver_sql(DOWNGRADE)
