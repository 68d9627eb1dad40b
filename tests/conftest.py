"""Shared test configuration: hypothesis profile, paths to the real data."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from kmeans_np.jit import _prepare as _prepare_kernels

# numba compiles on first call: no per-example deadline, and a modest example budget so
# the whole suite stays within minutes on a 2-core machine.
settings.register_profile(
    "rfmseg",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("rfmseg")


def _load_scikit_learns_openmp_sleeping() -> None:
    """Load scikit-learn (the independent reference of many tests) with its own OpenMP
    runtime (a libgomp of its own, not the one numba's kernels run on) set to sleep at
    once between parallel loops (``OMP_WAIT_POLICY=passive``) instead of spinning.

    Its Cython K-means and silhouette run thousands of tiny parallel loops in the tests
    (e.g. 200 starts x 6 k on seed 002's 20 customers); after each one its idle thread
    spun for up to 300,000 rounds, beside the other xdist worker: 6-10 s of CPU for
    tests/kmeans_np/test_elbow.py's reference alone, 2.5-3 s with the threads asleep.
    The wait policy changes no result, only how idle threads wait. libgomp reads it once,
    when it is loaded, so the variable is set for the import only: rfmseg's own kernels
    (numba's libgomp, loaded with this file) and every child process a test starts see the
    environment as it was. A wait policy the user set is left alone."""
    if "sklearn" in sys.modules or "OMP_WAIT_POLICY" in os.environ:
        return  # too late, or the user's choice
    os.environ["OMP_WAIT_POLICY"] = "passive"
    try:
        import sklearn  # noqa: F401  (loads scikit_learn.libs/libgomp-*.so)
    finally:
        del os.environ["OMP_WAIT_POLICY"]


#: set by xdist's controller for its workers only (see pytest_configure)
_OPENBLAS_TIMEOUT_FOR_WORKERS = "RFMSEG_TESTS_OPENBLAS_THREAD_TIMEOUT"

if os.environ.pop(_OPENBLAS_TIMEOUT_FOR_WORKERS, None):  # an xdist worker, started with it
    del os.environ["OPENBLAS_THREAD_TIMEOUT"]  # its children see the environment as it was

# Some tests import kernel modules directly: set up the kernel cache folder and the
# threading layer first, as the packages do through load_kernels.
_prepare_kernels()


def pytest_configure(config: pytest.Config) -> None:
    """Before the test modules are imported (collection), which import scikit-learn. Not
    in xdist's controller process, which runs no test (1.2 s of CPU to import it).

    The controller instead starts its workers with ``OPENBLAS_THREAD_TIMEOUT=4`` (unless
    the user set it): numpy's and scipy's OpenBLAS threads then sleep as soon as a BLAS
    call ends instead of spinning for up to 2^28 cycles (OpenBLAS's default) waiting for
    the next one, beside the other worker. The thread count, and so how each call splits
    its work and every result, are OpenBLAS's as before; only how idle threads wait
    changes. OpenBLAS reads the variable once, when numpy loads it, which in a worker is
    before this file (pyproject's filterwarnings imports numba, and numba numpy), hence
    the worker's environment at its start; each worker removes it again at once (above),
    so the processes the tests start (a fresh interpreter, the install test, Dask's
    worker processes) see the user's environment. A plain run (no -n) is left as it is.
    Measured on the whole suite (README's command): 16 s less CPU in the workers' tests."""
    controller = bool(getattr(config.option, "numprocesses", None)) and not hasattr(
        config, "workerinput")  # fmt: skip
    if not controller:
        _load_scikit_learns_openmp_sleeping()
    elif "OPENBLAS_THREAD_TIMEOUT" not in os.environ:
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = "4"  # 2^4 cycles: at once
        os.environ[_OPENBLAS_TIMEOUT_FOR_WORKERS] = "1"


#: tests that run for tens of seconds in their own processes (a fresh venv, cold caches)
LONG_RUNNING = ("test_install.py", "test_smoke.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the long-running tests first: with several workers (``-n``), the rest of the
    suite then runs beside them instead of one worker finishing alone at the end.

    README's command also lets an idle worker take tests queued for a busy one (``--dist
    worksteal``): it hands each worker one block of the suite at the start, so the long
    tests all start in the first worker's block and the others take from the end of its
    queue. With the default ``load`` the Dask tests stayed queued on one worker, and the
    other sat idle for the last 37 s of a 150 s run.

    The tests that share one LocalCluster (tests/_cluster.py) run one after another,
    where the first of them would run: those of the Dask modules
    (tests/rfm/clv/test_clv_dask.py, tests/test_cli_dask.py, test_dask_kmeans.py and
    test_dask_rfm.py), and those of other modules that take the ``dask_address`` fixture.
    (Such a test leaves its own module's tests: a module-scoped fixture it uses is set up
    again for it, well under the cost of a cluster.)"""
    items.sort(key=lambda item: item.path.name not in LONG_RUNNING)  # stable: order kept
    from _cluster import needs_it

    shared = [item for item in items if needs_it(item)]
    if shared:
        first = next(i for i, item in enumerate(items) if needs_it(item))
        rest = [item for item in items if not needs_it(item)]
        items[:] = rest[:first] + shared + rest[first:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After a test's teardown (its module's client closed, at a module's end): close the
    shared LocalCluster (tests/_cluster.py) unless the next test needs it."""
    yield
    from _cluster import close_unless_next_needs_it

    close_unless_next_needs_it(nextitem)


@pytest.fixture
def dask_address() -> str:
    """The scheduler of the two-process LocalCluster the Dask tests share
    (tests/_cluster.py), for ``rfmseg ... --dask ADDRESS``: for a test that checks what
    a run on Dask gives, not the local cluster ``--dask`` alone starts."""
    pytest.importorskip("distributed")
    from _cluster import local_cluster

    return local_cluster().scheduler_address


PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
ONLINE_RETAIL = SHARED / "data" / "online_retail.csv.gz"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def online_retail_path() -> Path:
    """Path of the UCI Online Retail file; skips the test when it is absent."""
    if not ONLINE_RETAIL.exists():
        pytest.skip(f"real data not found at {ONLINE_RETAIL} (outside the project setup)")
    return ONLINE_RETAIL


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """``cli("segment", path, "--out", dir)``: the command run in process (tests/_cli.py)."""
    from _cli import run_cli

    return lambda *args, cwd=None: run_cli(capsys, *args, cwd=cwd)


@pytest.fixture(scope="session")
def online_retail_run(online_retail_path: Path, tmp_path_factory):
    """`rfmseg segment online_retail.csv.gz` with no flags, run once for the whole test run
    (several tests read it, tests/test_cli.py and tests/test_claims.py, on any xdist
    worker: tests/_once.py); returns what it printed and the output folder."""
    from _cli import Run, run_captured
    from _once import once_per_run

    def segment(folder: Path) -> dict:
        proc = run_captured("segment", str(online_retail_path), "--out", str(folder / "out"))
        assert proc.returncode == 0, proc.stderr
        return dataclasses.asdict(proc)

    printed, folder = once_per_run(tmp_path_factory, "online-retail", segment)
    return Run(**printed), folder / "out"


CDNOW_SAMPLE = SHARED / "data" / "CDNOW_sample.txt"


@pytest.fixture(scope="session")
def cdnow_sample_path() -> Path:
    """Path of the CDNOW 1-in-10 sample; skips the test when it is absent."""
    if not CDNOW_SAMPLE.exists():
        pytest.skip(f"CDNOW data not found at {CDNOW_SAMPLE} (outside the project setup)")
    return CDNOW_SAMPLE
