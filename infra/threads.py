"""Native thread pools (BLAS, OpenMP) sized for this deployment, and training kept out of serving's way.

Web workers run one BLAS/OpenMP thread each: requests are parallel already, and a second thread per
worker halves throughput on two cores while a retrain runs. Training threads are CF_THREADS.

Training and embedding (``training``) also run at a lower CPU priority (WORKER_TRAINING_NICE): on a
machine the API shares, the scheduler then gives a request's thread the core first and the retrain the
rest, so feed latency holds while a model trains (docs/benchmarks.md, "Serving during a retrain").
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def cap_native_threads(threads: int = 1) -> None:
    """Set the thread-count variables unless the operator already did (call before importing numpy)."""
    for name in _VARIABLES:
        os.environ.setdefault(name, str(threads))


def lower_priority(niceness: int) -> int:
    """Raise this process's niceness to at least ``niceness``; returns the niceness now in effect.

    Only ever lowers the priority: an unprivileged process cannot raise it back, so a worker process
    that ran a training task stays niced for the tasks after it (all of them background work)."""
    current = os.nice(0)
    if niceness > current:
        with contextlib.suppress(OSError):  # a sandbox that forbids it: run at the priority we have
            current = os.nice(niceness - current)
    return current


@contextlib.contextmanager
def training(threads: int, niceness: int) -> Iterator[None]:
    """Run the block as training: at niceness ``niceness`` (0: unchanged) and with every native pool
    loaded in this process (OpenBLAS, OpenMP as used by implicit, faiss and torch) capped at ``threads``,
    whatever the environment said when they loaded."""
    from threadpoolctl import threadpool_limits

    if niceness > 0:
        lower_priority(niceness)
    with threadpool_limits(limits=threads):
        yield
