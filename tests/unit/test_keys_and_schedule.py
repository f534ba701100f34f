import pytest

from services.config import Settings
from services.keys import InvalidScopes, parse_scopes
from workers.schedule import build


def test_scopes_are_parsed_deduplicated_and_checked():
    assert parse_scopes("read, write,read") == ("read", "write")
    with pytest.raises(InvalidScopes):
        parse_scopes("read,root")
    with pytest.raises(InvalidScopes):
        parse_scopes("")


def test_beat_schedule_comes_from_settings():
    assert build(Settings(catalogue_stats_every_seconds=60))["catalogue-stats"]["schedule"] == 60.0
    assert "catalogue-stats" not in build(Settings(catalogue_stats_every_seconds=0))
