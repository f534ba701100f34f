import subprocess

import psycopg

from infra import migrate
from services.store.meta import SCHEMA_REVISION
from tests.helpers import PAPERFEED, REPO, cli_env

CORE_TABLES = {"papers", "users", "events", "stars", "api_keys", "model_versions", "subscriptions", "alerts",
               "job_runs"}


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_migrations_apply_to_an_empty_database_and_are_idempotent(empty_database_url):
    migrate.upgrade(empty_database_url)
    assert _tables(empty_database_url) >= CORE_TABLES
    migrate.upgrade(empty_database_url)  # a second run changes nothing and does not fail
    assert migrate.current_revision(empty_database_url) == SCHEMA_REVISION


def test_full_text_column_is_generated(empty_database_url):
    migrate.upgrade(empty_database_url)
    with psycopg.connect(empty_database_url) as conn:
        conn.execute("INSERT INTO papers (id, title, abstract, authors) VALUES "
                     "('p1', 'Sparse attention for long videos', 'We study transformers.', '{\"Ada Lovelace\"}')")
        hits = conn.execute(
            "SELECT id FROM papers WHERE search @@ websearch_to_tsquery('english', 'transformer lovelace')"
        ).fetchall()
    assert hits == [("p1",)]


def test_two_concurrent_migrate_runs_do_not_conflict(empty_database_url, settings):
    env = cli_env(settings, DATABASE_URL=empty_database_url)
    procs = [subprocess.Popen([*PAPERFEED, "migrate"], env=env, cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(120), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert f"database at revision {SCHEMA_REVISION}" in out
    assert _tables(empty_database_url) >= CORE_TABLES


def test_unreachable_database_is_a_one_line_error(settings):
    from infra.embedded import free_port

    env = cli_env(settings, DATABASE_URL=f"postgresql://nobody:secret@127.0.0.1:{free_port()}/x")
    result = subprocess.run([*PAPERFEED, "migrate"], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: migration failed on postgresql://nobody:***@127.0.0.1")
    assert "secret" not in result.stderr
