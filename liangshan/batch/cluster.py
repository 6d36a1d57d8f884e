"""The Dask client of the batch jobs: a local cluster of single-threaded worker processes, or a scheduler.

A local cluster is owned by the client and closes with it. Remote workers must see the same paths as the
machine that submits the job (input files, the scratch directory of :mod:`liangshan.batch.air`).
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Callable, Sequence
from typing import Any

from distributed import Client, Future, WorkerPlugin, as_completed

__all__ = ["MallocSettings", "broadcast", "client", "gather", "peak_rss_mib"]

WORKER_ENV = {"POLARS_MAX_THREADS": "1"}
"""Environment of local workers: one polars thread, matching ``threads_per_worker=1`` (numpy/BLAS are
already limited to one thread by Dask's defaults)."""
WORKER_MALLOC = {"MALLOC_TRIM_THRESHOLD_": str(16 * 2**20), "MALLOC_MMAP_THRESHOLD_": str(16 * 2**20)}
"""glibc ``malloc`` settings of local workers, set before a worker process starts (Dask's
``distributed.nanny.pre-spawn-environ``; glibc reads them once, at start-up). Dask's default trim threshold
of 64 KiB, which also fixes the mmap threshold at 128 KiB, hands every freed numpy array back to the kernel,
so the next one is page-faulted in again: in ``batch air`` that was ≈ 40 % of a worker's CPU time, spent in
the kernel. With 16 MiB a worker keeps at most that much freed memory for reuse."""


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""``mallopt`` parameters of glibc (``malloc.h``)."""


def set_malloc(settings: dict[str, str] = WORKER_MALLOC) -> bool:
    """Apply :data:`WORKER_MALLOC` to the running process through glibc's ``mallopt`` (the same effect as the
    environment variables at start-up, for worker processes that were started without them). False when
    the C library has no ``mallopt`` (not glibc) or refuses a value."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = mallopt(M_TRIM_THRESHOLD, int(settings["MALLOC_TRIM_THRESHOLD_"]))
    return bool(ok and mallopt(M_MMAP_THRESHOLD, int(settings["MALLOC_MMAP_THRESHOLD_"])))


class MallocSettings(WorkerPlugin):
    """Worker plugin: :func:`set_malloc` in every worker of a cluster reached through ``--scheduler``, now and
    when a worker joins or restarts. Such workers were started by ``dask worker`` with Dask's own
    ``MALLOC_TRIM_THRESHOLD_`` of 64 KiB (which also fixes glibc's mmap threshold at 128 KiB), unless the
    user set :data:`WORKER_MALLOC` in their environment."""

    name = "liangshan-malloc"

    def setup(self, worker: Any) -> None:
        set_malloc()


SCHEDULER_CONFIG = {"distributed.scheduler.worker-saturation": 1.0}
"""Scheduler of a local cluster: a worker thread gets its next task only when it is free (Dask's default
1.1 rounds up to two tasks per single-threaded worker, so a task could wait behind a long one on a busy
worker while the other worker ran later, smaller tasks). The batch jobs submit their tasks largest first
and rely on this order to end with small tasks on every worker."""


def client(scheduler: str | None = None, workers: int = 2, memory_limit: str = "2GB") -> Client:
    """Connect to ``scheduler`` (``tcp://host:8786``) or start a local cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running ``dask scheduler``; ``workers`` and ``memory_limit`` are then ignored (the
        cluster's own settings apply). Its workers get the ``malloc`` settings of local workers
        (:class:`MallocSettings`).
    workers : int
        Local worker processes (one thread each, so that a worker's memory is one task's memory).
    memory_limit : str
        Memory limit per local worker (``"2GB"``, ``"512MiB"``): Dask spills at 60–70 %, pauses the worker
        at 80 % and restarts it at 95 % of this limit.

    Returns
    -------
    distributed.Client
        Close it (``with client(...) as c:``) to stop a local cluster.
    """
    if scheduler:
        c = Client(scheduler)
        try:
            c.register_plugin(MallocSettings())
        except BaseException:
            c.close()
            raise
        return c
    if workers < 1:
        raise ValueError("--workers 至少为 1")
    import dask

    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_MALLOC}
    settings = {"distributed.nanny.pre-spawn-environ": environ, **SCHEDULER_CONFIG}
    with dask.config.set(settings):  # read when the scheduler and the workers start
        return Client(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=":0",  # any free port: never collides with another cluster
            silence_logs=logging.CRITICAL,  # a failed task is reported by the caller, not logged by workers
            env=WORKER_ENV,
        )


def _peak_rss_mib() -> float:
    try:  # Linux: high-water mark of this process image; getrusage's max RSS would also count the
        # parent's memory that the worker process shared between fork and exec
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def peak_rss_mib(c: Client) -> dict[str, float]:
    """Peak resident memory (MiB) of every worker process since it started (Linux ``VmHWM``)."""
    return {str(k): float(v) for k, v in c.run(_peak_rss_mib).items()}


def gather(
    c: Client,
    futures: Sequence[Future],
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Results of ``futures`` in submission order; the first failure cancels the rest and is raised.

    ``progress(done, total)`` is called after each finished task.
    """
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[Any] = [None] * len(futures)
    done = 0
    try:
        for fut in as_completed(futures):
            out[index[fut.key]] = fut.result()  # raises the task's exception
            fut.release()
            done += 1
            if progress is not None:
                progress(done, len(futures))
    except BaseException:
        c.cancel(list(futures))
        _drain(c, {f.key for f in futures})
        raise
    return out


def _executing(dask_worker: Any) -> list[Any]:
    state = getattr(dask_worker, "state", None)
    return [ts.key for ts in getattr(state, "executing", ())]


def _drain(c: Client, keys: set[Any], timeout: float = 120.0) -> None:
    """Wait until no worker still runs one of ``keys``: cancelling does not stop a running task, and the
    caller is about to remove the scratch files such a task may still write."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            running = {k for ks in c.run(_executing).values() for k in ks}
        except Exception:  # workers gone or client closing: nothing left to wait for
            return
        if not running & keys:
            return
        time.sleep(0.1)


def broadcast(c: Client, obj: Any) -> Future:
    """Copy ``obj`` to every worker once (a dict or list stays one object, not one future per item)."""
    (fut,) = c.scatter([obj], broadcast=True)
    return fut
