"""The documentation stays true to the code: the configuration table is generated from Settings, and
every relative link in README.md and docs/ resolves inside the repository."""

import dataclasses
import re
from pathlib import Path

from infra import config_docs
from services.config import Settings

REPO = Path(__file__).resolve().parents[2]


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


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _markdown_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def test_every_relative_link_in_readme_and_docs_resolves_inside_the_repo():
    broken = []
    for page in _markdown_files():
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # code blocks hold no links
        for target in LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # http(s)://, mailto: and in-page anchors
            path = (page.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(REPO) or not path.exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
    assert not broken, "links that do not resolve inside the repository: " + ", ".join(broken)


def test_the_link_check_sees_links():
    assert LINK.findall("see [api](docs/api.md) and [x](../shared/design/API.md \"t\")") == [
        "docs/api.md", "../shared/design/API.md"]
