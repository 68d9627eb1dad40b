"""How the numba kernels run: concurrent callers, nogil kernels and ``--version``.

What needs a fresh process (cache location, the first-compile notice, a real Ctrl-C) is in
``tests/test_smoke.py``; Ctrl-C in process is in ``tests/rfm/app/test_interrupts.py``."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import tomllib
from _kmeans_helpers import rfm_data

from kmeans_np import KMeans
from validation import silhouette_samples

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kmeans_np", "rfm", "validation")


def test_concurrent_python_threads_give_the_sequential_answers() -> None:
    """4 threads fitting K-means and computing silhouettes at once (as Dask's threaded
    scheduler calls the kernels) give exactly what one thread gives."""
    datasets = [rfm_data(30_000, seed) for seed in range(4)]

    def job(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        km = KMeans(4, n_init=3, random_state=0, backend="numba").fit(X)
        sil = silhouette_samples(X[:3000], km.labels_[:3000], backend="numba")
        return km.labels_, km.cluster_centers_, km.inertia_, sil

    sequential = [job(X) for X in datasets]
    results: list = [None] * 4
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for _ in range(2):
                results[i] = job(datasets[i])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for got, want in zip(results, sequential, strict=True):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2] == want[2]
        np.testing.assert_array_equal(got[3], want[3])


def test_version(cli) -> None:
    want = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    proc = cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"rfmseg {want}"


def test_every_kernel_releases_the_gil() -> None:
    """nogil=True on every compiled kernel of every package (each ``*_numba.py`` module),
    so that Python threads (Dask's threaded scheduler) really run them in parallel."""
    from numba.core.registry import CPUDispatcher

    from kmeans_np.jit import load_kernels

    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for pkg in ("kmeans_np", "validation", "rfm")
        for p in (ROOT / pkg).rglob("*_numba.py")
    )
    assert len(modules) >= 10, modules
    seen = 0
    for name in modules:
        for value in vars(load_kernels(name)).values():
            if isinstance(value, CPUDispatcher):
                seen += 1
                assert value.targetoptions.get("nogil") is True, (name, value.__name__)
    assert seen >= 20


def test_kernels_cached_looks_where_numba_wrote_them(tmp_path: Path, monkeypatch) -> None:
    """kernels_cached finds a compiled module's index files in the folder numba itself
    reports for the kernel (its dispatcher's cache path), and reports a module as not
    compiled for an empty cache folder."""
    from kmeans_np.jit import kernels_cached, load_kernels

    kernels = load_kernels("kmeans_np.kmeans_1d_numba")
    dispatchers = [v for v in vars(kernels).values() if hasattr(v, "_cache")]
    KMeans(2, backend="numba").fit(rfm_data(200, 0))  # compiled (or loaded) by now
    from kmeans_np import kmeans_1d

    kmeans_1d(np.arange(600.0), 3, backend="numba")
    folders = {Path(d._cache._cache_path) for d in dispatchers}
    assert len(folders) == 1
    assert list(folders.pop().glob("kmeans_1d_numba.*.nbi"))  # numba's own record
    assert kernels_cached("kmeans_np.kmeans_1d_numba")
    assert kernels_cached("kmeans_np.engine_numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert not kernels_cached("kmeans_np.kmeans_1d_numba")


def test_auto_groups_with_numpy_below_the_cold_size_until_the_kernels_exist(
    tmp_path: Path, monkeypatch
) -> None:
    """backend="auto": numba from NUMBA_FROM_ROWS when the grouping kernels are
    compiled; on a machine where they are not, numpy up to NUMBA_FROM_ROWS_COLD rows
    (faster than compiling them), numba beyond."""
    from kmeans_np.checks import resolve_backend
    from rfm.table import NUMBA_FROM_ROWS, NUMBA_FROM_ROWS_COLD

    def choice(n: int) -> str:
        return resolve_backend("auto", n=n, numba_from=NUMBA_FROM_ROWS,
                               kernels="rfm._grouping.aggregate_numba",
                               numba_from_cold=NUMBA_FROM_ROWS_COLD)  # fmt: skip

    import pandas as pd

    from rfm import rfm_table

    tx = pd.DataFrame({"CustomerID": [1, 1, 2], "InvoiceNo": ["a", "b", "c"],
                       "InvoiceDate": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"]),
                       "Amount": [1.0, 2.0, 3.0]})  # fmt: skip
    rfm_table(tx, amount="Amount", backend="numba")  # compiled for this session's cache
    assert [choice(n) for n in (NUMBA_FROM_ROWS - 1, NUMBA_FROM_ROWS)] == ["numpy", "numba"]
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # a machine that compiled nothing
    assert [choice(n) for n in (NUMBA_FROM_ROWS, NUMBA_FROM_ROWS_COLD - 1)] == ["numpy"] * 2
    assert choice(NUMBA_FROM_ROWS_COLD) == "numba"
