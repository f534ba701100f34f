"""Audit finding 1 (deployment side): no public default SECRET_KEY, and a deployment on its own database
never runs on a key it made up itself. No I/O beyond reading the compose file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from infra.runtime import resolve
from services.config import Settings, SettingsError

REPO = Path(__file__).resolve().parents[2]


def test_compose_has_no_default_secret_key():
    """The shipped compose file must refuse to start without SECRET_KEY (``${SECRET_KEY:?...}``): a
    default written in a public file signs sessions, tokens and unsubscribe links anyone can forge."""
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        value = (service.get("environment") or {}).get("SECRET_KEY")
        if value is None:
            continue
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", value), f"{name}: SECRET_KEY={value!r} has a default"
    assert "change-me" not in (REPO / "docker-compose.yml").read_text()


def test_a_deployment_on_its_own_database_needs_a_secret_key(tmp_path):
    settings = Settings(database_url="postgresql://app@db.internal/pf", redis_url="redis://cache:6379/0",
                        data_dir=tmp_path)
    with pytest.raises(SettingsError, match="SECRET_KEY is not set"):
        resolve(settings)
    assert not (tmp_path / "secret_key").exists()  # nothing was made up on the side


def test_a_configured_key_is_used_as_given(tmp_path):
    settings = Settings(database_url="postgresql://app@db.internal/pf", redis_url="redis://cache:6379/0",
                        data_dir=tmp_path, secret_key="k" * 40)
    assert resolve(settings).settings.secret_key == "k" * 40
