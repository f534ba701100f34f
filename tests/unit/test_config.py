from pathlib import Path

import pytest

from services.config import Settings, SettingsError


def test_defaults_when_environment_is_empty():
    s = Settings.from_env({})
    assert s.database_url is None and s.redis_url is None
    assert s.port == 8000 and s.host == "127.0.0.1"
    assert s.data_dir == Path(".paperfeed")
    assert s.artifacts == Path(".paperfeed/artifacts")
    assert s.base_url == "http://127.0.0.1:8000"


def test_values_are_parsed_and_typed():
    s = Settings.from_env({
        "DATABASE_URL": "postgresql://u:p@db:5432/pf", "REDIS_URL": "redis://r:6379/1", "PORT": "9001",
        "ARTIFACT_DIR": "/srv/artifacts", "PAPERFEED_DEMO_DATA": "no", "DB_TIMEOUT_SECONDS": "2.5",
        "SECRET_KEY": "Zq3-x9Lw_T0bVf7cK2mRs8Yd1HnPjE4u", "PUBLIC_BASE_URL": "https://feeds.example.org",
    })
    assert s.port == 9001 and s.db_timeout_seconds == 2.5 and s.load_demo_data is False
    assert s.artifacts == Path("/srv/artifacts")
    assert s.base_url == "https://feeds.example.org"


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("PORT", "eighty", "PORT='eighty': expected an integer from 1 to 65535"),
    ("PORT", "70000", "PORT='70000': expected an integer from 1 to 65535"),
    ("DATABASE_URL", "mysql://x/y", "DATABASE_URL='mysql://x/y': expected a URL starting with"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379': expected a URL starting with"),
    ("PAPERFEED_DEMO_DATA", "maybe", "PAPERFEED_DEMO_DATA='maybe': expected true/false"),
    ("LOG_LEVEL", "loud", "LOG_LEVEL='loud': expected one of"),
])
def test_bad_values_name_the_variable(name, value, expected):
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value})
    assert str(info.value).startswith(expected)


def test_a_short_secret_is_refused_without_echoing_it():
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"SECRET_KEY": "hunter2"})
    assert "hunter2" not in str(info.value) and "SECRET_KEY" in str(info.value)


@pytest.mark.parametrize("value", [
    "change-me-change-me-change-me",  # the default docker-compose.yml used to ship
    "my-change-me-value-0123456789abcdef",
    "s" * 32,  # long but one character
    "abababababababababababababababab",
    "password1234567890",
])
def test_known_or_predictable_secret_keys_are_refused(value):
    """Audit finding 1: a key that passes a length check but is public or guessable signs forged sessions."""
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"SECRET_KEY": value})
    assert value not in str(info.value) and "SECRET_KEY" in str(info.value)


def test_a_generated_secret_key_is_accepted():
    import secrets

    for _ in range(20):
        key = secrets.token_urlsafe(32)
        assert Settings.from_env({"SECRET_KEY": key}).secret_key == key
    assert Settings.from_env({"SECRET_KEY": secrets.token_hex(32)}).secret_key


def test_a_bad_url_setting_is_reported_without_its_password():
    """Audit finding 11: configuration errors must not print credentials."""
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"REDIS_URL": "http://:hunter2-redis@cache:6379/0"})
    with pytest.raises(SettingsError) as pg:
        Settings.from_env({"DATABASE_URL": "mysql://app:hunter2-pg@db/pf"})
    assert "hunter2" not in str(info.value) and "hunter2" not in str(pg.value)
    assert "REDIS_URL" in str(info.value) and "app:***@db" in str(pg.value)


def test_redact_url_hides_passwords_only():
    from services.config import redact_url

    assert redact_url("postgresql://u:p4ss@db:5432/pf") == "postgresql://u:***@db:5432/pf"
    assert redact_url("redis://:p4ss@r:6379/0") == "redis://:***@r:6379/0"
    assert redact_url("redis://p4ss@r:6379/0") == "redis://***@r:6379/0"
    assert redact_url("postgresql://u@db/pf") == "postgresql://u@db/pf"
    assert redact_url("postgresql://u:p@ss@db/pf?x=@") == "postgresql://u:***@db/pf?x=@"


def test_require_names_the_missing_variable():
    with pytest.raises(SettingsError, match="DATABASE_URL is not set"):
        Settings.from_env({}).require("database_url")


def test_as_environ_round_trips():
    s = Settings.from_env({"DATABASE_URL": "postgresql://a@b/c", "PORT": "8123", "PAPERFEED_DEMO_DATA": "false"})
    assert Settings.from_env(s.as_environ()) == s
