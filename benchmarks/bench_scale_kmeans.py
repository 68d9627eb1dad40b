"""K-means on Dask: ``kmeans_np.KMeans`` against ``dask_ml.cluster.KMeans``, each with its
defaults, on 3 data shapes × 3 seeds, k = 8.

``python -m benchmarks scale-kmeans [--quick] [--rows N]``: 10M rows by default (quick:
200k), as Dask arrays of 1M-row blocks (quick: 50k) generated block by block where they
are used and persisted before timing. The shapes:

* ``rfm_z``: exponential recency, 1 + Poisson frequency, lognormal monetary, z-scored;
* ``rfm_log_minmax``: the same columns through log1p and min-max to [0, 1], recency
  inverted (how rfmseg scales an RFM table by default);
* ``blobs_5d``: ten Gaussian blobs in 5 dimensions, of different spreads, that overlap.

Contenders, one fit each on the same ``distributed.LocalCluster`` (one single-threaded
worker process per core), after a small warm-up fit of each (compilation):

* ours: ``KMeans(8, random_state=seed)`` (a seeding sample drawn in one pass, ten starts
  on it, Lloyd on all blocks);
* dask-ml: ``KMeans(n_clusters=8, random_state=seed)`` (k-means||, Lloyd).

Ours is also fitted on Dask's threaded scheduler and must give the same centres bit for
bit (``same_on_threads``). dask-ml's own ``inertia_`` is not that of the centres it
returns, so both inertias are computed here from the returned centres, by one independent
Dask expression. Targets: inertia at most 1.005× dask-ml's and time at most
0.2× its time, in every case.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._runner import report

K = 8
SEEDS = (0, 1, 2)


def _rfm_raw(rng: np.random.Generator, m: int) -> np.ndarray:
    return np.column_stack(
        [rng.exponential(90.0, m), 1.0 + rng.poisson(4.0, m), rng.lognormal(6.0, 1.0, m)]
    )


def _rfm_block(seed: int, b: int, m: int) -> np.ndarray:
    return _rfm_raw(np.random.default_rng([seed, b]), m)


def _blob_block(seed: int, b: int, m: int) -> np.ndarray:
    layout = np.random.default_rng([seed, 10**6])  # the same blobs in every block
    centres = layout.uniform(-6.0, 6.0, size=(10, 5))
    spread = layout.uniform(0.8, 2.5, size=10)
    rng = np.random.default_rng([seed, b])
    which = rng.integers(0, 10, m)
    return centres[which] + rng.normal(size=(m, 5)) * spread[which, None]


def _lazy(make: Callable[[int, int, int], np.ndarray], seed: int, n: int, block: int,
          d: int) -> Any:
    import dask
    import dask.array as da

    sizes = [min(block, n - s) for s in range(0, n, block)]
    return da.concatenate(
        [
            da.from_delayed(dask.delayed(make)(seed, b, m), shape=(m, d), dtype=np.float64)
            for b, m in enumerate(sizes)
        ]
    )


def rfm_z(seed: int, n: int, block: int) -> Any:
    raw = _lazy(_rfm_block, seed, n, block, 3)
    return (raw - raw.mean(axis=0)) / raw.std(axis=0)


def rfm_log_minmax(seed: int, n: int, block: int) -> Any:
    logged = np.log1p(_lazy(_rfm_block, seed, n, block, 3))
    low, high = logged.min(axis=0), logged.max(axis=0)
    scaled = (logged - low) / (high - low)
    flip = np.array([-1.0, 1.0, 1.0])  # recency inverted: recent customers score high
    return scaled * flip + np.array([1.0, 0.0, 0.0])


def blobs_5d(seed: int, n: int, block: int) -> Any:
    return _lazy(_blob_block, seed, n, block, 5)


SHAPES: dict[str, Callable[[int, int, int], Any]] = {
    "rfm_z": rfm_z,
    "rfm_log_minmax": rfm_log_minmax,
    "blobs_5d": blobs_5d,
}


def inertia_of(X: Any, centers: np.ndarray) -> float:
    """Σ_i min_j ‖x_i − c_j‖², computed from the centres alone (a Dask expression)."""
    sq = ((X[:, None, :] - np.asarray(centers)[None, :, :]) ** 2).sum(axis=2)
    return float(sq.min(axis=1).sum().compute())


def _timed(fit: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - t0


def main(quick: bool = False, rows: int | None = None) -> None:
    import dask
    import dask.array as da
    from dask_ml.cluster import KMeans as DaskMLKMeans
    from distributed import Client, LocalCluster

    from kmeans_np import KMeans

    n, block = (200_000, 50_000) if quick else (10_000_000, 1_000_000)
    if rows is not None:
        n, block = rows, max(1, min(block, rows // 4))
    cores = os.cpu_count() or 1
    rows_out = []
    with LocalCluster(
        n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, Client(cluster, set_as_default=False) as client:
        on_cluster = {"scheduler": client}
        with dask.config.set(on_cluster):  # warm-up: compile both on the workers
            small = rfm_z(99, 20_000, 5_000).persist()
            KMeans(K, random_state=0).fit(small)
            DaskMLKMeans(n_clusters=K, random_state=0).fit(small)
        for shape, make in SHAPES.items():
            for seed in SEEDS:
                with dask.config.set(on_cluster):
                    X = make(seed, n, block).persist()
                    ours, t_ours = _timed(lambda X=X, s=seed: KMeans(K, random_state=s).fit(X))
                    theirs, t_theirs = _timed(
                        lambda X=X, s=seed: DaskMLKMeans(n_clusters=K, random_state=s).fit(X)
                    )
                    inertia_ours = inertia_of(X, ours.cluster_centers_)
                    inertia_theirs = inertia_of(X, theirs.cluster_centers_)
                    local = X.compute()
                del X
                with dask.config.set(scheduler="threads"):
                    again = KMeans(K, random_state=seed).fit(
                        da.from_array(local, chunks=(block, local.shape[1])))
                rows_out.append({
                    "shape": shape, "seed": seed, "n": n,
                    "ours_s": t_ours, "dask_ml_s": t_theirs, "time_ratio": t_ours / t_theirs,
                    "inertia_ratio": inertia_ours / inertia_theirs,
                    "iters_ours": ours.n_iter_, "iters_dask_ml": int(theirs.n_iter_),
                    "same_on_threads": bool(np.array_equal(again.cluster_centers_,
                                                           ours.cluster_centers_)),
                })
                print(rows_out[-1], flush=True)
    worst_inertia = max(r["inertia_ratio"] for r in rows_out)
    worst_time = max(r["time_ratio"] for r in rows_out)
    verdict = (
        f"Worst inertia ratio {worst_inertia:.4f} (target <= 1.005: "
        f"{'met' if worst_inertia <= 1.005 else 'NOT met'}); worst time ratio "
        f"{worst_time:.3f} (target <= 0.2: {'met' if worst_time <= 0.2 else 'NOT met'}); "
        f"same centres on the threaded scheduler in {sum(r['same_on_threads'] for r in rows_out)}"
        f" of {len(rows_out)} cases."
    )
    print(verdict, flush=True)
    report(
        "scale_kmeans",
        f"K-means on Dask, defaults, {n:,} rows, k = {K}, 3 shapes × 3 seeds",
        rows_out,
        "ours = kmeans_np.KMeans(8, random_state=seed); dask_ml = dask_ml.cluster.KMeans("
        "n_clusters=8, random_state=seed), defaults otherwise. One fit each on a "
        f"LocalCluster of {cores} single-threaded worker processes, data persisted "
        f"beforehand ({block:,}-row blocks); inertias from each model's centres. "
        + verdict,
    )


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
