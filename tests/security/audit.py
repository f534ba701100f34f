"""`make security`: bandit over our code and pip-audit over the installed dependencies.

Run as ``python -m tests.security.audit``; exits non-zero on any finding. Not a pytest module (no
``test_`` prefix): it is the Makefile's gate, run once before the suite.

bandit: every severity, every check, everywhere. A finding that was reviewed and accepted is marked on
its own line with ``# nosec <test id>`` and the reason (a subprocess with a fixed argument list, SQL in
services/store built from fragments chosen in code while every value is a bound parameter, ...), so a new
finding on any other line fails, and the reasons are read where the code is.

pip-audit needs its vulnerability service (PyPI's JSON API) over the network. When no dependency could
be looked up (offline, or a registry mirror without that API) the audit proved nothing: it prints
"NOT RUN, nothing was audited" with the cause, and fails where ``AUDIT_REQUIRED=true`` says the pipeline
can reach that API (see ``audit_required``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
CODE = ["services", "workers", "schemas", "infra"]


def run_bandit() -> bool:
    """True when bandit finds nothing, at any severity, that is not marked reviewed on its line."""
    done = subprocess.run([str(BIN / "bandit"), "-q", "-r", "--severity-level", "low", *CODE], check=False)
    ok = done.returncode == 0
    print(f"bandit: {'no findings' if ok else 'FINDINGS above'} (all severities over {', '.join(CODE)})")
    return ok


def audit_required() -> bool:
    """AUDIT_REQUIRED=true: a pipeline that can reach PyPI's vulnerability API must audit, or fail.

    Not plain ``CI``: this project's own CI machines reach the package index but not that API, so there
    the audit can never run, and failing on it would block every change without auditing anything."""
    return os.environ.get("AUDIT_REQUIRED", "").strip().lower() in {"1", "true", "yes"}


def _skipped(reason: str) -> bool:
    """An audit that could not run: a failure where AUDIT_REQUIRED says it must run, else a loud notice
    (never a quiet pass: the line says NOT RUN and why)."""
    if audit_required():
        print(f"pip-audit: FAILED (AUDIT_REQUIRED), {reason}")
        return False
    print(f"pip-audit: NOT RUN, nothing was audited: {reason}")
    return True


def run_pip_audit() -> bool:
    """True unless a dependency has a known vulnerability (an unreachable service is a skip, not a pass)."""
    command = [str(BIN / "pip-audit"), "--local", "--skip-editable", "--format", "json",
               "--progress-spinner", "off", "--timeout", "15"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        report = json.loads(done.stdout or "{}")
    except (subprocess.TimeoutExpired, ValueError) as exc:
        return _skipped(f"the vulnerability service did not answer ({type(exc).__name__})")
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        cause = (dependencies[0]["skip_reason"] if dependencies
                 else (done.stderr.strip().splitlines() or ["pip-audit listed no dependencies"])[-1])
        return _skipped(f"no dependency could be looked up in PyPI's vulnerability database "
                        f"(unreachable from here?): {cause}")
    for dep in vulnerable:
        ids = ", ".join(v["id"] + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else "")
                        for v in dep["vulns"])
        print(f"pip-audit: {dep['name']} {dep['version']}: {ids}")
    print(f"pip-audit: {len(audited)} of {len(dependencies)} dependencies audited, "
          f"{len(vulnerable)} with known vulnerabilities")
    return not vulnerable


def main() -> int:
    bandit_ok = run_bandit()
    audit_ok = run_pip_audit()
    return 0 if bandit_ok and audit_ok else 1


if __name__ == "__main__":
    sys.exit(main())
