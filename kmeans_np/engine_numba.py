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
* **d = 3 specialised.** RFM data has three features; the distance to a centre is
  then written out as ``a*a + b*b + c*c`` with the centre held in registers. Other
  d use a generic loop over features with a per-chunk distance buffer.
* **Same arithmetic as the numpy engine.** Squared distances are summed feature by
  feature in the same order as ``((X - c) ** 2).sum(axis=1)``; ties go to the lowest
  centre index, as ``argmin`` does.

``NumbaEngine`` (at the end) offers the same operations as ``NumpyEngine``: the data is
transposed once to feature-major order (d, n) when the engine is built and reused by every
Lloyd iteration, every k-means++ round and every one of ``n_init`` runs.

This module imports only numpy and numba; load it through
``kmeans_np.jit.load_kernels("kmeans_np.engine_numba")``. Nothing here is compiled at
import: each function compiles on its first call and is cached on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# Parallelise the explicit prange loops only: with plain parallel=True numba also turns
# every array allocation and expression into a parallel loop of its own, which costs
# compile time (and a thread launch per np.zeros) and buys nothing here.
PRANGE_ONLY = dict(prange=True, comprehension=False, reduction=False, inplace_binop=False,
                   setitem=False, numpy=False, stencil=False, fusion=False)

CHUNK = 1024  # rows per chunk: ~36 KB of a chunk's data, scratch and labels fits in L1/L2


@njit(cache=True, nogil=True)
def n_chunks_of(n):
    """Number of CHUNK-row chunks covering n rows."""
    return (n + CHUNK - 1) // CHUNK


# ----------------------------------------------------------------------------------
# nearest centre for one chunk of rows
# ----------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _nearest_chunk_d3(xt, centers, s, m, best_d, best_l):
    """Nearest centre of rows s..s+m-1 for d = 3, centres held in registers.

    The rows are taken as slices so every index below is a non-negative loop counter:
    numba then drops its negative-index wraparound and LLVM vectorises the loops.
    """
    x0 = xt[0, s : s + m]
    x1 = xt[1, s : s + m]
    x2 = xt[2, s : s + m]
    c0 = centers[0, 0]
    c1 = centers[0, 1]
    c2 = centers[0, 2]
    for i in range(m):
        a = x0[i] - c0
        b = x1[i] - c1
        c = x2[i] - c2
        best_d[i] = a * a + b * b + c * c
        best_l[i] = 0
    for j in range(1, centers.shape[0]):
        c0 = centers[j, 0]
        c1 = centers[j, 1]
        c2 = centers[j, 2]
        for i in range(m):
            a = x0[i] - c0
            b = x1[i] - c1
            c = x2[i] - c2
            dd = a * a + b * b + c * c
            bd = best_d[i]
            closer = dd < bd
            best_d[i] = dd if closer else bd
            best_l[i] = j if closer else best_l[i]


@njit(cache=True, nogil=True)
def _nearest_chunk_any(xt, centers, s, m, best_d, best_l, dist):
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


@njit(cache=True, nogil=True)
def _nearest_chunk(xt, centers, s, m, best_d, best_l):
    if xt.shape[0] == 3:
        _nearest_chunk_d3(xt, centers, s, m, best_d, best_l)
    else:
        _nearest_chunk_any(xt, centers, s, m, best_d, best_l, np.empty(m))


# ----------------------------------------------------------------------------------
# Lloyd
# ----------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _cluster_sums_chunk(xt, w, s, m, lab, k):
    """Σ w_i x_i and Σ w_i per cluster over rows s..s+m-1, as a flat (k·(d+1),) array.

    Cluster j's sums sit at [j·(d+1), j·(d+1) + d) and its weight at j·(d+1) + d.
    ``w`` empty means unit weights. The accumulator is a fresh local array: LLVM then
    knows it aliases none of the inputs and keeps the sums in registers (accumulating
    straight into a row of the caller's partials made Lloyd 1.7× slower).
    """
    d = xt.shape[0]
    acc = np.zeros(k * (d + 1))
    unit = w.shape[0] == 0
    if d == 3:
        x0 = xt[0, s : s + m]
        x1 = xt[1, s : s + m]
        x2 = xt[2, s : s + m]
        if unit:
            for i in range(m):
                b = lab[i] * 4
                acc[b] += x0[i]
                acc[b + 1] += x1[i]
                acc[b + 2] += x2[i]
                acc[b + 3] += 1.0
        else:
            ws = w[s : s + m]
            for i in range(m):
                b = lab[i] * 4
                wi = ws[i]
                acc[b] += wi * x0[i]
                acc[b + 1] += wi * x1[i]
                acc[b + 2] += wi * x2[i]
                acc[b + 3] += wi
    else:
        xs = xt[:, s : s + m]
        for i in range(m):
            b = lab[i] * (d + 1)
            wi = 1.0 if unit else w[s + i]
            for f in range(d):
                acc[b + f] += xs[f, i] if unit else wi * xs[f, i]
            acc[b + d] += wi
    return acc


@njit(cache=True, nogil=True)
def _weighted_total(w, s, m, values):
    """Σ w_i · values_i over rows s..s+m-1 (``values`` is the chunk's own array)."""
    total = 0.0
    if w.shape[0] == 0:
        for i in range(m):
            total += values[i]
    else:
        ws = w[s : s + m]
        for i in range(m):
            total += ws[i] * values[i]
    return total


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def lloyd_step(xt, w, centers, labels, with_inertia):
    """Assign every row to its nearest centre and sum each cluster's rows, fused.

    ``w`` is the weight vector, or an empty array for unit weights (saves reading n
    doubles per pass). ``labels`` holds the previous labels on entry, the new ones on
    exit. Returns (sums (k, d), weight (k,), n_changed, inertia); the inertia of the
    assignment is only summed when ``with_inertia`` (it is NaN otherwise).
    """
    d, n = xt.shape
    k = centers.shape[0]
    nc = n_chunks_of(n)
    part = np.empty((nc, k * (d + 1)))
    part_changed = np.empty(nc, np.int64)
    part_inertia = np.zeros(nc)
    for c in prange(nc):
        s = c * CHUNK
        m = min(CHUNK, n - s)
        best_d = np.empty(m)
        best_l = np.empty(m, np.int32)
        _nearest_chunk(xt, centers, s, m, best_d, best_l)
        prev = labels[s : s + m]
        changed = 0
        for i in range(m):
            changed += prev[i] != best_l[i]
            prev[i] = best_l[i]
        acc = _cluster_sums_chunk(xt, w, s, m, best_l, k)
        for q in range(acc.shape[0]):  # into this chunk's own row (a loop: cheap to compile)
            part[c, q] = acc[q]
        part_changed[c] = changed
        if with_inertia:
            part_inertia[c] = _weighted_total(w, s, m, best_d)
    # Ordered reduction: chunk 0, 1, 2, ... whatever thread computed each.
    sums = np.zeros((k, d))
    weight = np.zeros(k)
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
def nearest(xt, w, centers, labels_out, min_sq_out):
    """Nearest-centre label and squared distance of every row (written to the outputs);
    returns the inertia Σ_i w_i min_j ‖x_i − c_j‖², per-chunk partials added in order."""
    n = xt.shape[1]
    nc = n_chunks_of(n)
    part = np.empty(nc)
    for c in prange(nc):
        s = c * CHUNK
        m = min(CHUNK, n - s)
        best_d = min_sq_out[s : s + m]
        _nearest_chunk(xt, centers, s, m, best_d, labels_out[s : s + m])
        part[c] = _weighted_total(w, s, m, best_d)
    total = 0.0
    for c in range(nc):
        total += part[c]
    return total


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def sq_distances(xt, centers, out):
    """out[i, j] = ‖x_i − c_j‖² for every row and centre."""
    d, n = xt.shape
    k = centers.shape[0]
    for c in prange(n_chunks_of(n)):
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
    nc = n_chunks_of(n)
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
    for c in prange(n_chunks_of(n)):
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
    nc = n_chunks_of(n)
    part = np.empty((nc, n_cand))
    for c in prange(nc):
        s = c * CHUNK
        e = min(s + CHUNK, n)
        cs = closest[s:e]
        ws = w[s:e]
        dist = np.empty(e - s)
        for t in range(n_cand):
            _sq_dist_chunk(xt[:, s:e], candidates[t], dist)
            acc = 0.0
            for i in range(e - s):
                acc += ws[i] * min(cs[i], dist[i])
            part[c, t] = acc
    pots = np.zeros(n_cand)
    for c in range(nc):
        for t in range(n_cand):
            pots[t] += part[c, t]
    return pots


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def chunk_potentials(w, closest):
    """Per-chunk sums of w_i · closest_i (the pieces of the k-means++ potential)."""
    n = closest.shape[0]
    nc = n_chunks_of(n)
    part = np.empty(nc)
    for c in prange(nc):
        s = c * CHUNK
        m = min(CHUNK, n - s)
        part[c] = _weighted_total(w, s, m, closest[s : s + m])
    return part


@njit(cache=True, nogil=True)
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
# the engine: kmeans_np.engine.Engine's operations, run by the kernels above
# ----------------------------------------------------------------------------------
_EMPTY = np.empty(0)


class NumbaEngine:
    """K-means building blocks on a fixed data set, as multi-threaded numba kernels.

    Same parameters as ``NumpyEngine`` (``X``, ``sample_weight``, optional ``center``).
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
        # Kernels skip reading weights altogether when every sample weighs 1.
        self._w_kernel = _EMPTY if sample_weight is None else sample_weight

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    def feature_variances(self) -> np.ndarray:
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
        nearest(self.xt, self._w_kernel, np.ascontiguousarray(centers), labels, min_sq)
        return labels, min_sq

    def lloyd_step(
        self, centers: np.ndarray, labels: np.ndarray, with_inertia: bool = False
    ) -> tuple[np.ndarray, np.ndarray, int, float]:
        """(sums, weight, n_changed, inertia): the fields of ``engine.LloydStep``."""
        sums, weight, n_changed, inertia = lloyd_step(
            self.xt, self._w_kernel, np.ascontiguousarray(centers), labels, with_inertia
        )
        return sums, weight, int(n_changed), float(inertia)

    def assign(self, centers: np.ndarray, labels: np.ndarray) -> float:
        min_sq = np.empty(self.X.shape[0])
        return float(
            nearest(self.xt, self._w_kernel, np.ascontiguousarray(centers), labels, min_sq)
        )

    def sq_dist_to(self, point: np.ndarray) -> np.ndarray:
        out = np.full(self.X.shape[0], np.inf)  # min(inf, d) = d: the distances themselves
        update_closest(self.xt, out, np.ascontiguousarray(point, dtype=np.float64))
        return out

    def potential(self, closest: np.ndarray) -> float:
        total = 0.0
        for part in chunk_potentials(self.w, closest):  # chunk order: deterministic
            total += part
        return float(total)

    def candidate_potentials(self, closest: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        return candidate_potentials(self.xt, self.w, closest, np.ascontiguousarray(candidates))

    def update_closest(self, closest: np.ndarray, point: np.ndarray) -> None:
        update_closest(self.xt, closest, np.ascontiguousarray(point, dtype=np.float64))

    def sample_proportional(self, closest: np.ndarray, rand_vals: np.ndarray) -> np.ndarray:
        chunk_cum = np.cumsum(chunk_potentials(self.w, closest))
        return sample_in_chunks(self.w, closest, chunk_cum, np.asarray(rand_vals, float))
