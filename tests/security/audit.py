"""`make security`: bandit over our code and pip-audit over the installed dependencies.

Run as ``python -m tests.security.audit``; exits non-zero on any finding. Not a pytest module (no
``test_`` prefix): it is the Makefile's gate, run once before the suite.

bandit: medium severity and up. The low findings are reviewed noise (subprocess with fixed argument
lists, an ``assert`` that narrows a type, the token prefix "pfu_" mistaken for a password). B608
("SQL built from strings") is skipped in services/store only: the store is the one place SQL lives, and
it interpolates only fragments chosen in code (column lists, WHERE clauses of fixed parts, keyset
comparisons); every value goes as a bound parameter. B608 stays on everywhere else, where SQL must not
appear at all.

pip-audit needs its vulnerability service (PyPI's JSON API) over the network. When no dependency
could be looked up (offline, or a registry mirror without that API) the audit proved nothing: it prints
a SKIPPED notice naming the cause and does not fail, rather than report a false "no vulnerabilities".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
CODE = ["services", "workers", "schemas", "infra"]
STORE = "services/store"


def run_bandit() -> bool:
    """True when bandit finds nothing at medium severity or above."""
    common = [str(BIN / "bandit"), "-q", "-r", "--severity-level", "medium"]
    everything_but_store = subprocess.run([*common, *CODE, "-x", STORE], check=False)
    store = subprocess.run([*common, STORE, "--skip", "B608"], check=False)
    ok = everything_but_store.returncode == 0 and store.returncode == 0
    print(f"bandit: {'no findings' if ok else 'FINDINGS above'} (medium+ over {', '.join(CODE)})")
    return ok


def run_pip_audit() -> bool:
    """True unless a dependency has a known vulnerability (an unreachable service is a skip, not a pass)."""
    command = [str(BIN / "pip-audit"), "--local", "--skip-editable", "--format", "json",
               "--progress-spinner", "off", "--timeout", "15"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        report = json.loads(done.stdout or "{}")
    except (subprocess.TimeoutExpired, ValueError) as exc:
        print(f"pip-audit: SKIPPED, the vulnerability service did not answer ({type(exc).__name__})")
        return True
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        cause = (dependencies[0]["skip_reason"] if dependencies
                 else (done.stderr.strip().splitlines() or ["pip-audit listed no dependencies"])[-1])
        print(f"pip-audit: SKIPPED, no dependency could be looked up in PyPI's vulnerability database "
              f"(unreachable from here?): {cause}")
        return True
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
