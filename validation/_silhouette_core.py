"""The silhouette's computation: distance sums (numpy reference; numba twin in
:mod:`validation.silhouette_numba`), the ratio, and stratified samples. Shared by
:func:`validation.silhouette_samples` / :func:`validation.silhouette_score` and their
Dask twin (neither imports the other's module).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kmeans_np.checks import is_integer, resolve_backend
from kmeans_np.jit import load_kernels
from validation.labels import EncodedLabels, encode_labels

__all__ = [
    "NUMBA_FROM_SAMPLES",
    "auto_backend",
    "check_sample_size",
    "cluster_distance_sums",
    "sample_silhouette",
    "silhouette_from_sums",
    "silhouette_of",
    "silhouette_ratio",
    "silhouette_score_checked",
    "stratified_ranks",
    "stratified_sample",
    "unit_spread",
]


#: Largest number of distances the numpy reference holds at once (block rows × n).
_MAX_BLOCK_CELLS = 1 << 22
#: Rows the silhouette is taken from S at a time (its temporaries: a few times this × k)
_FINISH_ROWS = 1 << 13


#: ``backend="auto"`` computes the silhouette with numpy below this many points: a small
#: run then compiles no kernel, and the O(n²) blocks still take milliseconds there
NUMBA_FROM_SAMPLES = 2_000


def unit_spread(X: np.ndarray) -> np.ndarray:
    """``X`` times the power of two that brings its widest column spread into [1, 2),
    except where that spread is at least 1 and the squares of d features cannot
    overflow: then ``X`` itself.

    With ``h`` the largest column half-spread ``max_j/2 - min_j/2`` (halved so that it
    cannot overflow) and ``h = m · 2^e`` (``m`` in [0.5, 1)), the result is ``X · 2^-e``:
    every column spread is then in [0, 2), so no squared difference overflows, and small
    differences grow away from underflow. Multiplying by a power of two only changes
    exponents, so differences, squares, square roots and the ratios of the silhouette
    come out as the exact computation's, scaled. Scaling *down* has one cost: a
    difference about 2^1000 times smaller than the widest spread then squares to 0 (a
    column 1e300 times narrower than another would no longer count). So data with
    ``0 <= e <= (1020 - bits(d)) / 2`` (509 for 2 or 3 features), where ``bits(d)`` is
    the bit length of the number of features d (``d.bit_length()``: 2 for d = 2 or 3, so
    ``d < 2^bits(d)``), are used as they are (and not copied): every spread is then below
    2^(e+1), each square below 2^(2e+2), and the sum of d squares below
    2^(bits(d)+2e+2) <= 2^1022.
    """
    half = X.max(axis=0) * 0.5 - X.min(axis=0) * 0.5
    widest = float(half.max()) if half.size else 0.0
    if widest == 0.0:
        return X
    exponent = int(np.frexp(widest)[1])  # half-spread in [2^(e-1), 2^e): spread < 2^(e+1)
    if 0 <= exponent <= (1020 - X.shape[1].bit_length()) // 2:
        return X
    return np.ldexp(X, -exponent)


def cluster_distance_sums(X: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """S[i, c] = sum of d(x_i, x_j) over the points j of cluster c — numpy reference.

    Parameters
    ----------
    X : numpy.ndarray
        float64 (n, d), already checked.
    codes : numpy.ndarray
        int (n,), labels as 0..k-1.
    k : int
        Number of clusters.

    Returns
    -------
    numpy.ndarray
        float64 (n, k). The own-cluster sum includes d(i, i) = 0, so it is the sum over the
        *other* members.
    """
    n = X.shape[0]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), codes] = 1.0
    sums = np.empty((n, k))
    step = max(1, _MAX_BLOCK_CELLS // n)
    for lo in range(0, n, step):
        block = X[lo : lo + step]
        sq = np.zeros((block.shape[0], n))
        for f in range(X.shape[1]):  # one feature at a time: block × n memory, not × d
            sq += (block[:, f, None] - X[None, :, f]) ** 2
        sums[lo : lo + step] = np.sqrt(sq) @ onehot
    return sums


def silhouette_from_sums(sums: np.ndarray, codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """s_i from the per-cluster distance sums (vectorised, readable).

    ``a_i = S[i, own] / (n_own - 1)``, ``b_i = min_{c != own} S[i, c] / n_c``,
    ``s_i = (b_i - a_i) / max(a_i, b_i)``; singletons and 0/0 give 0. Taken
    ``_FINISH_ROWS`` rows at a time, so that its temporaries stay small beside S.
    """
    n = sums.shape[0]
    s = np.empty(n)
    for lo in range(0, n, _FINISH_ROWS):
        part, own = sums[lo : lo + _FINISH_ROWS], codes[lo : lo + _FINISH_ROWS]
        rows = np.arange(part.shape[0])
        own_size = counts[own]
        means = part / counts  # mean distance to each cluster (own one still biased by /n_own)
        a = part[rows, own] / np.maximum(own_size - 1, 1)
        means[rows, own] = np.inf  # exclude the own cluster from the minimum
        ratio = silhouette_ratio(a, means.min(axis=1))
        ratio[own_size == 1] = 0.0
        s[lo : lo + _FINISH_ROWS] = ratio
    return s


def silhouette_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(b - a) / max(a, b)`` elementwise, with 0 where ``a = b = 0`` (as scikit-learn)."""
    den = np.maximum(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, (b - a) / den, 0.0)


def auto_backend(backend: str, n: int) -> str:
    """``"auto"`` is numpy below ``NUMBA_FROM_SAMPLES`` points (no kernel to compile)."""
    return resolve_backend(backend, n=n, numba_from=NUMBA_FROM_SAMPLES)


def silhouette_of(arr: np.ndarray, enc: EncodedLabels, backend: str) -> np.ndarray:
    """Silhouette of checked data and encoded labels with a resolved backend (on the data
    rescaled by :func:`unit_spread`, so that no square overflows)."""
    scaled = unit_spread(arr)
    if backend == "numpy":
        sums = cluster_distance_sums(scaled, enc.codes, len(enc.counts))
        return silhouette_from_sums(sums, enc.codes, enc.counts)
    kernels = load_kernels("validation.silhouette_numba")
    sums, order = kernels.sorted_cluster_distance_sums(scaled, enc.codes, enc.counts)
    del scaled  # memory: S and the n silhouettes from here on
    s = np.empty(arr.shape[0])
    s[order] = silhouette_from_sums(sums, enc.codes[order], enc.counts)
    return s


def _allocate(counts: np.ndarray, sample_size: int) -> np.ndarray:
    """Per-cluster sample sizes: proportional (largest remainder), at least 2 where possible.

    Each cluster first gets its floor share ``floor(sample_size * n_c / n)``, raised to a
    minimum of ``min(n_c, 2)`` (or 1 each if the sample is too small for 2 each); the
    points still missing go to the clusters with the largest remainders (never beyond
    n_c), and any excess caused by the minimums is taken back from the largest allocations.
    """
    n = counts.sum()
    if sample_size <= len(counts):
        raise ValueError(
            f"sample_size={sample_size} is too small for a sample stratified over "
            f"{len(counts)} clusters: it takes one point from each, and the silhouette "
            f"needs a cluster with two, so at least {len(counts) + 1}. Increase "
            "sample_size or pass stratify=False."
        )
    floor_min = np.minimum(counts, 2)
    if floor_min.sum() > sample_size:
        floor_min = np.minimum(counts, 1)
    exact = sample_size * counts / n
    alloc = np.maximum(np.floor(exact).astype(np.int64), floor_min)
    remainder = exact - np.floor(exact)
    while alloc.sum() < sample_size:  # hand out the rest by largest remainder
        room = alloc < counts
        i = int(np.argmax(np.where(room, remainder, -np.inf)))
        alloc[i] += 1
        remainder[i] = -1.0
        if not room.any():  # pragma: no cover - sample_size <= n guarantees room
            break
    while alloc.sum() > sample_size:  # the minimums overshot: trim the largest
        i = int(np.argmax(np.where(alloc > floor_min, alloc, -1)))
        alloc[i] -= 1
    return alloc


def stratified_sample(
    codes: np.ndarray, counts: np.ndarray, sample_size: int, rng: np.random.Generator
) -> np.ndarray:
    """Row indices of a sample stratified by cluster (see ``_allocate``), sorted."""
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    ranks = stratified_ranks(counts, sample_size, rng)
    return np.sort(np.concatenate([order[starts[c] + r] for c, r in enumerate(ranks)]))


def stratified_ranks(
    counts: np.ndarray, sample_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """For each cluster c, which of its members (by rank in row order) the stratified
    sample takes: ``alloc[c]`` distinct ranks in ``0..counts[c] - 1``."""
    alloc = _allocate(counts, sample_size)
    return [
        rng.choice(int(counts[c]), size=int(alloc[c]), replace=False) for c in range(len(counts))
    ]


def check_sample_size(sample_size: Any, n: int) -> None:
    """``sample_size`` must be an int in 2..n."""
    if not is_integer(sample_size):
        raise TypeError(f"sample_size must be an int or None, got {sample_size!r}.")
    if not 2 <= sample_size <= n:
        raise ValueError(
            f"sample_size must be between 2 and the number of rows ({n}), got "
            f"{sample_size}; use sample_size=None for the exact score on all rows."
        )


def sample_silhouette(rows: np.ndarray, codes: np.ndarray, backend: str) -> float:
    """Mean silhouette of the sampled rows (in row order) and their cluster codes."""
    sample = encode_labels(codes)
    k = len(sample.counts)
    if k < 2 or k > len(codes) - 1:
        raise ValueError(
            f"the sample of {len(codes)} rows holds {k} cluster(s); the "
            "silhouette needs 2 <= clusters <= sample size - 1. Increase sample_size, "
            "or draw a sample stratified by cluster (stratify=True) of more rows than "
            "there are clusters."
        )
    return float(np.mean(silhouette_of(rows, sample, auto_backend(backend, len(codes)))))


def silhouette_score_checked(
    arr: np.ndarray,
    enc: EncodedLabels,
    backend: str,
    sample_size: int | None = None,
    stratify: bool = True,
    rng: np.random.Generator | None = None,
) -> float:
    """:func:`silhouette_score` of checked data, encoded labels, a checked backend name
    (``"auto"`` is resolved by the size scored) and (with ``sample_size``, checked to lie
    in 2..n) a Generator."""
    if sample_size is None or rng is None:
        return float(np.mean(silhouette_of(arr, enc, auto_backend(backend, arr.shape[0]))))
    n = arr.shape[0]
    if stratify:
        idx = stratified_sample(enc.codes, enc.counts, int(sample_size), rng)
    else:
        idx = np.sort(rng.choice(n, size=int(sample_size), replace=False))
    return sample_silhouette(arr[idx], enc.codes[idx], backend)
