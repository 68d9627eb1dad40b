"""K-means: ``kmeans_np.KMeans`` (numba backend) against scikit-learn's ``KMeans``.

Data: RFM-shaped, three features — exponential recency, 1 + Poisson frequency,
lognormal monetary — z-scored.

(a) Fixed initial centres, ``n_init=1``, Lloyd in both: the same work (the answers must
    agree: identical labels and iteration counts), so the ratio is the speed of the
    implementation.
(b) Defaults with ``n_init=10`` and k-means++ in both: what a user gets.

Also reported: the first-call compile time of the numba kernels (cold, and loaded from
the on-disk cache), and (c) the time of one Lloyd iteration against the memory-bandwidth
bound, measured in the same run:

* **bound** = the time a numba kernel with the same chunks and threads takes to read X
  once and do nearly nothing with it (a sum that LLVM may vectorise and reorder, since
  its value is thrown away). Every Lloyd iteration must read X once, so no iteration can
  be faster; at 1M rows × 3 (24 MB) X sits in the L3 cache, so this is the cache's
  bandwidth, not main memory's.
* **previous bound**, kept to compare with older figures: the bytes of X plus the labels
  read and written, over the "bandwidth" of a parallel sum that adds one element at a
  time. That sum is limited by the latency of each addition, not by memory, so it
  understates the bandwidth about fourfold.
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
def _serial_parallel_sum(a):
    """The previous bound's kernel: 64 parts, each summed one addition after the other
    (so each thread waits for every addition: latency-bound, not bandwidth-bound)."""
    n_parts = 64
    part = np.zeros(n_parts)
    step = (a.size + n_parts - 1) // n_parts
    for p in prange(n_parts):
        acc = 0.0
        for i in range(p * step, min(a.size, (p + 1) * step)):
            acc += a[i]
        part[p] = acc
    return part.sum()


def previous_bandwidth(n_bytes: int = 512 * 2**20) -> float:
    """The previous bound's "bandwidth" in bytes/s (all threads), median of 7 passes."""
    a = np.ones(n_bytes // 8)
    times = time_interleaved({"sum": lambda: _serial_parallel_sum(a)}, repeats=7)["sum"]
    return a.nbytes / median(times)


@njit(cache=True, parallel=True, fastmath=True)
def _read_once(xt, chunk):
    """Read every value of xt once, chunk by chunk over all threads (as Lloyd does); the
    sum is only there so the reads are not optimised away (fastmath: any order)."""
    d, n = xt.shape
    nc = (n + chunk - 1) // chunk
    part = np.empty(nc)
    for c in prange(nc):
        acc = 0.0
        for f in range(d):
            row = xt[f, c * chunk : min(n, (c + 1) * chunk)]
            for i in range(row.shape[0]):
                acc += row[i]
        part[c] = acc
    return part.sum()


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


def iteration_and_bound(
    X: np.ndarray, centers: np.ndarray
) -> tuple[float, float, float, float]:
    """Median seconds of one Lloyd pass of our numba engine in two states, of reading X
    once (the bound), all timed interleaved in the same run, and of the pass's arithmetic
    alone.

    * settled: the same centres every pass, so after the first no label changes, as in
      a fit's last passes (every chunk keeps its cluster sums);
    * moving: two sets of centres in turn, 0.05 apart on every feature, so every pass
      changes labels in every chunk, as in a fit's first passes (every chunk adds its
      sums again);
    * settled in cache: the settled pass over a quarter of the rows (7 MB with their
      labels, which stay in the L3 cache from one pass to the next), four times: the
      same work as a settled pass, without waiting for memory. It is the distance
      arithmetic alone, a floor under both passes however well their reads overlap it.
    """
    kernels = load_kernels("kmeans_np.engine_numba")
    engine = kernels.NumbaEngine(X, None)
    other = kernels.NumbaEngine(X, None)  # an engine keeps the sums of one labels array
    settled = np.full(X.shape[0], -1, dtype=np.int32)
    moving = np.full(X.shape[0], -1, dtype=np.int32)
    fixed = np.ascontiguousarray(centers)
    turns = [fixed, np.ascontiguousarray(centers + 0.05)]
    engine.lloyd_step(fixed, settled)

    def move() -> None:
        turns.reverse()
        other.lloyd_step(turns[0], moving)

    move()
    before = moving.copy()
    move()
    chunk_changed = np.add.reduceat(before != moving, np.arange(0, moving.size, kernels.CHUNK))
    assert chunk_changed.all(), "a moving pass must change labels in every chunk"

    times = time_interleaved(
        {
            "settled": lambda: engine.lloyd_step(fixed, settled),
            "moving": move,
            "bound": lambda: _read_once(engine.xt, kernels.CHUNK),
        },
        repeats=31,
    )
    quarter = kernels.NumbaEngine(X[: X.shape[0] // 4], None)
    quarter_labels = np.full(X.shape[0] // 4, -1, dtype=np.int32)
    quarter.lloyd_step(fixed, quarter_labels)

    def settled_in_cache() -> None:
        for _ in range(4):
            quarter.lloyd_step(fixed, quarter_labels)

    in_cache = time_interleaved({"in_cache": settled_in_cache}, repeats=31)["in_cache"]
    return (median(times["settled"]), median(times["moving"]), median(times["bound"]),
            median(in_cache))


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
    bandwidth = previous_bandwidth(64 * 2**20 if quick else 512 * 2**20)
    rows_c = []
    for k in ks:
        init = X[np.random.default_rng(k).choice(n_bw, k, replace=False)]
        it, moving, bound, in_cache = iteration_and_bound(X, init)
        previous = (X.nbytes + 2 * 4 * n_bw) / bandwidth  # data once, labels read + written
        sk = SkKMeans(k, init=init, n_init=1, algorithm="lloyd", max_iter=20, tol=0)
        sk_t = median(time_interleaved({"sk": lambda sk=sk: sk.fit(X)}, repeats=3)["sk"])
        rows_c.append({
            "n": n_bw, "k": k,
            "settled_ms_per_iter": it * 1e3,
            "bound_ms": bound * 1e3,
            "settled/bound": it / bound,
            "moving_ms_per_iter": moving * 1e3,
            "moving/bound": moving / bound,
            "settled_in_cache_ms": in_cache * 1e3,
            "in_cache/bound": in_cache / bound,
            "previous_bound_ms": previous * 1e3,
            "settled/previous_bound": it / previous,
            "sklearn_ms_per_iter": sk_t / sk.n_iter_ * 1e3,
        })
    cold, cached = compile_times()
    report("kmeans_c", "K-means (c): per-iteration time vs memory-bandwidth bound; compile time",
           rows_c,
           "settled = a pass that changes no label (a fit's last passes: each chunk keeps "
           "its cluster sums); moving = a pass that changes labels in every chunk (a "
           "fit's first passes), centres alternating between two sets 0.05 apart. "
           "settled_in_cache = the settled pass with the data already in the cache (a "
           "quarter of the rows, four times): the distance arithmetic a pass cannot skip, "
           "with no wait for memory. "
           "bound = reading X once with all threads, in the same chunks as Lloyd "
           f"({X.nbytes / 1e6:.0f} MB: read from the L3 cache at this size). previous bound "
           f"= (X + labels read and written) / {bandwidth / 1e9:.1f} GB/s, the rate of a "
           "parallel sum that adds one element at a time (latency-bound; kept to compare "
           "with older figures). scikit-learn per iteration = time of a 20-iteration "
           f"fit / 20 (includes its per-fit overhead). First fit in a fresh interpreter "
           f"(import + compile + fit, n=2000): cold cache {cold:.1f} s, warm cache {cached:.2f} s.")
