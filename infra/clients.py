"""The SDKs under clients/, generated from the OpenAPI document of this code.

``python -m infra.clients`` (``make clients``) writes:

- ``clients/openapi.json``: the document (``services.app.openapi_document``);
- ``clients/typescript/src/schema.d.ts``: its types, by openapi-typescript (the pinned version in
  ``clients/typescript/package-lock.json``; ``npm ci`` there first); the hand-written
  ``src/index.ts`` wraps openapi-fetch around them;
- ``clients/python/paperfeed_client/``: the package openapi-python-client generates (pinned in
  pyproject's ``test`` extra, settings in ``clients/python-generator.yaml``).

``python -m infra.clients --check`` generates everything into a scratch folder and exits 1 naming each
file that differs from the committed one, so a spec change without regenerated clients fails the build
(``tests/integration/test_clients.py``).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess  # nosec B404  # subprocess runs the pinned generators with fixed argument lists only
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIENTS = REPO / "clients"
SPEC = Path("openapi.json")
TS_SCHEMA = Path("typescript/src/schema.d.ts")
PY_PACKAGE = Path("python/paperfeed_client")
GENERATED = (SPEC, TS_SCHEMA, PY_PACKAGE)
TS_GENERATOR = CLIENTS / "typescript/node_modules/.bin/openapi-typescript"
PY_GENERATOR = Path(sys.executable).with_name("openapi-python-client")
COMMAND = "make clients"


class GeneratorMissing(RuntimeError):
    """A generator is not installed (``make clients-deps`` installs both)."""


def generate(root: Path) -> None:
    """Write every generated file under ``root`` (laid out like clients/)."""
    from services.app import openapi_document

    for tool in (TS_GENERATOR, PY_GENERATOR):
        if not tool.exists():
            raise GeneratorMissing(f"{tool} is missing: run `make clients-deps`")
    spec = root / SPEC
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    (root / TS_SCHEMA).parent.mkdir(parents=True, exist_ok=True)
    # Fields with a default are optional in requests: not "non-nullable" (openapi-typescript 7 default).
    _run([str(TS_GENERATOR), str(spec), "--default-non-nullable", "false", "--output", str(root / TS_SCHEMA)])
    package = root / PY_PACKAGE
    shutil.rmtree(package, ignore_errors=True)
    package.parent.mkdir(parents=True, exist_ok=True)
    _run([str(PY_GENERATOR), "generate", "--path", str(spec), "--output-path", str(package), "--meta", "none",
          "--config", str(CLIENTS / "python-generator.yaml"), "--overwrite"])


def _run(argv: list[str]) -> None:
    env = {**os.environ, "NO_COLOR": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(argv, cwd=CLIENTS, env=env, capture_output=True, text=True, timeout=300)  # nosec B603  # the pinned generators, a fixed argument list, no shell
    if done.returncode != 0 or "Warning" in done.stdout:
        raise RuntimeError(f"{' '.join(argv[:2])} failed:\n{done.stdout}\n{done.stderr}")


def differences(committed: Path, fresh: Path) -> list[str]:
    """Paths (relative to clients/) that differ between the two trees, including missing and extra files."""
    out: list[str] = []
    for item in GENERATED:
        a, b = committed / item, fresh / item
        if a.is_file() or b.is_file():
            if not (a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False)):
                out.append(str(item))
            continue
        names = {p.relative_to(a) for p in a.rglob("*") if p.is_file() and "__pycache__" not in p.parts} \
            if a.exists() else set()
        names |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()} if b.exists() else set()
        for name in sorted(names):
            if not ((a / name).is_file() and (b / name).is_file() and filecmp.cmp(a / name, b / name, shallow=False)):
                out.append(str(item / name))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Compare with the committed clients; change nothing.")
    args = parser.parse_args(argv)
    if not args.check:
        generate(CLIENTS)
        print(f"wrote {', '.join(str(CLIENTS / g) for g in GENERATED)}")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        generate(Path(scratch))
        stale = differences(CLIENTS, Path(scratch))
    if stale:
        print(f"clients/ is stale (run `{COMMAND}` and commit):\n  " + "\n  ".join(stale))
        return 1
    print("clients/ matches the current OpenAPI document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
