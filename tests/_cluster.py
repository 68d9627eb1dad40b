"""One two-process Dask ``LocalCluster`` for the Dask test modules that run one after another.

Starting a cluster costs seconds of CPU: two worker processes, each importing pandas,
Dask and rfmseg's kernels before its first task. tests/rfm/clv/test_clv_dask.py,
tests/test_cli_dask.py, tests/test_dask_kmeans.py and tests/test_dask_rfm.py each started
their own, alike (two worker processes, one thread each). They now connect to one (each
module, or test, its own client, as before), started by the first test that asks, and
closed as soon as the next test this process runs is in none of them (``conftest.py``
runs them one after another, and closes it after each test's teardown): an idle cluster
costs CPU too (its heartbeats, about 0.05 s a second). The clusters the command starts
itself (``--dask`` without an address) are the command's own, as before.

Import it one way, ``from _cluster import local_cluster`` (``tests/`` is on ``sys.path``
through its ``conftest.py``).
"""

from __future__ import annotations

from typing import Any

#: the test modules whose tests share the cluster
MODULES = ("test_clv_dask.py", "test_cli_dask.py", "test_dask_kmeans.py", "test_dask_rfm.py")

#: what this cluster does not do between and during the tests, which look at none of it:
#: sample its workers' stacks every 10 ms (Dask's task profiler, for the dashboard) and
#: check every 20 ms that each event loop is responsive (for a warning). Measured idle,
#: they were half of its 0.07 s of CPU a second. Results, scheduling and the workers'
#: memory limits are as without; the clusters the command starts are the command's own.
QUIET = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s"}

_cluster: Any = None


def local_cluster() -> Any:
    """The shared ``distributed.LocalCluster``: 2 worker processes, 1 thread each, no
    dashboard; started now if no test of :data:`MODULES` has started it yet."""
    global _cluster
    if _cluster is None:
        import dask
        import distributed

        with dask.config.set(QUIET):  # read as the scheduler, nannies and workers start
            _cluster = distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
    return _cluster


def close_unless_next_needs_it(next_module: str | None) -> None:
    """Close the cluster unless the next test (in ``next_module``; None: none) is in one
    of :data:`MODULES`."""
    global _cluster
    if _cluster is not None and next_module not in MODULES:
        cluster, _cluster = _cluster, None
        cluster.close()
