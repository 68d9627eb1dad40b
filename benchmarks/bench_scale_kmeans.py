"""K-means on Dask: ``kmeans_np.KMeans`` against ``dask_ml.cluster.KMeans``, k = 8.

Data: 20M × 3 RFM-shaped points (``--quick``: 200k) — exponential recency, 1 + Poisson
frequency, lognormal monetary, z-scored — as a Dask array of 1M-row blocks (quick: 50k),
generated block by block where it is used and persisted before timing.

Contenders, each with its default settings (k-means++ / k-means||, one start):

* ours on a ``distributed.LocalCluster`` (one single-threaded worker process per core);
* ours on Dask's threaded scheduler;
* dask-ml on the same LocalCluster, and on the threaded scheduler.

dask-ml's own ``inertia_`` is not that of the centres it returns, so both inertias are
computed here from the returned centres, by one independent Dask expression (squared
distance to the nearest centre, summed). Targets: inertia the same or lower, and at
least 5× faster.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._runner import median, report, time_interleaved

K = 8


def _rfm_block(seed: int, m: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack(
        [rng.exponential(90.0, m), 1.0 + rng.poisson(4.0, m), rng.lognormal(6.0, 1.0, m)]
    )


def rfm_shaped_dask(n: int, block: int) -> Any:
    """n RFM-shaped points, z-scored, as a lazy Dask array of ``block``-row chunks."""
    import dask
    import dask.array as da

    sizes = [min(block, n - s) for s in range(0, n, block)]
    raw = da.concatenate(
        [
            da.from_delayed(dask.delayed(_rfm_block)(seed, m), shape=(m, 3), dtype=np.float64)
            for seed, m in enumerate(sizes)
        ]
    )
    return (raw - raw.mean(axis=0)) / raw.std(axis=0)


def inertia_of(X: Any, centers: np.ndarray) -> float:
    """Σ_i min_j ‖x_i − c_j‖², computed from the centres alone (a Dask expression)."""
    sq = ((X[:, None, :] - np.asarray(centers)[None, :, :]) ** 2).sum(axis=2)
    return float(sq.min(axis=1).sum().compute())


def main(quick: bool = False) -> None:
    import dask
    from dask_ml.cluster import KMeans as DaskMLKMeans
    from distributed import Client, LocalCluster

    from kmeans_np import KMeans

    n, block = (200_000, 50_000) if quick else (20_000_000, 1_000_000)
    # at full size dask-ml takes minutes per fit: one cold fit each (warm-up included)
    repeats, warmup = (2, 1) if quick else (1, 0)
    cores = os.cpu_count() or 1
    with LocalCluster(
        n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, Client(cluster, set_as_default=False) as client:
        on_cluster = dask.config.set(scheduler=client)
        threads = dask.config.set(scheduler="threads")
        with on_cluster:
            X_cluster = rfm_shaped_dask(n, block).persist()
        with threads:
            X_local = rfm_shaped_dask(n, block).persist()

        def run(ctx: Any, fit: Callable[[Any], Any], X: Any) -> Callable[[], Any]:
            def go() -> Any:
                with dask.config.set(ctx):
                    model = fit(X)
                    go.model = model  # type: ignore[attr-defined]
                    return model

            return go

        ours = lambda X: KMeans(K, random_state=0).fit(X)  # noqa: E731
        theirs = lambda X: DaskMLKMeans(n_clusters=K, random_state=0).fit(X)  # noqa: E731
        cluster_cfg, threads_cfg = {"scheduler": client}, {"scheduler": "threads"}
        contenders = {
            "ours_cluster": run(cluster_cfg, ours, X_cluster),
            "ours_threads": run(threads_cfg, ours, X_local),
            "daskml_cluster": run(cluster_cfg, theirs, X_cluster),
            "daskml_threads": run(threads_cfg, theirs, X_local),
        }
        times = time_interleaved(contenders, repeats=repeats, warmup=warmup)
        with threads:
            inertia = {
                name: inertia_of(X_local, fn.model.cluster_centers_)  # type: ignore[attr-defined]
                for name, fn in contenders.items()
            }

    med = {name: median(t) for name, t in times.items()}
    rows = []
    for where in ("cluster", "threads"):
        o, t = f"ours_{where}", f"daskml_{where}"
        rows.append({
            "n": n, "k": K, "scheduler": "LocalCluster" if where == "cluster" else "threads",
            "ours_s": med[o], "dask_ml_s": med[t], "speedup": med[t] / med[o],
            "inertia_ours/dask_ml": inertia[o] / inertia[t],
            "iters_ours": contenders[o].model.n_iter_,  # type: ignore[attr-defined]
        })
        print(rows[-1], flush=True)
    report(
        "scale_kmeans",
        f"K-means on Dask, {n:,} × 3 RFM-shaped points, k = {K}",
        rows,
        "ours = kmeans_np.KMeans(8, random_state=0); dask_ml = dask_ml.cluster.KMeans("
        "n_clusters=8, random_state=0), defaults otherwise. Median wall time of "
        f"{repeats} interleaved run(s), data persisted beforehand; inertias computed from "
        f"each model's centres. LocalCluster: {cores} single-threaded worker processes.",
    )


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
