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

A test of another module that runs the command on Dask without checking the cluster the
command starts itself (its files, its messages) takes the ``dask_address`` fixture
(``conftest.py``) and runs ``--dask ADDRESS`` on this cluster; ``conftest.py`` runs it
with the modules above. Each such run used to start a local cluster of its own: two
worker processes importing pandas, Dask, numba and rfmseg's kernels, 3 to 4.5 s of CPU,
for the same answer. What only the command's own local cluster shows (its signal mask,
Ctrl-C while it works, its workers' logs) is still tested on it, in
tests/test_cli_dask.py.

Import it one way, ``from _cluster import local_cluster`` (``tests/`` is on ``sys.path``
through its ``conftest.py``).
"""

from __future__ import annotations

from typing import Any

#: the test modules whose tests share the cluster
MODULES = ("test_clv_dask.py", "test_cli_dask.py", "test_dask_kmeans.py", "test_dask_rfm.py")
#: the fixture (``conftest.py``) through which a test of another module shares it
FIXTURE = "dask_address"

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


def needs_it(item: Any) -> bool:
    """Whether the test ``item`` (a pytest item) uses the shared cluster: it is in one of
    :data:`MODULES`, or takes the :data:`FIXTURE`."""
    return item.path.name in MODULES or FIXTURE in getattr(item, "fixturenames", ())


def close_unless_next_needs_it(next_item: Any) -> None:
    """Close the cluster unless the next test (a pytest item; None: none) uses it
    (:func:`needs_it`)."""
    global _cluster
    if _cluster is not None and (next_item is None or not needs_it(next_item)):
        cluster, _cluster = _cluster, None
        cluster.close()
