"""docs/configuration.md, generated from the fields of ``services.config.Settings``.

``python -m infra.config_docs`` (``make docs``) rewrites the file; ``tests/unit/test_docs.py`` fails when
the file in the repository differs from ``render()``, so the table cannot miss a setting. Each row comes
from one field: its variable, default, accepted values (``services.config.accepts``) and help text.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from services.config import SECTIONS, Settings, accepts

REPO = Path(__file__).resolve().parents[1]
PATH = REPO / "docs" / "configuration.md"
COMMAND = "make docs"

_INTRO = f"""\
# Configuration

<!-- Generated from services/config.py by `{COMMAND}` (python -m infra.config_docs): do not edit by hand. -->

Every setting comes from the environment, read once into one typed `Settings` object
(`services/config.py`) that is passed to the processes that need it; nothing is read at import. Unset or
empty means the default. A bad value stops the process with a one-line error naming the variable and what
it expected, e.g. `PORT='eighty': expected an integer from 1 to 65535`.

To add a setting, declare a field with `_env("NAME", parser, default=..., help="...")` in `Settings` and
run `{COMMAND}`.
"""


def _default(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, dict):
        return "`" + ",".join(f"{k}={v:g}" for k, v in value.items()) + "`"
    if isinstance(value, (tuple, list, frozenset, set)):
        return "`" + ",".join(str(v) for v in value) + "`" if value else "empty"
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    """The whole of docs/configuration.md for the current ``Settings`` fields."""
    defaults = Settings()
    lines = [_INTRO.rstrip("\n")]
    for f in dataclasses.fields(Settings):
        if f.name in SECTIONS:
            lines += ["", f"## {SECTIONS[f.name]}", "",
                      "| variable | default | accepts | what it does |", "| --- | --- | --- | --- |"]
        row = (f"`{f.metadata['env']}`", _default(getattr(defaults, f.name)), accepts(f.metadata["parse"]),
               f.metadata["help"])
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    PATH.parent.mkdir(exist_ok=True)
    PATH.write_text(render())
    print(f"wrote {PATH.relative_to(REPO)}")


if __name__ == "__main__":
    main()
