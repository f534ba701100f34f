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
        "SECRET_KEY": "s" * 32, "PUBLIC_BASE_URL": "https://feeds.example.org",
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


def test_require_names_the_missing_variable():
    with pytest.raises(SettingsError, match="DATABASE_URL is not set"):
        Settings.from_env({}).require("database_url")


def test_as_environ_round_trips():
    s = Settings.from_env({"DATABASE_URL": "postgresql://a@b/c", "PORT": "8123", "PAPERFEED_DEMO_DATA": "false"})
    assert Settings.from_env(s.as_environ()) == s
