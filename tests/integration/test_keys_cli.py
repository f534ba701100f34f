from services import keys
from tests.helpers import cli_env, run_cli


def test_keys_create_prints_the_key_alone_and_stores_only_a_hash(settings, clean_db):
    result = run_cli(["keys", "create", "--name", "ci", "--scopes", "read,write"], cli_env(settings))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pf_")
    plaintext = lines[0]
    with clean_db.connection() as conn:
        key = keys.verify(conn, plaintext)
        stored = conn.execute("SELECT key_hash, prefix FROM api_keys").fetchall()
        assert keys.verify(conn, plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
    assert key is not None and key.name == "ci" and key.scopes == ("read", "write")
    assert len(stored) == 1 and plaintext not in stored[0]["key_hash"]


def test_keys_create_rejects_unknown_scopes(settings, clean_db):
    result = run_cli(["keys", "create", "--name", "x", "--scopes", "read,superuser"], cli_env(settings))
    assert result.returncode == 2 and "--scopes" in result.stderr
