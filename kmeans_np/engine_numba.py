"""numba kernels for K-means, and ``NumbaEngine`` which runs them: the fast twin of
:mod:`kmeans_np.engine`.

Design, and why:

* **Feature-major data.** The kernels read ``xt``, the data transposed to shape
  (d, n): for one centre, the distances of consecutive points are computed from
  contiguous memory, so LLVM vectorises the inner loop over points (8 doubles at a time
  with AVX-512). Row-major (n, d) data with d = 3 would need strided gathers.
* **Fixed chunks, per-chunk accumulators, ordered reduction.** Rows are cut into chunks
  of ``CHUNK`` rows — a fixed size, never derived from the thread count. Each chunk
  accumulates its own partial sums in a private buffer (no two threads ever write the
  same cache line, so nothing false-shares), the partials are stored by chunk index,
  and after the parallel loop they are added up sequentially in chunk order. The
  floating-point result therefore does not depend on how many threads ran or which
  thread took which chunk: 1 thread and 2 threads give bit-identical answers.
* **Tiles inside a chunk.** Lloyd's pass compares every row with all k centres in
  sweeps over a run of rows (four centres per sweep for d = 3, one otherwise); it does
  so ``TILE`` = 128 rows at a time, so that the tile's coordinates, best distances and
  labels (4.5 KB for d = 3) stay in the L1 cache for all the sweeps instead of being
  fetched again from L2 for each. The partial sums are still per chunk: tiles only
  change the order of the work.
* **Cluster sums in eight lanes.** Adding a row to its cluster's sums one row at a
  time is a read-modify-write at an address known only from the label, so consecutive
  rows of one cluster wait for each other. Instead, row i of a chunk adds into lane
  i mod 8 (``LANES``) of its cluster's sums, and for d = 3 :func:`_add_lane_sums_d3`
  does it eight rows at a time with vector instructions: for each cluster, a mask of
  the eight rows that carry its label, and one masked vector addition per feature and
  one for the weight. The lanes are added in lane order at the end of the chunk: a
  fixed order, so still thread-independent. Lloyd's pass at 1M rows, two threads, in
  the benchmark's timing, four interleaved runs against the four rotating copies this
  replaced (row i into copy i mod 4, one 4-wide addition per row): 0.87–0.99 →
  0.76–0.89 ms at k = 4, 1.14–1.21 → 1.09–1.17 ms at k = 8.
* **Sums kept between passes.** A chunk's cluster sums depend only on its rows and
  their labels. When no label of a chunk changed in a pass, its sums are the ones the
  previous pass added, the same additions in the same order, so the same bits; the
  engine keeps them (:func:`kept_chunk_sums`) and the pass adds only the chunks that
  changed. In a fit's last passes, and in the final pass that only reads the labels
  and inertia, most chunks change nothing.
* **d = 3 specialised.** RFM data has three features; the distance to a centre is
  then written out as ``a*a + b*b + c*c`` with four centres held in registers. Other
  d use a generic loop over features with a per-chunk distance buffer. The kernels
  take the choice as an argument, ``any_d``: ``None`` for d = 3, ``True`` otherwise
  (:func:`any_d_flag`). numba knows ``any_d is None`` from the argument's *type*, so
  it drops the branch not taken before compiling: a d = 3 run never compiles the
  generic code, which cuts ``lloyd_step``'s compile time by a third on a first run.
  For the same reason the few-line helpers are inlined by numba (``inline="always"``)
  rather than compiled as functions of their own: each function numba compiles
  separately costs a first run about a tenth of a second. So does each kind of
  allocation: ``np.zeros``, and ``np.empty`` with each new dtype or number of
  dimensions, is a function numba compiles. ``lloyd_step`` therefore allocates with
  ``np.empty`` in three kinds only and writes its zeros in loops (its one-thread twin
  compiled in 1.70 s before, 1.46 s after: medians of four fresh processes).
* **Same arithmetic as the numpy engine.** Squared distances are summed feature by
  feature, in feature order, as the numpy engine adds them; ties go to the lowest
  centre index, as ``argmin`` does. No ``fastmath``: it would let LLVM reorder sums by
  the vector width of the processor it compiles for, and a Dask cluster of different
  machines would then add the same block differently.

``NumbaEngine`` (at the end) offers the same operations as ``NumpyEngine``: the data is
transposed once to feature-major order (d, n) when the engine is built and reused by every
Lloyd iteration, every k-means++ round and every one of ``n_init`` runs. Below
``SMALL_BELOW_ROWS`` rows it runs the one-thread twins of the Lloyd kernels and does
k-means++ in numpy with the kernels' arithmetic, so that a small first run compiles less
(see ``NumbaEngine``).

This module imports only numpy, numba (with llvmlite, numba's own code generator, for
:func:`_add_lane_sums_d3`) and the shared options (:mod:`kmeans_np.numba_options`); load it through
``kmeans_np.jit.load_kernels("kmeans_np.engine_numba")``. Nothing here is compiled at
import: each function compiles on its first call and is cached on disk (``cache=True``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, prange
from numba.core import cgutils, types
from numba.extending import intrinsic

from kmeans_np.numba_options import PRANGE_ONLY, any_d_flag, one_thread_twin

#: rows per chunk: the unit of work of one thread and of the partial sums. A kernel
#: counts its chunks itself, ``(n + CHUNK - 1) // CHUNK``: a helper for that one line was
#: one more function to compile on a first run (0.08 s of the demo's)
CHUNK = 4096
#: rows per tile inside a chunk (Lloyd, nearest): a tile's data, distances and labels
#: (4.5 KB for d = 3) stay in the L1 cache while every centre is compared with them
TILE = 128
#: lanes of the cluster sums per chunk: row i of a chunk adds into lane i mod LANES (see
#: _add_cluster_sums); 8 doubles are one 512-bit vector
LANES = 8
#: below this many rows a fit is small: it runs on the one-thread twins of the Lloyd
#: kernels, seeds in numpy and takes the feature variances from numpy (see ``NumbaEngine``)
SMALL_BELOW_ROWS = 50_000


# ----------------------------------------------------------------------------------
# nearest centre for one tile of rows
# ----------------------------------------------------------------------------------
@njit(cache=True, nogil=True, inline="always")
def _closer_d3(u, v, w, c0, c1, c2, bd, bl, j):
    """(best distance, best label) after comparing the point (u, v, w) with centre j
    at (c0, c1, c2): ‖x − c_j‖² added feature by feature, taken only if strictly less
    (so a tie keeps the lower index, as argmin does)."""
    a = u - c0
    b = v - c1
    c = w - c2
    dd = a * a + b * b + c * c
    closer = dd < bd
    return (dd if closer else bd), (j if closer else bl)


@njit(cache=True, nogil=True)
def _nearest_tile_d3(xt, centers, s, m, best_d, best_l):
    """Nearest centre of rows s..s+m-1 for d = 3, four centres per sweep of the tile.

    Each sweep holds four centres in registers and compares every row of the tile with
    all four before it stores the row's best distance and label: one load and one store
    of (best_d, best_l) per four centres instead of per centre (k = 8 on one thread:
    1.9 → 1.2 ms per million rows). The comparisons still run centre 0, 1, 2, … in
    order from an infinite best distance with label 0, so for finite data the result is
    a sequential argmin's, bit for bit (a NaN distance, which only non-finite data can
    give, is never taken; every public entry point refuses such data). When k is not a
    multiple of four, the last sweep repeats centre k − 1 in its empty places: a repeat
    is never strictly closer than itself, so it changes nothing.

    The rows are taken as slices so every index in the loops over i is a non-negative
    loop counter: numba then drops its negative-index wraparound and LLVM vectorises
    them.
    """
    x0 = xt[0, s : s + m]
    x1 = xt[1, s : s + m]
    x2 = xt[2, s : s + m]
    k = centers.shape[0]
    for i in range(m):
        best_d[i] = np.inf
        best_l[i] = 0
    for j0 in range(0, k, 4):
        j1 = min(j0 + 1, k - 1)
        j2 = min(j0 + 2, k - 1)
        j3 = min(j0 + 3, k - 1)
        a0, a1, a2 = centers[j0, 0], centers[j0, 1], centers[j0, 2]
        b0, b1, b2 = centers[j1, 0], centers[j1, 1], centers[j1, 2]
        c0, c1, c2 = centers[j2, 0], centers[j2, 1], centers[j2, 2]
        e0, e1, e2 = centers[j3, 0], centers[j3, 1], centers[j3, 2]
        for i in range(m):
            u = x0[i]
            v = x1[i]
            w = x2[i]
            bd, bl = _closer_d3(u, v, w, a0, a1, a2, best_d[i], best_l[i], j0)
            bd, bl = _closer_d3(u, v, w, b0, b1, b2, bd, bl, j1)
            bd, bl = _closer_d3(u, v, w, c0, c1, c2, bd, bl, j2)
            bd, bl = _closer_d3(u, v, w, e0, e1, e2, bd, bl, j3)
            best_d[i] = bd
            best_l[i] = bl


@njit(cache=True, nogil=True)
def _nearest_tile_any(xt, centers, s, m, best_d, best_l, dist):
    """Nearest centre of rows s..s+m-1 for any d, one feature at a time."""
    k = centers.shape[0]
    for j in range(k):
        _sq_dist_chunk(xt[:, s : s + m], centers[j], dist)
        if j == 0:
            for i in range(m):
                best_d[i] = dist[i]
                best_l[i] = 0
        else:
            for i in range(m):
                bd = best_d[i]
                closer = dist[i] < bd
                best_d[i] = dist[i] if closer else bd
                best_l[i] = j if closer else best_l[i]


# ----------------------------------------------------------------------------------
# Lloyd
# ----------------------------------------------------------------------------------
@intrinsic
def _add_lane_sums_d3(typingctx, acc, xt, lab, w, s, groups, k):
    """Add rows s .. s + 8·groups − 1 of ``xt`` (d = 3) to their clusters' lane sums,
    eight rows at a time, with vector instructions.

    For a group of eight rows g (rows s + 8g + l, lane l = 0 … 7), cluster j and
    quantity q (the three features, then the weight):

        acc[(4j + q)·8 + l] += a_q(row)   if lab[8g + l] == j

    where a_q is w·x_q (x_q with unit weights) for q < 3 and w (1.0) for q = 3. Each lane
    therefore adds its rows one after the other in row order, each addition the IEEE
    addition of the scalar code (a masked vector addition adds lane by lane; a lane
    whose row has another label keeps its value, as a row that is not added would):
    the same bits as :func:`_add_cluster_sums`'s loop over rows, on any processor (NaN
    payloads aside, which no addition promises to keep).

    The work, per group: the eight labels and the rows' values are loaded once; then,
    for four clusters at a time, whose 16 lane sums stay in registers across all the
    groups, one comparison gives the mask of the rows with that cluster's label and
    four masked additions add them. That is 5 vector instructions per cluster per eight
    rows, with no dependence on which labels the rows carry; adding row by row into
    the cluster a label names made each row wait for the previous row of its cluster.

    Why written by hand: numba's loops over the lanes compiled to scalar code, and LLVM's
    SLP vectoriser, which could pack them, is off in numba (numba PR 8852, after it
    miscompiled some loops). Defined in this module, the only one that uses it, so that
    editing it invalidates the cached kernels that contain it (numba checks only the
    defining file of a cached function).

    Parameters
    ----------
    acc : 1-D C-contiguous writable float64 array
        Lane sums, laid out as above, for ⌈k/4⌉·4 clusters: clusters from k on match no
        label, and their sums are loaded and stored unchanged.
    xt : 2-D float64 array, shape (3, n)
        The data, feature-major; each feature's rows must be contiguous (the caller
        checks ``xt.strides[1] == 8``). float32 data (or weights) compile to a call that
        does nothing and returns False: the caller's loop then adds those rows.
    lab : 1-D C-contiguous int32 array
        The labels of rows s … s + 8·groups − 1, from index 0, each in [0, k).
    w : None or 1-D float64 array with contiguous rows
        The weights of all n rows (None: unit weights).
    s, groups, k : unsigned integers
        The first row, the number of groups of eight rows, the number of clusters.
        Nothing is checked when it runs: the caller guarantees the sizes above.

    Returns
    -------
    bool
        Whether the rows were added (False only for float32 data, decided when compiling).
    """
    if not (
        isinstance(acc, types.Array) and acc.ndim == 1 and acc.layout == "C" and acc.mutable
        and acc.dtype == types.float64
        and isinstance(xt, types.Array) and xt.ndim == 2 and isinstance(xt.dtype, types.Float)
        and isinstance(lab, types.Array) and lab.ndim == 1 and lab.layout == "C"
        and lab.dtype == types.int32
        and (isinstance(w, types.NoneType) or (
            isinstance(w, types.Array) and w.ndim == 1 and isinstance(w.dtype, types.Float)))
        and all(isinstance(v, types.Integer) and not v.signed for v in (s, groups, k))
    ):  # fmt: skip
        return None
    weighted = not isinstance(w, types.NoneType)
    doubles = xt.dtype == types.float64 and (not weighted or w.dtype == types.float64)

    def codegen(context, builder, signature, args):
        if not doubles:  # float32 data: nothing done here, the caller's loop adds them
            return context.get_constant(types.boolean, False)
        acc_v, xt_v, lab_v, w_v, s_v, groups_v, k_v = args
        f64 = ir.DoubleType()
        lanes = ir.VectorType(f64, LANES)
        i32 = ir.IntType(32)
        label_lanes = ir.VectorType(i32, LANES)
        intp = context.get_value_type(types.intp)

        def const(value):
            return ir.Constant(intp, value)

        def index(value, kind):
            return context.cast(builder, value, kind, types.intp)

        def vector_at(base, offset, kind):
            return builder.bitcast(builder.gep(base, [offset], inbounds=True), kind.as_pointer())

        acc_a = context.make_array(signature.args[0])(context, builder, value=acc_v)
        xt_a = context.make_array(signature.args[1])(context, builder, value=xt_v)
        lab_a = context.make_array(signature.args[2])(context, builder, value=lab_v)
        first = index(s_v, signature.args[4])
        n_groups = index(groups_v, signature.args[5])
        n_clusters = index(k_v, signature.args[6])
        # feature f's row ``first``: the data pointer plus f strides (in bytes) and ``first``
        feature_stride = builder.extract_value(xt_a.strides, 0)
        raw = builder.bitcast(xt_a.data, ir.IntType(8).as_pointer())
        rows = [
            builder.gep(
                builder.bitcast(builder.gep(raw, [builder.mul(const(f), feature_stride)]),
                                f64.as_pointer()),
                [first],
            )
            for f in range(3)
        ]  # fmt: skip
        if weighted:
            w_a = context.make_array(signature.args[3])(context, builder, value=w_v)
            weights = builder.gep(w_a.data, [first])
        unit = ir.Constant(lanes, [1.0] * LANES)
        # 4 clusters × 4 quantities of lane sums, kept in registers across the groups
        slots = [cgutils.alloca_once(builder, lanes) for _ in range(16)]
        splat_mask = ir.Constant(ir.VectorType(i32, LANES), [0] * LANES)
        with cgutils.for_range(builder, builder.udiv(builder.add(n_clusters, const(3)),
                                                     const(4))) as fours:  # fmt: skip
            j0 = builder.mul(fours.index, const(4))
            # cluster j0 + q // 4, quantity q % 4: 16 consecutive vectors of lane sums
            sums_at = [
                vector_at(acc_a.data, builder.mul(builder.add(builder.mul(j0, const(4)),
                                                              const(q)), const(LANES)),
                          lanes)
                for q in range(16)
            ]  # fmt: skip
            for slot, at in zip(slots, sums_at, strict=True):
                builder.store(builder.load(at, align=8), slot)
            cluster_ids = []
            for c in range(4):
                one = builder.insert_element(ir.Constant(label_lanes, ir.Undefined),
                                             builder.trunc(builder.add(j0, const(c)), i32),
                                             ir.Constant(i32, 0))  # fmt: skip
                cluster_ids.append(builder.shuffle_vector(
                    one, ir.Constant(label_lanes, ir.Undefined), splat_mask))
            with cgutils.for_range(builder, n_groups) as group:
                at = builder.mul(group.index, const(LANES))
                labels = builder.load(vector_at(lab_a.data, at, label_lanes), align=4)
                values = [builder.load(vector_at(row, at, lanes), align=8) for row in rows]
                if weighted:
                    wv = builder.load(vector_at(weights, at, lanes), align=8)
                    addends = [*(builder.fmul(wv, v) for v in values), wv]
                else:
                    addends = [*values, unit]
                for c in range(4):
                    mask = builder.icmp_signed("==", labels, cluster_ids[c])
                    for q in range(4):
                        slot = slots[4 * c + q]
                        total = builder.load(slot)
                        builder.store(
                            builder.select(mask, builder.fadd(total, addends[q]), total), slot)
            for slot, at in zip(slots, sums_at, strict=True):
                builder.store(builder.load(slot), at, align=8)
        return context.get_constant(types.boolean, True)

    return types.boolean(acc, xt, lab, w, s, groups, k), codegen


@njit(cache=True, nogil=True)
def _add_cluster_sums(acc, xt, w, s, m, lab, k, any_d):
    """Add rows s..s+m-1 (labels ``lab``) to their clusters' lane sums ``acc``.

    Row s+i adds w·x_f to lane i mod LANES of its cluster's sum of feature f, and w to
    that lane of its weight: cluster j's quantity q (the d features, then the weight)
    sits at [(j·(d+1) + q)·LANES, … + LANES). ``w`` None means unit weights (see
    ``lloyd_step``); s is a multiple of LANES from the chunk's start, so a lane is the
    same rows whatever the tile.

    For d = 3 (``any_d`` None, see :func:`any_d_flag`) with contiguous float64 rows (and
    weights), whole groups of eight rows go through :func:`_add_lane_sums_d3`'s vector
    code, when ``acc`` spans the ⌈k/4⌉·4 clusters that code loads and stores (checked
    here: a shorter buffer takes the loop, never a write past its end); the rest, and
    every other d, through the loop below: one row at a time, each into its lane,
    in row order, so the same additions in the same order and the same bits.
    Indices are unsigned so numba adds no negative-index check to each access.
    """
    d = xt.shape[0]
    done = 0
    if (any_d is None and xt.strides[1] == xt.itemsize
            and (w is None or w.strides[0] == w.itemsize)
            and acc.shape[0] >= (k + 3) // 4 * 4 * 4 * LANES):  # what the vector code spans
        groups = m // LANES
        if _add_lane_sums_d3(acc, xt, lab, w, np.uint64(s), np.uint64(groups), np.uint64(k)):
            done = groups * LANES
    stride = np.uint64((d + 1) * LANES)
    lanes = np.uint64(LANES)
    xs = xt[:, s : s + m]
    for i in range(done, m):
        b = np.uint64(lab[i]) * stride + np.uint64(i % LANES)
        wi = 1.0 if w is None else w[s + i]
        for f in range(d):
            acc[b + np.uint64(f) * lanes] += xs[f, i] if w is None else wi * xs[f, i]
        acc[b + np.uint64(d) * lanes] += wi


@njit(cache=True, nogil=True, inline="always")
def _fold_lanes(acc, out):
    """out[q] = Σ_l acc[q·LANES + l], the lanes added in lane order."""
    for q in range(out.shape[0]):
        b = q * LANES
        total = acc[b]
        for lane in range(1, LANES):
            total += acc[b + lane]
        out[q] = total


@njit(cache=True, nogil=True)
def _weighted_total(w, s, m, values):
    """Σ w_i · values_i over rows s..s+m-1 (``values`` is the rows' own array).

    Four running sums, row i into sum i mod 4, added as (s0 + s1) + (s2 + s3): one sum
    would make every addition wait for the one before (about four cycles each). ``w``
    None means unit weights.
    """
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    full = m - m % 4
    if w is None:
        for i in range(0, full, 4):
            s0 += values[i]
            s1 += values[i + 1]
            s2 += values[i + 2]
            s3 += values[i + 3]
        for i in range(full, m):
            if i % 4 == 0:
                s0 += values[i]
            elif i % 4 == 1:
                s1 += values[i]
            else:
                s2 += values[i]
    else:
        ws = w[s : s + m]
        for i in range(0, full, 4):
            s0 += ws[i] * values[i]
            s1 += ws[i + 1] * values[i + 1]
            s2 += ws[i + 2] * values[i + 2]
            s3 += ws[i + 3] * values[i + 3]
        for i in range(full, m):
            if i % 4 == 0:
                s0 += ws[i] * values[i]
            elif i % 4 == 1:
                s1 += ws[i] * values[i]
            else:
                s2 += ws[i] * values[i]
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def lloyd_step(xt, w, centers, labels, with_inertia, any_d, kept):
    """Assign every row to its nearest centre and sum each cluster's rows.

    ``w`` is the weight vector, or None for unit weights (saves reading n
    doubles per pass). ``labels`` holds the previous labels on entry, the new ones on
    exit. Returns (sums (k, d), weight (k,), n_changed, inertia); the inertia of the
    assignment is only summed when ``with_inertia`` (it is NaN otherwise). ``any_d`` is
    ``any_d_flag(d)``.

    A thread takes a chunk of CHUNK rows. First it works through the chunk TILE rows at
    a time: all k centres are compared with a tile while it sits in the L1 cache, and
    the tile's labels are written only when one of them changed (a label array left
    untouched is not written back to memory). Then it adds the chunk's rows to their
    clusters' sums, reading them again from the L2 cache (a chunk of d = 3 is 96 KB).

    ``kept`` is (part, reuse): ``part[c]`` receives chunk c's cluster sums (the d sums,
    then the weight, cluster by cluster). With ``reuse``, ``part`` already holds the
    sums of the labels on entry, from the previous pass over the same data (see
    ``NumbaEngine.lloyd_step``): a chunk none of whose labels changed then keeps its
    sums instead of adding them again. They are the same additions in the same order,
    so the same bits; in a fit's last passes most chunks change nothing. At 1M rows, in
    four runs of the benchmark's part (c) alternating with the code before, a pass that
    changes no label took 1.26–1.55× the time of reading X once at k = 4 (1.52–1.87×
    before) and 1.51–2.24× at k = 8 (2.08–2.41×).
    """
    d, n = xt.shape
    k = centers.shape[0]
    n_acc = (k + 3) // 4 * 4 * (d + 1) * LANES  # lane sums of k rounded up to whole fours
    nc = (n + CHUNK - 1) // CHUNK
    part, reuse = kept
    part_changed = np.empty(nc, np.int32)  # at most CHUNK per chunk
    part_inertia = np.empty(nc)  # every chunk writes its own
    for c in prange(nc):
        s0 = c * CHUNK
        e0 = min(s0 + CHUNK, n)
        best_d = np.empty(TILE)
        best_l = np.empty(TILE, np.int32)
        dist = np.empty(TILE)
        changed = 0
        inertia = 0.0
        for s in range(s0, e0, TILE):
            m = min(TILE, e0 - s)
            if any_d is None:  # chosen when compiling (see any_d_flag)
                _nearest_tile_d3(xt, centers, s, m, best_d, best_l)
            else:
                _nearest_tile_any(xt, centers, s, m, best_d, best_l, dist)
            prev = labels[s : s + m]
            tile_changed = 0
            for i in range(m):
                tile_changed += prev[i] != best_l[i]
            if tile_changed:  # a tile whose labels stand is not written: no cache line
                for i in range(m):  # made dirty, none written back to memory
                    prev[i] = best_l[i]
            changed += tile_changed
            if with_inertia:
                inertia += _weighted_total(w, s, m, best_d)
        if changed or not reuse:
            acc = np.empty(n_acc)  # fresh per chunk: aliases no input
            for q in range(n_acc):
                acc[q] = 0.0
            for s in range(s0, e0, TILE):
                m = min(TILE, e0 - s)
                _add_cluster_sums(acc, xt, w, s, m, labels[s : s + m], k, any_d)
            _fold_lanes(acc, part[c])
        part_changed[c] = changed
        part_inertia[c] = inertia
    # Ordered reduction: chunk 0, 1, 2, ... whatever thread computed each.
    sums = np.empty((k, d))
    weight = np.empty(k)
    for j in range(k):
        weight[j] = 0.0
        for f in range(d):
            sums[j, f] = 0.0
    n_changed = 0
    inertia = 0.0
    for c in range(nc):
        for j in range(k):
            b = j * (d + 1)
            for f in range(d):
                sums[j, f] += part[c, b + f]
            weight[j] += part[c, b + d]
        n_changed += part_changed[c]
        inertia += part_inertia[c]
    return sums, weight, n_changed, inertia if with_inertia else np.nan


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def nearest(xt, w, centers, labels_out, min_sq_out, any_d):
    """Nearest-centre label and squared distance of every row (written to the outputs);
    returns the inertia Σ_i w_i min_j ‖x_i − c_j‖², per-chunk partials added in order.
    ``any_d`` is ``any_d_flag(d)``."""
    n = xt.shape[1]
    nc = (n + CHUNK - 1) // CHUNK
    part = np.empty(nc)
    for c in prange(nc):
        s0 = c * CHUNK
        e0 = min(s0 + CHUNK, n)
        dist = np.empty(TILE)
        total = 0.0
        for s in range(s0, e0, TILE):
            m = min(TILE, e0 - s)
            best_d = min_sq_out[s : s + m]
            if any_d is None:  # chosen when compiling (see any_d_flag)
                _nearest_tile_d3(xt, centers, s, m, best_d, labels_out[s : s + m])
            else:
                _nearest_tile_any(xt, centers, s, m, best_d, labels_out[s : s + m], dist)
            total += _weighted_total(w, s, m, best_d)
        part[c] = total
    total = 0.0
    for c in range(nc):
        total += part[c]
    return total


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def sq_distances(xt, centers, out):
    """out[i, j] = ‖x_i − c_j‖² for every row and centre."""
    d, n = xt.shape
    k = centers.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        s = c * CHUNK
        m = min(CHUNK, n - s)
        xs = xt[:, s : s + m]
        o = out[s : s + m]
        for i in range(m):
            for j in range(k):
                dd = 0.0
                for f in range(d):
                    t = xs[f, i] - centers[j, f]
                    dd += t * t
                o[i, j] = dd


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def chunk_feature_sums(xt, shift, power):
    """part[c, f] = Σ (x_fi − shift_f)^power over the rows of chunk c (power 1 or 2).

    The two passes of :func:`feature_variances`: the sums (shift 0, power 1) give the
    means, then the squared deviations from them (shift = mean, power 2).
    """
    d, n = xt.shape
    nc = (n + CHUNK - 1) // CHUNK
    part = np.empty((nc, d))
    for c in prange(nc):
        s = c * CHUNK
        m = min(CHUNK, n - s)
        for f in range(d):
            xf = xt[f, s : s + m]
            sf = shift[f]
            acc = 0.0
            if power == 1:
                for i in range(m):
                    acc += xf[i] - sf
            else:
                for i in range(m):
                    t = xf[i] - sf
                    acc += t * t
            part[c, f] = acc
    return part


@njit(cache=True, nogil=True)
def ordered_column_sums(part):
    """Σ_c part[c, :], adding the chunks' partials in chunk order (deterministic)."""
    nc, q = part.shape
    total = np.zeros(q)
    for c in range(nc):
        for j in range(q):
            total[j] += part[c, j]
    return total


def feature_variances(xt):
    """Population variance of every feature (row of ``xt``), in two ordered passes:
    per-chunk sums give the means, then per-chunk sums of squared deviations."""
    d, n = xt.shape
    mean = ordered_column_sums(chunk_feature_sums(xt, np.zeros(d), 1)) / n
    return ordered_column_sums(chunk_feature_sums(xt, mean, 2)) / n


# ----------------------------------------------------------------------------------
# k-means++
# ----------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _sq_dist_chunk(xs, point, dist):
    """dist[i] = ‖xs[:, i] − point‖² for the rows of one chunk (``xs`` is (d, m))."""
    d, m = xs.shape
    for i in range(m):
        dist[i] = 0.0
    for f in range(d):
        pf = point[f]
        xf = xs[f]
        for i in range(m):
            t = xf[i] - pf
            dist[i] += t * t


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def update_closest(xt, closest, point):
    """closest[i] ← min(closest[i], ‖x_i − point‖²), in place.

    Started from ``closest = +inf`` it gives the squared distances to ``point`` exactly.
    """
    n = xt.shape[1]
    for c in prange((n + CHUNK - 1) // CHUNK):
        s = c * CHUNK
        e = min(s + CHUNK, n)
        cs = closest[s:e]
        dist = np.empty(e - s)
        _sq_dist_chunk(xt[:, s:e], point, dist)
        for i in range(e - s):
            cs[i] = min(cs[i], dist[i])


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def candidate_potentials(xt, w, closest, candidates):
    """pots[t] = Σ_i w_i min(closest_i, ‖x_i − cand_t‖²), per-chunk partials in order."""
    n = xt.shape[1]
    n_cand = candidates.shape[0]
    nc = (n + CHUNK - 1) // CHUNK
    part = np.empty((nc, n_cand))
    for c in prange(nc):
        s = c * CHUNK
        e = min(s + CHUNK, n)
        cs = closest[s:e]
        dist = np.empty(e - s)
        for t in range(n_cand):
            _sq_dist_chunk(xt[:, s:e], candidates[t], dist)
            for i in range(e - s):
                dist[i] = min(cs[i], dist[i])
            part[c, t] = _weighted_total(w, s, e - s, dist)
    pots = np.zeros(n_cand)
    for c in range(nc):
        for t in range(n_cand):
            pots[t] += part[c, t]
    return pots


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def chunk_potentials(w, closest):
    """Per-chunk sums of w_i · closest_i (the pieces of the k-means++ potential)."""
    n = closest.shape[0]
    nc = (n + CHUNK - 1) // CHUNK
    part = np.empty(nc)
    for c in prange(nc):
        s = c * CHUNK
        m = min(CHUNK, n - s)
        part[c] = _weighted_total(w, s, m, closest[s : s + m])
    return part


@njit(cache=True, nogil=True, inline="always")
def _first_at_least(cum, r):
    """The first index i with cum[i] ≥ r (binary search; the last index if none)."""
    lo = 0
    hi = cum.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < r:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def sample_in_chunks(w, closest, chunk_cum, rand_vals):
    """Invert the cumulative potential at each r: the chunk by its running total, then
    the row inside the chunk by a running sum — no n-long cumsum is ever built."""
    n = closest.shape[0]
    out = np.empty(rand_vals.shape[0], np.int64)
    for q in range(rand_vals.shape[0]):
        r = rand_vals[q]
        c = _first_at_least(chunk_cum, r)
        local = r - (chunk_cum[c - 1] if c > 0 else 0.0)
        s = c * CHUNK
        e = min(s + CHUNK, n)
        pick = e - 1
        acc = 0.0
        for i in range(s, e):
            acc += w[i] * closest[i]
            if acc >= local:
                pick = i
                break
        out[q] = pick
    return out


# ----------------------------------------------------------------------------------
# k-means++ for small fits, in numpy: the kernels above, the same arithmetic
# ----------------------------------------------------------------------------------
def _chunk_totals_np(w, values):
    """``chunk_potentials`` in numpy: per-chunk Σ w_i·values_i, added as
    ``_weighted_total`` adds them, bit for bit.

    Row i of a chunk goes into running sum i mod 4, in row order (``np.add.accumulate``
    adds strictly in order; ``np.sum`` would add pairwise), and the four sums are added
    as (s0 + s1) + (s2 + s3). The last chunk is padded with zeros, which leave its
    sums of non-negative terms unchanged.
    """
    n = values.shape[0]
    nc = -(-n // CHUNK)
    terms = np.zeros(nc * CHUNK)
    if w is None:
        terms[:n] = values
    else:
        np.multiply(w, values, out=terms[:n])
    runs = np.add.accumulate(terms.reshape(nc, CHUNK // 4, 4), axis=1)[:, -1]
    return (runs[:, 0] + runs[:, 1]) + (runs[:, 2] + runs[:, 3])


def _sq_dist_np(xt, point):
    """‖x_i − point‖² for every row, the squares added in feature order from 0.0, as
    ``_sq_dist_chunk`` adds them."""
    dist = np.zeros(xt.shape[1])
    for f in range(xt.shape[0]):
        t = xt[f] - point[f]
        t *= t
        dist += t
    return dist


def _update_closest_np(xt, closest, point):
    """``update_closest`` in numpy."""
    np.minimum(closest, _sq_dist_np(xt, point), out=closest)


def _candidate_potentials_np(xt, w, closest, candidates):
    """``candidate_potentials`` in numpy: each candidate's chunk totals, added in chunk
    order from 0.0."""
    pots = np.empty(candidates.shape[0])
    for t in range(candidates.shape[0]):
        parts = _chunk_totals_np(w, np.minimum(closest, _sq_dist_np(xt, candidates[t])))
        pots[t] = np.add.accumulate(parts)[-1]
    return pots


def _sample_in_chunks_np(w, closest, chunk_cum, rand_vals):
    """``sample_in_chunks`` in numpy: the chunk by its running total, then the row by the
    running sum inside the chunk (``np.cumsum`` adds in row order, as the kernel does)."""
    n = closest.shape[0]
    out = np.empty(rand_vals.shape[0], np.int64)
    for q in range(rand_vals.shape[0]):
        r = rand_vals[q]
        c = min(int(np.searchsorted(chunk_cum, r)), chunk_cum.shape[0] - 1)
        local = r - (chunk_cum[c - 1] if c > 0 else 0.0)
        s = c * CHUNK
        e = min(s + CHUNK, n)
        i = int(np.searchsorted(np.cumsum(w[s:e] * closest[s:e]), local))
        out[q] = s + i if i < e - s else e - 1
    return out


def kept_chunk_sums(
    previous: tuple | None, n: int, centers_shape: tuple[int, int], labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool]:
    """(labels, part, reuse) for ``lloyd_step``'s ``kept``, from the previous pass's.

    The previous pass's per-chunk sums hold for this one when it wrote this very
    ``labels`` array (identity, not equality: a fit hands the same array to each
    pass) and k and d are the same; otherwise ``part`` is (re)allocated and every
    chunk adds its sums. ``previous`` is this function's last result, or None.
    """
    k, d = centers_shape
    shape = ((n + CHUNK - 1) // CHUNK, k * (d + 1))
    if previous is not None and previous[0] is labels and previous[1].shape == shape:
        return labels, previous[1], True
    return labels, np.empty(shape), False


# ----------------------------------------------------------------------------------
# what a fit runs: the threaded kernels, or for a small fit the one-thread twins of the
# Lloyd kernels and numpy for k-means++
# ----------------------------------------------------------------------------------
class _Kernels(NamedTuple):
    """The kernels a fit calls, or what a small fit calls instead."""

    lloyd_step: Any
    nearest: Any
    update_closest: Any
    chunk_potentials: Any
    candidate_potentials: Any
    sample_in_chunks: Any


_THREADED = _Kernels(
    lloyd_step, nearest, update_closest, chunk_potentials, candidate_potentials, sample_in_chunks
)
_SMALL = _Kernels(
    one_thread_twin(lloyd_step),
    one_thread_twin(nearest),
    _update_closest_np,
    _chunk_totals_np,
    _candidate_potentials_np,
    _sample_in_chunks_np,
)


# ----------------------------------------------------------------------------------
# the engine: kmeans_np.engine.Engine's operations, run by the kernels above
# ----------------------------------------------------------------------------------
class NumbaEngine:
    """K-means building blocks on a fixed data set, as numba kernels (threaded from
    ``SMALL_BELOW_ROWS`` rows on).

    Same parameters as ``NumpyEngine`` (``X``, ``sample_weight``, optional ``center``).

    A small fit, below ``SMALL_BELOW_ROWS`` rows, is what a first run on an empty kernel
    cache usually meets (the README's demo clusters 20,000 customers), and there compiling
    a kernel costs more than running it saves:

    * Lloyd's pass and the nearest centre run on the one-thread twins of their kernels
      (``kmeans_np.numba_options.one_thread_twin``): the same answer bit for bit, about
      half the compile time, and not much slower at this size (the demo's clustering
      step, 20,000 customers: 0.335 s against 0.296 s);
    * the k-means++ steps run in numpy (``_update_closest_np`` and its neighbours), with
      the kernels' arithmetic in the kernels' order, so the same picks bit for bit (for
      finite data, which every public entry point checks: np.minimum keeps a NaN that
      the kernels' ``min`` drops). Four kernels fewer to compile: 1.3 s of a first run.
      They are slower warm (the demo's 465 candidate rounds take 0.44 ms each in numpy:
      a sequential sum in numpy adds one number at a time where the kernel keeps four
      sums going at once), 0.14 s in one comparison of whole demos and within their
      noise in another;
    * the feature variances (once per fit, for the tolerance) come from the numpy engine:
      two more kernels would take a second to compile for a millisecond's work. They may
      differ from the kernels' in the last bits (about 1e-13 relative), and the tolerance
      with them, so a small fit can stop one iteration apart from the same fit on the
      threaded kernels only if a centre shift falls within that sliver of the tolerance.
    """

    name = "numba"

    def __init__(
        self, X: np.ndarray, sample_weight: np.ndarray | None, center: np.ndarray | None = None
    ) -> None:
        self.sample_weight = sample_weight
        self.w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        # the feature-major (d, n) copy, centred as it is written when ``center`` is given
        self.xt = np.empty((X.shape[1], X.shape[0]))
        np.subtract(X.T, 0.0 if center is None else center[:, None], out=self.xt)
        self.X = self.xt.T  # the same numbers as rows (a view): picked rows, relocation
        # The kernels take sample_weight as it is: None (unit weights) is compiled as such
        # and no weight is ever read.
        self._kernels = _SMALL if X.shape[0] < SMALL_BELOW_ROWS else _THREADED
        self._any_d = any_d_flag(X.shape[1])
        self._kept: tuple | None = None  # the last pass's (labels, part, reuse): kept_chunk_sums

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    def feature_variances(self) -> np.ndarray:
        if self._kernels is _SMALL:  # a small fit: the numpy engine's formula
            return np.var(self.X, axis=0)
        return feature_variances(self.xt)

    def cluster_sizes(self, labels: np.ndarray, k: int) -> np.ndarray:
        return np.bincount(labels, minlength=k)  # once per fit: no kernel needed

    def sq_distances(self, centers: np.ndarray) -> np.ndarray:
        out = np.empty((self.X.shape[0], centers.shape[0]))
        sq_distances(self.xt, np.ascontiguousarray(centers), out)
        return out

    def nearest(self, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        labels = np.empty(self.X.shape[0], dtype=np.int32)
        min_sq = np.empty(self.X.shape[0])
        self._kernels.nearest(
            self.xt, self.sample_weight, np.ascontiguousarray(centers), labels, min_sq, self._any_d
        )
        return labels, min_sq

    def lloyd_step(
        self, centers: np.ndarray, labels: np.ndarray, with_inertia: bool = False
    ) -> tuple[np.ndarray, np.ndarray, int, float]:
        """(sums, weight, n_changed, inertia): the fields of ``engine.LloydStep``.

        The per-chunk cluster sums are kept from one pass to the next: when ``labels``
        is the array the previous pass wrote, with k unchanged, a chunk whose labels all
        stand keeps its sums (see ``lloyd_step``'s ``kept``). So ``labels`` (C-contiguous
        int32) must not be written by anyone else between two passes: ``lloyd`` passes
        the same array, untouched in between, to every pass of a fit; any other array
        has all its sums added afresh. The sums count as kept only once the pass has
        returned: a pass that failed leaves nothing to reuse."""
        centers = np.ascontiguousarray(centers)
        kept = kept_chunk_sums(self._kept, self.X.shape[0], centers.shape, labels)
        self._kept = None
        sums, weight, n_changed, inertia = self._kernels.lloyd_step(
            self.xt,
            self.sample_weight,
            centers,
            labels,
            with_inertia,
            self._any_d,
            kept[1:],
        )
        self._kept = kept
        return sums, weight, int(n_changed), float(inertia)

    def assign(self, centers: np.ndarray, labels: np.ndarray) -> float:
        """Labels and inertia from Lloyd's own pass (its sums unused): the same tiles and
        the same per-tile inertia sums as ``nearest``, so the same bits, and a fit then
        needs no second kernel compiled (a third of a second on a first run)."""
        return self.lloyd_step(centers, labels, with_inertia=True)[3]

    def sq_dist_to(self, point: np.ndarray) -> np.ndarray:
        out = np.full(self.X.shape[0], np.inf)  # min(inf, d) = d: the distances themselves
        self._kernels.update_closest(self.xt, out, np.ascontiguousarray(point, dtype=np.float64))
        return out

    def potential(self, closest: np.ndarray) -> float:
        total = 0.0
        # the chunks in chunk order: deterministic
        for part in self._kernels.chunk_potentials(self.sample_weight, closest):
            total += part
        return float(total)

    def candidate_potentials(self, closest: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        cands = np.ascontiguousarray(candidates)
        return self._kernels.candidate_potentials(self.xt, self.sample_weight, closest, cands)

    def update_closest(self, closest: np.ndarray, point: np.ndarray) -> None:
        point = np.ascontiguousarray(point, dtype=np.float64)
        self._kernels.update_closest(self.xt, closest, point)

    def sample_proportional(self, closest: np.ndarray, rand_vals: np.ndarray) -> np.ndarray:
        chunk_cum = np.cumsum(self._kernels.chunk_potentials(self.sample_weight, closest))
        return self._kernels.sample_in_chunks(
            self.w, closest, chunk_cum, np.asarray(rand_vals, float)
        )
