"""K-means: ``kmeans_np.KMeans`` (numba backend) against scikit-learn's ``KMeans``.

Data: RFM-shaped, three features — exponential recency, 1 + Poisson frequency,
lognormal monetary — z-scored.

(a) Fixed initial centres, ``n_init=1``, Lloyd in both: the same work (the answers must
    agree: identical labels and iteration counts), so the ratio is the speed of the
    implementation.
(b) Defaults with ``n_init=10`` and k-means++ in both: what a user gets.

Also reported: the first-call compile time of the numba kernels (cold, and loaded from
the on-disk cache), and the time of one Lloyd iteration against a memory-bandwidth bound
(the bytes one iteration must move — the data once, the labels read and written — over
the machine's measured streaming-read bandwidth).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from numba import njit, prange

from benchmarks._runner import median, report, time_interleaved
from kmeans_np.jit import load_kernels


def rfm_shaped(n: int, seed: int = 0) -> np.ndarray:
    """n customers: exponential recency, 1 + Poisson frequency, lognormal monetary, z-scored."""
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [rng.exponential(90.0, n), 1.0 + rng.poisson(4.0, n), rng.lognormal(6.0, 1.0, n)]
    )
    return (X - X.mean(axis=0)) / X.std(axis=0)


@njit(cache=True, parallel=True)
def _parallel_sum(a):
    n_parts = 64
    part = np.zeros(n_parts)
    step = (a.size + n_parts - 1) // n_parts
    for p in prange(n_parts):
        acc = 0.0
        for i in range(p * step, min(a.size, (p + 1) * step)):
            acc += a[i]
        part[p] = acc
    return part.sum()


def read_bandwidth(n_bytes: int = 512 * 2**20) -> float:
    """Streaming-read bandwidth in bytes/s (all threads), median of 7 passes."""
    a = np.ones(n_bytes // 8)
    times = time_interleaved({"sum": lambda: _parallel_sum(a)}, repeats=7)["sum"]
    return a.nbytes / median(times)


def compile_times() -> tuple[float, float]:
    """(cold, cached) seconds of a first small fit in a fresh interpreter."""
    code = (
        "import time, numpy as np; t = time.perf_counter();"
        "from kmeans_np import KMeans;"
        "X = np.random.default_rng(0).normal(size=(2000, 3));"
        "KMeans(4, random_state=0, backend='numba').fit(X).predict(X);"
        "print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        runs = [
            float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                 capture_output=True, text=True).stdout)
            for _ in range(2)
        ]
    return runs[0], runs[1]


def per_iteration_time(X: np.ndarray, centers: np.ndarray) -> float:
    """Median seconds of one fused Lloyd step of our numba engine."""
    kernels = load_kernels("kmeans_np.engine_numba")
    NumbaEngine = kernels.NumbaEngine

    engine = NumbaEngine(X, None)
    labels = np.full(X.shape[0], -1, dtype=np.int32)
    step = lambda: kernels.lloyd_step(engine.xt, np.empty(0), centers, labels, False)  # noqa: E731
    return median(time_interleaved({"step": step}, repeats=15)["step"])


def race(ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int):
    """Time two fits interleaved; return (our model, theirs, our median s, their median s)."""
    fitted: dict[str, Any] = {}
    times = time_interleaved(
        {
            "ours": lambda: fitted.__setitem__("ours", ours()),
            "theirs": lambda: fitted.__setitem__("theirs", theirs()),
        },
        repeats=repeats,
    )
    return fitted["ours"], fitted["theirs"], median(times["ours"]), median(times["theirs"])


def main(quick: bool = False) -> None:
    from sklearn.cluster import KMeans as SkKMeans

    from kmeans_np import KMeans

    sizes = (20_000, 50_000) if quick else (20_000, 200_000, 1_000_000, 5_000_000)
    ks = (4, 8)
    rows_a, rows_b = [], []
    for n in sizes:
        X = rfm_shaped(n)
        repeats = 2 if quick else (3 if n >= 1_000_000 else 5)
        for k in ks:
            init = X[np.random.default_rng(k).choice(n, k, replace=False)]
            ours, sk, t_ours, t_sk = race(
                partial(KMeans(k, init=init, backend="numba").fit, X),
                partial(SkKMeans(k, init=init, n_init=1, algorithm="lloyd").fit, X),
                repeats,
            )
            rel = np.abs(ours.cluster_centers_ - sk.cluster_centers_).max() / np.abs(
                sk.cluster_centers_
            ).max()
            rows_a.append({
                "n": n, "k": k, "ours_s": t_ours, "sklearn_s": t_sk, "ratio": t_ours / t_sk,
                "iters": f"{ours.n_iter_}/{sk.n_iter_}",
                "same_labels": bool(np.array_equal(ours.labels_, sk.labels_)),
                "centre_rel_diff": float(rel),
            })
            ours, sk, t_ours, t_sk = race(
                partial(KMeans(k, n_init=10, random_state=0, backend="numba").fit, X),
                partial(SkKMeans(k, n_init=10, random_state=0).fit, X),
                2 if n >= 5_000_000 else repeats,
            )
            rows_b.append({
                "n": n, "k": k, "ours_s": t_ours, "sklearn_s": t_sk, "ratio": t_ours / t_sk,
                "inertia_ours/sklearn": ours.inertia_ / sk.inertia_,
            })
            print(rows_a[-1], rows_b[-1], flush=True)

    report("kmeans_a", "K-means (a): fixed initial centres, n_init=1, Lloyd", rows_a,
           "ours = kmeans_np.KMeans(backend='numba'); sklearn = KMeans(algorithm='lloyd'). "
           "Median wall time of interleaved runs; iters = ours/sklearn.")
    report("kmeans_b", "K-means (b): defaults, k-means++, n_init=10", rows_b,
           "Both with random_state=0 (different generators, so different starts); the last "
           "column compares the inertia reached.")

    n_bw = 50_000 if quick else 1_000_000
    X = rfm_shaped(n_bw)
    bandwidth = read_bandwidth(64 * 2**20 if quick else 512 * 2**20)
    rows_c = []
    for k in ks:
        init = X[np.random.default_rng(k).choice(n_bw, k, replace=False)]
        it = per_iteration_time(X, init)
        bytes_moved = X.nbytes + 2 * 4 * n_bw  # data once, labels read + written
        sk = SkKMeans(k, init=init, n_init=1, algorithm="lloyd", max_iter=20, tol=0)
        sk_t = median(time_interleaved({"sk": lambda sk=sk: sk.fit(X)}, repeats=3)["sk"])
        rows_c.append({
            "n": n_bw, "k": k,
            "ours_ms_per_iter": it * 1e3,
            "bound_ms": bytes_moved / bandwidth * 1e3,
            "ours/bound": it / (bytes_moved / bandwidth),
            "sklearn_ms_per_iter": sk_t / sk.n_iter_ * 1e3,
        })
    cold, cached = compile_times()
    report("kmeans_c", "K-means (c): per-iteration time vs memory-bandwidth bound; compile time",
           rows_c,
           f"Streaming-read bandwidth {bandwidth / 1e9:.1f} GB/s (numba parallel sum of "
           f"{'64' if quick else '512'} MB). scikit-learn per iteration = time of a 20-iteration "
           f"fit / 20 (includes its per-fit overhead). First fit in a fresh interpreter "
           f"(import + compile + fit, n=2000): cold cache {cold:.1f} s, warm cache {cached:.2f} s.")
