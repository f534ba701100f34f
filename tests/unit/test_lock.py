"""Supply chain (audit finding 12): the lock holds every runtime dependency with a hash, and the audit gate
fails in CI when it could not run."""

from __future__ import annotations

from infra import lockcheck
from tests.security import audit


def test_every_runtime_dependency_is_locked_with_a_hash():
    assert lockcheck.unlocked() == [], "run `make lock` and commit requirements.lock"


def test_every_pin_in_the_lock_has_a_hash():
    current, hashed = None, {}
    for line in lockcheck.LOCK.read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            assert "==" in line, f"not pinned: {line}"
            current = line.split(" ")[0]
            hashed[current] = False
        elif current and line.strip().startswith("--hash=sha256:"):
            hashed[current] = True
    assert hashed and all(hashed.values()), [name for name, ok in hashed.items() if not ok]


def test_an_audit_that_could_not_run_fails_where_it_is_required(monkeypatch, capsys):
    monkeypatch.setenv("AUDIT_REQUIRED", "true")
    assert audit._skipped("unreachable") is False
    assert "FAILED (AUDIT_REQUIRED)" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_REQUIRED", "")
    assert audit._skipped("unreachable") is True
    assert "NOT RUN, nothing was audited: unreachable" in capsys.readouterr().out
