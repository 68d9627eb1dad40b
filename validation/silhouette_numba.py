"""Exact silhouette in numba: per-point, per-cluster distance sums without an n×n matrix.

Everything the silhouette needs is, for each point ``i`` and each cluster ``c``,

    S[i, c] = sum of ||x_i - x_j|| over the members j of c (j != i),

because ``a_i = S[i, own] / (n_own - 1)`` and ``b_i = min_{c != own} S[i, c] / n_c``.
``S`` has n·k entries, so memory stays O(n·k) however large n is; the n²/2 distances are
computed once each and thrown away.

Design (documented because it is what makes the kernel fast *and* reproducible)
-------------------------------------------------------------------------------
1. **Sort by cluster.** The points are reordered so that each cluster is one contiguous
   run of rows (a stable argsort of the codes; undone when the result is written). The
   coordinates are stored feature-major, ``xt[f, j]``, so that a run of columns is a
   contiguous, vectorisable stretch of memory.
2. **Blocks and tiles.** Rows are cut into blocks (``block_size(n)``: 512 rows, or more
   so that there are at most about 32 blocks). The pair of blocks (I, J), I < J, is a
   *tile*: for every row i of I and column j of J the distance d_ij is computed once and
   added to both ``S[i, label_j]`` and ``S[j, label_i]`` (symmetric accumulation). Tiles
   (I, I) on the diagonal handle the pairs j > i inside a block. Inside a tile the columns
   are swept in chunks of 256 that stay in the L1 cache, and since the points are sorted
   the columns come in runs of one label: the innermost loop is a plain, vectorised sum
   of square roots over contiguous memory (d = 3, the RFM case, is written out). The
   column sums of a chunk go to a small per-tile buffer and are added to S once per row
   run.
3. **Tournament schedule.** The tiles are grouped into rounds by the circle method of a
   round-robin tournament: with m blocks (plus a dummy if m is odd) there are m' - 1
   rounds, and in each round every block plays in exactly one tile. So within a round the
   tiles touch disjoint rows, and ``prange`` over a round's tiles lets each row's sums be
   written by exactly one thread: no locks, no atomics, no per-thread copies of S, no two
   threads writing the same row. A final round does the diagonal tiles.
4. **Reproducibility.** Every row receives its contributions tile by tile in round order,
   and the arithmetic inside a tile is fixed at compile time, so the result is
   bit-identical whatever the number of threads (the tests check 1 vs 2 threads). (The
   vectorised sums are reassociated by the compiler for the CPU's vector width, so two
   *different* CPUs may differ in the last bits; the numpy reference agrees to ~1e-15.)

Extra memory per point: the sorted coordinates (8·d bytes), the permutation (8), the
label codes (8), S (8·k) and the output (8, allocated after the coordinates are freed);
the per-tile buffers are a few KB in all. For the RFM case (d = 3, k = 4) that is about
72 bytes per point.

Nothing here is compiled at import; the first call compiles and caches to disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from kmeans_np.numba_options import PRANGE_ONLY, any_d_flag

__all__ = [
    "CHUNK",
    "MIN_BLOCK",
    "TARGET_BLOCKS",
    "block_size",
    "cluster_sums_numba",
    "silhouette_samples_numba",
    "tournament",
    "warm_up",
]


MIN_BLOCK = 512
TARGET_BLOCKS = 32
#: Columns processed together inside a tile: CHUNK points' coordinates and column sums
#: (8 KB for d = 3) stay in the L1 cache while the rows sweep them.
CHUNK = 256

# Reassociation lets LLVM vectorise the running sums; it is decided at compile time, so the
# summation order is still fixed (and the same for every thread count).
_FASTMATH = {"reassoc", "contract", "nsz"}


def tournament(m: int) -> np.ndarray:
    """Round-robin schedule of the block pairs (I, J), I < J, by the circle method.

    Parameters
    ----------
    m : int
        Number of blocks.

    Returns
    -------
    numpy.ndarray
        int64 array (rounds, pairs_per_round, 2). Each block appears at most once per
        round; every pair I < J appears exactly once overall. Slots paired with the dummy
        block (when m is odd) hold -1.

    Notes
    -----
    Make m even by adding a dummy block m' - 1 if needed. Block m' - 1 stays fixed; in
    round r it meets block r, and for i = 1 .. m'/2 - 1 block (r + i) mod (m' - 1) meets
    block (r - i) mod (m' - 1). Rotating r over m' - 1 rounds pairs everybody once.
    """
    mm = m + (m % 2)
    if mm < 2:
        return np.empty((0, 1, 2), dtype=np.int64)
    rounds = mm - 1
    sched = np.full((rounds, mm // 2, 2), -1, dtype=np.int64)
    for r in range(rounds):
        pairs = [(mm - 1, r)] + [((r + i) % rounds, (r - i) % rounds) for i in range(1, mm // 2)]
        for t, (p, q) in enumerate(pairs):
            if p < m and q < m:
                sched[r, t] = (min(p, q), max(p, q))
    return sched


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _row_vs_run_d3(x0, x1, x2, a0, a1, a2, col):  # pragma: no cover - compiled
    """Sum over j of d((a0, a1, a2), x_j) for a run of columns, also adding each d to col[j].

    The arguments are 1-D contiguous slices (one per feature) so that the loop index starts
    at 0 and LLVM vectorises the loop (square roots 8 at a time with AVX-512).
    """
    acc = 0.0
    for j in range(x0.shape[0]):
        t0 = a0 - x0[j]
        t1 = a1 - x1[j]
        t2 = a2 - x2[j]
        d = np.sqrt(t0 * t0 + t1 * t1 + t2 * t2)
        acc += d
        col[j] += d
    return acc


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _row_vs_run_any(xt, i, lo, hi, col, sq):  # pragma: no cover - compiled
    """Same as ``_row_vs_run_d3`` for any number of features, via a squared-distance buffer."""
    w = hi - lo
    for j in range(w):
        sq[j] = 0.0
    for f in range(xt.shape[0]):
        a = xt[f, i]
        xf = xt[f, lo:hi]
        for j in range(w):
            t = a - xf[j]
            sq[j] += t * t
    acc = 0.0
    for j in range(w):
        d = np.sqrt(sq[j])
        acc += d
        col[j] += d
    return acc


@njit(cache=True, nogil=True)
def _cluster_of(starts, row):  # pragma: no cover - compiled
    """The cluster c with starts[c] <= row < starts[c + 1] (binary search: the last c
    with starts[c] <= row, as ``searchsorted(starts, row, side="right") - 1``)."""
    lo = 0
    hi = starts.shape[0] - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= row:
            lo = mid
        else:
            hi = mid - 1
    return lo


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _tile(xt, starts, rs, re, cs, ce, diag, sums, col, sq, any_d):  # pragma: no cover - compiled
    """Accumulate all pairs (rows [rs, re)) × (columns [cs, ce)) into ``sums``, both ways.

    With ``diag`` the two ranges are the same block and only pairs j > i are taken.
    ``starts[c]`` is the first sorted row of cluster c (``starts[k] = n``). ``any_d`` is
    ``None`` for d = 3 (the written-out code) and ``True`` otherwise: numba knows which
    from the argument's type and compiles only that branch.
    """
    a = _cluster_of(starts, rs)
    r0 = rs
    while r0 < re:
        r1 = min(re, starts[a + 1])
        c = _cluster_of(starts, cs)
        c0 = cs
        while c0 < ce:
            c1 = min(ce, starts[c + 1])
            # Columns in chunks of CHUNK: the chunk (coordinates and its column sums)
            # stays in L1 while every row of the run sweeps it.
            for q0 in range(c0, c1, CHUNK):
                q1 = min(c1, q0 + CHUNK)
                last_row = min(r1, q1 - 1) if diag else r1  # diag: pairs j > i only
                if last_row <= r0:
                    continue
                for j in range(q1 - q0):
                    col[j] = 0.0
                for i in range(r0, last_row):
                    lo = max(q0, i + 1) if diag else q0
                    if lo < q1:
                        part = col[lo - q0 : q1 - q0]
                        if any_d is None:
                            acc = _row_vs_run_d3(xt[0, lo:q1], xt[1, lo:q1], xt[2, lo:q1],
                                                 xt[0, i], xt[1, i], xt[2, i], part)
                        else:
                            acc = _row_vs_run_any(xt, i, lo, q1, part, sq)
                        sums[i, c] += acc
                for j in range(q1 - q0):
                    sums[q0 + j, a] += col[j]
            c0 = c1
            c += 1
        r0 = r1
        a += 1


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def _play_round(xt, starts, pairs, block, diag, sums, col, sq, any_d):  # pragma: no cover
    """Run one round's tiles in parallel; ``pairs[t]`` = (I, J) blocks, -1 = no tile.

    The tiles of a round have disjoint rows, so each row of ``sums`` is written by one
    thread only; slot t uses its own buffers ``col[t]`` and ``sq[t]``.
    """
    n = xt.shape[1]
    for t in prange(pairs.shape[0]):
        bi = pairs[t, 0]
        bj = pairs[t, 1]
        if bi >= 0:
            _tile(xt, starts, bi * block, min(n, (bi + 1) * block), bj * block,
                  min(n, (bj + 1) * block), diag, sums, col[t], sq[t], any_d)


def block_size(n: int) -> int:
    """Rows per block: at least MIN_BLOCK, and few enough blocks (about TARGET_BLOCKS).

    Depends on n only — never on the thread count — so the summation order, and with it
    every bit of the result, is the same on any machine configuration.
    """
    return max(MIN_BLOCK, -(-n // TARGET_BLOCKS))


def cluster_sums_numba(xt: np.ndarray, starts: np.ndarray, block: int | None = None) -> np.ndarray:
    """S[i, c] for points sorted by cluster, ``xt`` feature-major (d, n).

    Plays the tournament's rounds one after the other (one parallel launch each), then the
    diagonal tiles (slots pair blocks (b, b), rows disjoint by construction).
    """
    n = xt.shape[1]
    block = block_size(n) if block is None else block
    m = (n + block - 1) // block
    sums = np.zeros((n, starts.shape[0] - 1))
    sched = tournament(m)
    half = max(1, sched.shape[1])
    col = np.empty((half, CHUNK))
    sq = np.empty((half, CHUNK if xt.shape[0] != 3 else 1))  # only the general-d path uses it
    any_d = any_d_flag(xt.shape[0])
    for pairs in sched:
        _play_round(xt, starts, pairs, block, False, sums, col, sq, any_d)
    diag = np.repeat(np.arange(m, dtype=np.int64), 2).reshape(m, 2)
    for lo in range(0, m, half):
        _play_round(xt, starts, diag[lo : lo + half], block, True, sums, col, sq, any_d)
    return sums


@njit(cache=True, nogil=True)
def _finish(sums, starts, order, out):  # pragma: no cover - compiled
    """s_i = (b_i - a_i) / max(a_i, b_i) from the sums, written back in the caller's order.

    Serial on purpose: it is O(n·k), and a parallel scatter into ``out`` would have threads
    writing into one shared array.
    """
    k = starts.shape[0] - 1
    for c in range(k):
        size = starts[c + 1] - starts[c]
        for p in range(starts[c], starts[c + 1]):
            if size == 1:
                out[order[p]] = 0.0  # a point alone in its cluster scores 0 (Rousseeuw)
                continue
            a = sums[p, c] / (size - 1)
            b = np.inf
            for o in range(k):
                if o != c:
                    v = sums[p, o] / (starts[o + 1] - starts[o])
                    if v < b:
                        b = v
            den = max(a, b)
            out[order[p]] = 0.0 if den == 0.0 else (b - a) / den


def silhouette_samples_numba(X: np.ndarray, codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Silhouette of every point; ``X`` float64 (n, d), ``codes`` in 0..k-1, ``counts`` (k,).

    Inputs are assumed checked (see ``validation.silhouette.silhouette_samples``).
    """
    order = np.argsort(codes, kind="stable")
    xt = np.ascontiguousarray(np.take(X.T, order, axis=1))  # (d, n), sorted by cluster
    starts = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    sums = cluster_sums_numba(xt, starts)
    del xt
    out = np.empty(X.shape[0])
    _finish(sums, starts, order, out)
    return out


def warm_up() -> None:
    """Compile the kernels for three features (the RFM case) on a few points.

    Run in a separate process on a first run (:func:`kmeans_np.jit.compile_ahead`): the
    kernels' argument types do not depend on the data's size or labels, so these calls
    compile exactly what a run on three features then loads from the cache.
    """
    codes = np.arange(64) % 2
    X = np.random.default_rng(0).random((64, 3))
    silhouette_samples_numba(X, codes, np.bincount(codes))
