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
   and the arithmetic inside a tile is written out in a fixed order, eight columns at a
   time in eight running sums (:func:`_distance_lanes_d3`, :func:`_eight_lane_sum`), with
   no fast-math flag that would let the compiler reorder it. So the result is the same
   bits whatever the number of threads, on the one-thread twin, compiled in this process
   or loaded from the cache (all tested), and on any processor with IEEE arithmetic.
   (With fast-math ``reassoc`` a kernel compiled in the run's process and the same
   kernel loaded from the cache used to differ in the last bits, because numba
   optimises a function once on its own and again where it is linked into a caller.)
   The numpy reference adds in another order and agrees to ~1e-15.
5. **One thread for small data.** Up to ``ONE_THREAD_UP_TO`` points the rounds run on the
   one-thread twin of the round kernel (``kmeans_np.numba_options.one_thread_twin``):
   the same tiles in the same order, so the same bits. Compiling it takes about 0.35 s
   less CPU than the threaded kernel (numba's parallel lowering of the loop), which a
   first run on a busy machine feels; running it costs 5 ms more on 10,000 points and
   23 ms more on 20,000 (2 cores); above that the threads pay for themselves. The sizes
   a run will take are known before numba loads (``validation.silhouette_sizes``), so
   a first run's side process compiles only the kernels they need. The helpers of a
   round are inlined into it (``inline="always"``): none is compiled on its own.
6. **The silhouette itself** is taken from S, still in sorted order, by the numpy twin's
   own vectorised code (``silhouette_from_sums``), and the n values are then put back in
   the caller's order: it is O(n·k), and a kernel for it was one more function to
   compile.

Extra memory per point, at its peak while the kernel runs: the sorted coordinates (8·d
bytes), the permutation (8) and S (8·k), and for data that are rescaled by a power of two
(a widest spread below 1, or too wide to square; see ``validation.silhouette``) that
copy (8·d); the per-tile
buffers are a few KB in all. The sorted coordinates (and the copy) are freed before the
silhouette is taken from S, which then needs the sorted label codes and the silhouettes
(8 each, sorted and in the caller's order). For d = 3 and k = 4 the silhouette
benchmark's probe measures 71–72 bytes per point at 50,000–200,000 points (79–95 at
20,000, where its reading varies from run to run).

Nothing here is compiled at import; the first call compiles and caches to disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, prange
from numba.core import cgutils, types
from numba.extending import intrinsic

from kmeans_np.numba_options import PRANGE_ONLY, any_d_flag, one_thread_twin
from validation.silhouette_sizes import ONE_THREAD_UP_TO, round_kernels

__all__ = [
    "CHUNK",
    "MIN_BLOCK",
    "ONE_THREAD_UP_TO",
    "TARGET_BLOCKS",
    "block_size",
    "cluster_sums_numba",
    "sorted_cluster_distance_sums",
    "tournament",
    "warm_up",
]


MIN_BLOCK = 512
TARGET_BLOCKS = 32
#: Columns processed together inside a tile: CHUNK points' coordinates and column sums
#: (8 KB for d = 3) stay in the L1 cache while the rows sweep them.
CHUNK = 256



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


#: eight float64 lanes: the running sums of the written-out loops below
_LANES = ir.VectorType(ir.DoubleType(), 8)


def _lanes_at(builder: ir.IRBuilder, data: ir.Value, j: ir.Value) -> ir.Value:
    """Pointer to the eight doubles data[j : j + 8], as one vector."""
    return builder.bitcast(builder.gep(data, [j], inbounds=True), _LANES.as_pointer())


def _sum_in_lanes(
    context: Any,
    builder: ir.IRBuilder,
    stop: ir.Value,
    stop_type: types.Integer,
    step: Callable[[ir.Value], ir.Value],
) -> ir.Value:
    """Emit ``Σ step(j)`` over j = 0, 8, …, stop − 8, where ``step(j)`` emits the eight
    values of columns j … j + 7 as one vector: lane q adds column j + q to its running
    sum, in order, and the eight sums are added as ((s0 + s1) + (s2 + s3)) +
    ((s4 + s5) + (s6 + s7)). Returns the total as a double."""
    intp = context.get_value_type(types.intp)
    stop = context.cast(builder, stop, stop_type, types.intp)
    total = cgutils.alloca_once_value(builder, ir.Constant(_LANES, [0.0] * 8))
    with cgutils.for_range_slice(builder, ir.Constant(intp, 0), stop, ir.Constant(intp, 8),
                                 intp) as (j, _):  # fmt: skip
        builder.store(builder.fadd(builder.load(total), step(j)), total)
    sums = builder.load(total)
    lane = [builder.extract_element(sums, ir.Constant(ir.IntType(32), q)) for q in range(8)]
    pairs = [builder.fadd(lane[q], lane[q + 1]) for q in range(0, 8, 2)]
    return builder.fadd(builder.fadd(pairs[0], pairs[1]), builder.fadd(pairs[2], pairs[3]))


def _is_float_vector(kind: types.Type) -> bool:
    return (isinstance(kind, types.Array) and kind.ndim == 1 and kind.layout == "C"
            and kind.dtype == types.float64)  # fmt: skip


@intrinsic
def _eight_lane_sum(typingctx, values, stop):  # pragma: no cover - compiled
    """Σ values[0 : stop] for stop a multiple of 8, in eight running sums: value j goes
    into sum j mod 8, in order, and the sums are added as
    ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)).

    Written out in LLVM's vector instructions (eight lanes of one vector addition per
    step) rather than left to the compiler: a sum in one running total cannot be
    vectorised unless the compiler may reorder it (fast-math ``reassoc``), and then it
    is free to reorder it differently each time it optimises the code. numba optimises
    a function once in its own module and again wherever it is linked into a caller,
    so a threaded kernel compiled in the run's process and the same kernel loaded from
    the cache added the same numbers in different orders (last bits apart). Every step
    here is an IEEE addition in a fixed place, so the sum is the same bits however
    often it is optimised, on every processor (one with narrower vectors runs each step
    as two or four of its own additions, lane by lane).

    Parameters
    ----------
    values : 1-D C-contiguous float64 array
    stop : integer
        A multiple of 8, at most ``len(values)``; nothing is checked when it runs.
    """
    if not (_is_float_vector(values) and isinstance(stop, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, value=args[0]).data
        return _sum_in_lanes(context, builder, args[1], signature.args[1],
                             lambda j: builder.load(_lanes_at(builder, data, j), align=8))

    return types.float64(values, stop), codegen


@intrinsic
def _distance_lanes_d3(typingctx, x0, x1, x2, a0, a1, a2, col, stop):  # pragma: no cover
    """Σ_j d_j over columns j < stop (a multiple of 8), d_j = ‖a − x_j‖ for d = 3, also
    adding d_j to col[j]: eight columns per step, summed as :func:`_eight_lane_sum` sums.

    Each lane computes its own column's ((a0 − x0)² + (a1 − x1)²) + (a2 − x2)² and its
    square root with IEEE operations, as the scalar code does, so nothing depends on how
    often or where the compiler optimises it (see :func:`_eight_lane_sum`)."""
    if not (
        all(_is_float_vector(kind) for kind in (x0, x1, x2, col)) and col.mutable
        and all(v == types.float64 for v in (a0, a1, a2)) and isinstance(stop, types.Integer)
    ):  # fmt: skip
        return None

    def codegen(context, builder, signature, args):
        kinds = signature.args
        x = [context.make_array(kinds[f])(context, builder, value=args[f]).data for f in range(3)]
        out = context.make_array(kinds[6])(context, builder, value=args[6]).data
        point = []
        for f in range(3):  # the row's coordinate in all eight lanes
            vec = ir.Constant(_LANES, ir.Undefined)
            for q in range(8):
                vec = builder.insert_element(vec, args[3 + f], ir.Constant(ir.IntType(32), q))
            point.append(vec)
        sqrt = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_LANES, [_LANES]),
                                              "llvm.sqrt.v8f64")  # fmt: skip

        def step(j):
            t = [builder.fsub(point[f], builder.load(_lanes_at(builder, x[f], j), align=8))
                 for f in range(3)]  # fmt: skip
            sq = builder.fadd(builder.fadd(builder.fmul(t[0], t[0]), builder.fmul(t[1], t[1])),
                              builder.fmul(t[2], t[2]))  # fmt: skip
            dist = builder.call(sqrt, [sq])
            at = _lanes_at(builder, out, j)
            builder.store(builder.fadd(builder.load(at, align=8), dist), at, align=8)
            return dist

        return _sum_in_lanes(context, builder, args[7], kinds[7], step)

    return types.float64(x0, x1, x2, a0, a1, a2, col, stop), codegen


@njit(cache=True, nogil=True, inline="always")
def _ordered_sum(values, w):  # pragma: no cover - compiled
    """Σ values[0 : w]: the first multiple of 8 in eight lanes (:func:`_eight_lane_sum`),
    then the rest one by one, in order."""
    head = w - w % 8
    total = _eight_lane_sum(values, head)
    for j in range(head, w):
        total += values[j]
    return total


@njit(cache=True, nogil=True, inline="always")
def _row_vs_run_d3(x0, x1, x2, a0, a1, a2, col):  # pragma: no cover - compiled
    """Sum over j of d((a0, a1, a2), x_j) for a run of columns, also adding each d to col[j].

    The arguments are 1-D contiguous slices (one per feature). Eight columns at a time
    in :func:`_distance_lanes_d3`, then the rest one by one, in order.
    """
    w = x0.shape[0]
    head = w - w % 8
    acc = _distance_lanes_d3(x0, x1, x2, a0, a1, a2, col, head)
    for j in range(head, w):
        t0 = a0 - x0[j]
        t1 = a1 - x1[j]
        t2 = a2 - x2[j]
        d = np.sqrt(t0 * t0 + t1 * t1 + t2 * t2)
        acc += d
        col[j] += d
    return acc


@njit(cache=True, nogil=True, inline="always")
def _row_vs_run_any(xt, i, lo, hi, col, dist):  # pragma: no cover - compiled
    """Same as ``_row_vs_run_d3`` for any number of features: the squares are summed
    feature by feature in ``dist``, which then holds the distances."""
    w = hi - lo
    for j in range(w):
        dist[j] = 0.0
    for f in range(xt.shape[0]):
        a = xt[f, i]
        xf = xt[f, lo:hi]
        for j in range(w):
            t = a - xf[j]
            dist[j] += t * t
    for j in range(w):
        d = np.sqrt(dist[j])
        dist[j] = d
        col[j] += d
    return _ordered_sum(dist, w)


@njit(cache=True, nogil=True, inline="always")
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


@njit(cache=True, nogil=True, inline="always")
def _tile(xt, starts, rs, re, cs, ce, diag, sums, col, dist, any_d):  # pragma: no cover - compiled
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
                            acc = _row_vs_run_any(xt, i, lo, q1, part, dist)
                        sums[i, c] += acc
                for j in range(q1 - q0):
                    sums[q0 + j, a] += col[j]
            c0 = c1
            c += 1
        r0 = r1
        a += 1


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def _play_round(xt, starts, pairs, block, diag, sums, col, dist, any_d):  # pragma: no cover
    """Run one round's tiles in parallel (its one-thread twin: one after the other);
    ``pairs[t]`` = (I, J) blocks, -1 = no tile.

    The tiles of a round have disjoint rows, so each row of ``sums`` is written by one
    thread only; slot t uses its own buffers ``col[t]`` and ``dist[t]``.
    """
    n = xt.shape[1]
    for t in prange(pairs.shape[0]):
        bi = pairs[t, 0]
        bj = pairs[t, 1]
        if bi >= 0:
            _tile(xt, starts, bi * block, min(n, (bi + 1) * block), bj * block,
                  min(n, (bj + 1) * block), diag, sums, col[t], dist[t], any_d)


_play_round_one_thread = one_thread_twin(_play_round)


def block_size(n: int) -> int:
    """Rows per block: at least MIN_BLOCK, and few enough blocks (about TARGET_BLOCKS).

    Depends on n only — never on the thread count — so the summation order, and with it
    every bit of the result, is the same on any machine configuration.
    """
    return max(MIN_BLOCK, -(-n // TARGET_BLOCKS))


def cluster_sums_numba(
    xt: np.ndarray, starts: np.ndarray, block: int | None = None, one_thread: bool | None = None
) -> np.ndarray:
    """S[i, c] for points sorted by cluster, ``xt`` feature-major (d, n).

    Plays the tournament's rounds one after the other (on threads, one parallel launch
    each), then the diagonal tiles (slots pair blocks (b, b), rows disjoint by
    construction). ``one_thread``: run the rounds on the one-thread twin (``None``: up to
    ``ONE_THREAD_UP_TO`` points). Either way the result is the same, bit for bit.
    """
    xt = np.ascontiguousarray(xt, dtype=np.float64)  # the kernels read rows as C arrays
    n = xt.shape[1]
    if one_thread is None:
        one_thread = n <= ONE_THREAD_UP_TO
    block = block_size(n) if block is None else block
    m = (n + block - 1) // block
    sums = np.zeros((n, starts.shape[0] - 1))
    sched = tournament(m)
    half = max(1, sched.shape[1])
    col = np.empty((half, CHUNK))
    dist = np.empty((half, CHUNK if xt.shape[0] != 3 else 1))  # only the general-d path uses it
    any_d = any_d_flag(xt.shape[0])
    play = _play_round_one_thread if one_thread else _play_round
    for pairs in sched:
        play(xt, starts, pairs, block, False, sums, col, dist, any_d)
    diag = np.repeat(np.arange(m, dtype=np.int64), 2).reshape(m, 2)
    for lo in range(0, m, half):
        play(xt, starts, diag[lo : lo + half], block, True, sums, col, dist, any_d)
    return sums


def sorted_cluster_distance_sums(
    X: np.ndarray, codes: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """S[p, c] = Σ_{j in c, j ≠ i} ‖x_i − x_j‖ with i = ``order[p]``: the table for the
    points sorted by cluster (stably), and that sort.

    ``X`` float64 (n, d), ``codes`` in 0..k-1, ``counts`` (k,). The numpy twin's
    ``cluster_distance_sums`` in sorted order; the silhouette is then taken from it by the
    same code for both (``silhouette_from_sums``), in sorted order, and only the n
    silhouettes are put back in the caller's order, not the n·k sums. Inputs are
    assumed checked (see ``validation.silhouette.silhouette_samples``).
    """
    order = np.argsort(codes, kind="stable")
    xt = np.ascontiguousarray(np.take(X.T, order, axis=1))  # (d, n), sorted by cluster
    starts = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return cluster_sums_numba(xt, starts), order


def warm_up(*sizes: int) -> None:
    """Compile the kernels that silhouettes of ``sizes`` points on three features (the
    RFM case) run on (:func:`validation.silhouette_sizes.round_kernels`): the one-thread
    twin up to ``ONE_THREAD_UP_TO`` points, the threaded kernel above.

    Run in a separate process on a first run (:func:`kmeans_np.jit.compile_ahead`): the
    kernels' argument types do not depend on the data's size or labels, so calls on 64
    points compile exactly what a run on three features then loads from the cache.
    """
    xt = np.random.default_rng(0).random((3, 64))
    starts = np.array([0, 32, 64], dtype=np.int64)  # a run's type on every platform
    for name in round_kernels(sizes):
        cluster_sums_numba(xt, starts, one_thread=name == _play_round_one_thread.py_func.__name__)
