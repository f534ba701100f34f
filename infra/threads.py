"""Native thread pools (BLAS, OpenMP) sized for this deployment, set before numpy or faiss load.

Web workers run one BLAS/OpenMP thread each: requests are parallel already, and a second thread per
worker halves throughput on two cores while a retrain runs. Training threads are CF_THREADS.
"""

from __future__ import annotations

import os

_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def cap_native_threads(threads: int = 1) -> None:
    """Set the thread-count variables unless the operator already did (call before importing numpy)."""
    for name in _VARIABLES:
        os.environ.setdefault(name, str(threads))
