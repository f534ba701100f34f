"""Alembic environment: runs the raw-SQL migrations in ``versions/`` under an advisory lock.

The lock makes two starters (two `paperfeed migrate`, or `up` racing a deploy job) safe: the second
waits, then finds the schema already at head and does nothing.
"""

from alembic import context
from sqlalchemy import create_engine, pool, text

# Arbitrary, fixed key: "paperfeed-migrate" in a 63-bit integer.
MIGRATION_LOCK_KEY = 0x70666D6967726174


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; run `paperfeed migrate`")
run_migrations_online()
