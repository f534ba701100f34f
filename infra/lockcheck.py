"""`python -m infra.lockcheck`: fail loudly when the installed packages do not satisfy pyproject.toml.

`make install` installs requirements.lock (pinned, hash-checked), then the extras with the lock's pins
held; a runtime dependency added to pyproject.toml but not to the lock would arrive unpinned and
unchecked. This names every runtime requirement the lock does not hold (and anything unmet) and says to
run `make lock`.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
EXTRAS: tuple[str, ...] = ()  # runtime only: `make install` may leave the extras out


def unmet(pyproject: Path = PYPROJECT, extras: tuple[str, ...] = EXTRAS) -> list[str]:
    """Requirements of the project (and ``extras``) that no installed distribution satisfies."""
    project = tomllib.loads(pyproject.read_text())["project"]
    wanted = [*project["dependencies"], *(r for extra in extras for r in project["optional-dependencies"][extra])]
    problems = []
    for line in wanted:
        requirement = Requirement(line)
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{requirement}: not installed")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement}: {version} installed")
    return problems


LOCK = PYPROJECT.parent / "requirements.lock"


def unlocked(pyproject: Path = PYPROJECT, lock: Path = LOCK) -> list[str]:
    """Runtime requirements of pyproject.toml that requirements.lock does not pin with a hash."""
    project = tomllib.loads(pyproject.read_text())["project"]
    text = lock.read_text()
    pinned: dict[str, bool] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")) and "==" in line:
            current = Requirement(line.split(" ")[0]).name.lower().replace("_", "-")
            pinned[current] = False
        elif current and line.strip().startswith("--hash=sha256:"):
            pinned[current] = True
    missing = []
    for line in project["dependencies"]:
        name = Requirement(line).name.lower().replace("_", "-")
        if not pinned.get(name):
            missing.append(f"{line}: not pinned with a hash in requirements.lock")
    return missing


def main() -> int:
    problems = unlocked() + unmet()
    for problem in problems:
        print(f"lockcheck: {problem}", file=sys.stderr)
    if problems:
        print("lockcheck: requirements.lock is out of date with pyproject.toml: run `make lock` and commit it",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
