"""The documentation stays true to the code: the configuration table is generated from Settings."""

import dataclasses

from infra import config_docs
from services.config import Settings


def test_every_setting_has_help_text():
    missing = [f.metadata["env"] for f in dataclasses.fields(Settings) if not f.metadata.get("help", "").strip()]
    assert not missing, f"settings without help text: {missing}"


def test_configuration_doc_is_generated_from_settings():
    written = config_docs.PATH.read_text() if config_docs.PATH.exists() else ""
    assert written == config_docs.render(), (
        "docs/configuration.md is stale: run `make docs` (or `.venv/bin/python -m infra.config_docs`) "
        "and commit docs/configuration.md"
    )


def test_configuration_doc_names_every_variable():
    text = config_docs.render()
    for f in dataclasses.fields(Settings):
        assert f"| `{f.metadata['env']}` |" in text
