"""Training runs niced and single-threaded (infra.threads.training), in a child process of its own so the
test process keeps its priority."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import REPO

PROBE = """
import json, os
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "2"  # the operator asked for more
import numpy, faiss
from threadpoolctl import threadpool_info
from infra.threads import training
before = os.nice(0)
with training(1, 7):
    inside = {"nice": os.nice(0), "threads": sorted({p["num_threads"] for p in threadpool_info()})}
after = {"nice": os.nice(0), "threads": sorted({p["num_threads"] for p in threadpool_info()})}
print(json.dumps({"before": before, "inside": inside, "after": after}))
"""


def test_training_is_niced_and_capped_to_one_native_thread():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["inside"] == {"nice": got["before"] + 7, "threads": [1]}
    # The thread cap ends with the block; the niceness cannot be taken back by an unprivileged process.
    assert got["after"]["threads"] == [2] and got["after"]["nice"] == got["before"] + 7

