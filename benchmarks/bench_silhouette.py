"""Exact silhouette: ``validation.silhouette_score`` (numba) against scikit-learn's.

Data: RFM-shaped, three z-scored features (the K-means benchmark's generator), labelled by
``kmeans_np.KMeans(4, random_state=0)``. Both compute the exact score on every point.

Reported per n: median wall times of interleaved runs, their ratio (targets: <= 0.1 at
20k and 50k), the difference of the two scores, and the extra peak memory of one call of
each, measured in a fresh child process (target for ours: <= 100 bytes per point). Ours
alone at 200k (target: <= 30 s).

The memory probes run with ``MALLOC_MMAP_THRESHOLD_=65536`` (set by the shared runner):
without it the measured call reuses heap memory the warm-up call left resident and its
peak looks smaller than it is (for ours about 40 instead of about 75 bytes per point at
50k).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._runner import measure_peak_in_child, median, report, time_interleaved
from benchmarks.bench_kmeans import rfm_shaped


@functools.cache
def labelled(n: int, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """RFM-shaped data and its K-means labels (made and fitted once per size)."""
    from kmeans_np import KMeans

    X = rfm_shaped(n)
    return X, KMeans(k, random_state=0).fit(X).labels_


def case_ours(n: int) -> Callable[[], Any]:
    """Zero-argument call of our exact silhouette on n points (for the memory probe)."""
    from validation import silhouette_score

    X, labels = labelled(n)
    return lambda: silhouette_score(X, labels, backend="numba")


def case_sklearn(n: int) -> Callable[[], Any]:
    """Zero-argument call of scikit-learn's exact silhouette on n points."""
    from sklearn.metrics import silhouette_score

    X, labels = labelled(n)
    return lambda: silhouette_score(X, labels)


def peak(case: str, n: int) -> int:
    """Extra peak bytes of one call of ``case`` (``"ours"`` or ``"sklearn"``) on n points."""
    return measure_peak_in_child(f"benchmarks.bench_silhouette:case_{case}", {"n": n})


def race(
    calls: dict[str, Callable[[], float]], repeats: int
) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Interleaved timing of score functions; returns (last score of each, wall times)."""
    scores: dict[str, float] = {}

    def keep(name: str) -> Callable[[], None]:
        return lambda: scores.__setitem__(name, calls[name]())

    times = time_interleaved({name: keep(name) for name in calls}, repeats=repeats)
    return scores, times


def main(quick: bool = False) -> None:
    sizes = (1_000, 2_000, 4_000) if quick else (5_000, 20_000, 50_000)
    alone = 10_000 if quick else 200_000
    rows = []
    for n in sizes:
        scores, times = race(
            {"ours": case_ours(n), "sklearn": case_sklearn(n)},
            repeats=2 if quick else (3 if n >= 50_000 else 5),
        )
        t_ours, t_sk = median(times["ours"]), median(times["sklearn"])
        mem_ours, mem_sk = peak("ours", n), peak("sklearn", n)
        rows.append({
            "n": n, "ours_s": t_ours, "sklearn_s": t_sk, "ratio": t_ours / t_sk,
            "score_diff": abs(scores["ours"] - scores["sklearn"]),
            "ours_B/pt": mem_ours / n, "sklearn_MB": mem_sk / 2**20,
        })
        print(rows[-1], flush=True)
    ours = case_ours(alone)
    t_alone = median(time_interleaved({"ours": ours}, repeats=2 if quick else 3)["ours"])
    mem = peak("ours", alone)
    rows.append({
        "n": alone, "ours_s": t_alone, "sklearn_s": "—", "ratio": "—", "score_diff": "—",
        "ours_B/pt": mem / alone, "sklearn_MB": "—",
    })
    print(rows[-1], flush=True)
    report(
        "silhouette",
        "Exact silhouette: validation (numba) vs scikit-learn",
        rows,
        "RFM-shaped data (3 z-scored features), k = 4 labels from kmeans_np.KMeans. Median "
        "wall time of interleaved runs; ratio = ours / scikit-learn; memory = extra peak RSS "
        "of one call in a fresh process (ours per point, scikit-learn in MiB).",
    )
