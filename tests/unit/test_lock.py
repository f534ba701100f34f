"""Supply chain (audit finding 12): the locks hold every dependency of what they install (runtime; runtime +
test + minilm; runtime + minilm) with a hash and agree on versions, and the audit gate fails in CI when it
could not run."""

from __future__ import annotations

import pytest

from infra import lockcheck
from tests.security import audit


@pytest.mark.parametrize("lock", list(lockcheck.LOCKS), ids=lambda p: p.name)
def test_every_dependency_is_locked_with_a_hash(lock):
    assert lockcheck.unlocked(lock=lock) == [], "run `make lock` and commit requirements*.lock"


@pytest.mark.parametrize("lock", list(lockcheck.LOCKS), ids=lambda p: p.name)
def test_every_pin_in_the_lock_has_a_hash(lock):
    current, hashed = None, {}
    for line in lock.read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            assert "==" in line, f"not pinned: {line}"
            current = line.split(" ")[0]
            hashed[current] = False
        elif current and line.strip().startswith("--hash=sha256:"):
            hashed[current] = True
    assert hashed and all(hashed.values()), [name for name, ok in hashed.items() if not ok]


def test_the_locks_agree_and_a_missing_pin_is_named(tmp_path):
    assert lockcheck.disagreements() == []
    stale = tmp_path / "requirements-test.lock"
    text = (lockcheck.ROOT / "requirements-test.lock").read_text()
    stale.write_text("\n".join(line for line in text.splitlines() if not line.startswith("pytest==")))
    assert any(p.startswith("pytest") and "not pinned" in p
               for p in lockcheck.unlocked(lock=stale, extras=("test",)))
    other = tmp_path / "requirements.lock"
    other.write_text("flask==0.1 \\\n    --hash=sha256:00\n")
    assert any(p.startswith("flask") for p in lockcheck.disagreements([lockcheck.LOCK, other]))


def test_an_audit_that_could_not_run_fails_where_it_is_required(monkeypatch, capsys):
    monkeypatch.setenv("AUDIT_REQUIRED", "true")
    assert audit._skipped("unreachable") is False
    assert "FAILED (AUDIT_REQUIRED)" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_REQUIRED", "")
    assert audit._skipped("unreachable") is True
    assert "NOT RUN, nothing was audited: unreachable" in capsys.readouterr().out
