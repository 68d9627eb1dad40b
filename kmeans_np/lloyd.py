"""Lloyd's algorithm: alternate assignment and update until the labels settle.

Given initial centres c⁽⁰⁾, iteration t does

1. **assign** every point to its nearest centre: l_i = argmin_j ‖x_i − c_j⁽ᵗ⁾‖²;
2. **update** every centre to the weighted mean of its points:
   c_j⁽ᵗ⁺¹⁾ = Σ_{l_i=j} w_i x_i / Σ_{l_i=j} w_i;
3. **check convergence**, exactly as scikit-learn's Lloyd does:
   stop when no label changed (*strict* convergence), or when the total squared centre
   shift Σ_j ‖c_j⁽ᵗ⁺¹⁾ − c_j⁽ᵗ⁾‖² ≤ tol_abs, where tol_abs = tol × mean of the per-feature
   variances of X. After a shift-based stop the points are assigned once more, so that
   the labels match the final centres.

**The same arithmetic as scikit-learn.** ``KMeans.fit`` hands this module the data
centred on its column means (x − x̄, and the starting centres c − x̄) and adds x̄ back to
the centres at the end, and the update multiplies the sums by the reciprocal of the
weight, c_j = (Σ w_i x_i) · (1 / Σ w_i): both are what scikit-learn does. In exact
arithmetic neither changes anything; in floating point they decide one thing, whether
the shift at ``tol=0`` is *exactly* zero. Started from the exact means of a clustering,
the first update gives those means again: computed on raw data with a division, the
shift is often exactly 0 and the run stops after one iteration; on centred data with
the reciprocal, the recomputed centres differ from the given ones in the last bit, the
shift is not zero, and the run stops one iteration later on unchanged labels, as
scikit-learn's does (tested against it). An exactly zero shift remains a matter of
rounding: when the rounding of the centring and the sums is exact (small integers, a
mean of exactly 0) both libraries stop after one iteration.

Each step can only lower the inertia J = Σ_i w_i ‖x_i − c_{l_i}‖², so the loop stops.

**Empty clusters.** A centre that receives no point (total weight 0) is moved onto the
point that lies farthest from its own centre, taking that point out of its old cluster,
as scikit-learn does (the farthest points in the order ``numpy.argpartition`` gives
them, so the two libraries relocate identically). If every point coincides with its
centre there is nothing to gain and the empty centre joins the largest cluster's centre.

The assignment and the sums are delegated to an *engine*: the numpy reference
(:class:`kmeans_np.engine.NumpyEngine`) or its numba twin
(``kmeans_np.engine_numba.NumbaEngine``), picked by :func:`make_engine`; this module holds
the algorithm itself, once, for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kmeans_np.engine import Engine, NumpyEngine
from kmeans_np.jit import load_kernels

#: ``backend="auto"`` runs K-means with numpy below this many rows: a first run on a small
#: table then compiles no kernel (seconds saved), and at this size the broadcasting engine
#: is about as fast as the threaded kernels (faster on a busy machine).
NUMBA_FROM_SAMPLES = 10_000


def make_engine(
    backend: str,
    X: np.ndarray,
    sample_weight: np.ndarray | None,
    center: np.ndarray | None = None,
) -> Engine:
    """The engine for a resolved backend name (``"numpy"`` or ``"numba"``) on checked data;
    with ``center``, the engine holds ``X − center`` (``X`` itself is not modified)."""
    if backend == "numba":
        return load_kernels("kmeans_np.engine_numba").NumbaEngine(X, sample_weight, center)
    return NumpyEngine(X, sample_weight, center)


@dataclass
class LloydResult:
    """Outcome of one Lloyd run."""

    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    history: list[dict] = field(default_factory=list)


def tolerance(engine: Engine, tol: float) -> float:
    """Absolute tolerance on the squared centre shift: tol × mean per-feature variance."""
    if tol == 0:
        return 0.0
    return float(np.mean(engine.feature_variances()) * tol)


def relocate_empty_clusters(
    X: np.ndarray,
    w: np.ndarray,
    centers_old: np.ndarray,
    sums: np.ndarray,
    weight: np.ndarray,
    labels: np.ndarray,
) -> None:
    """Give each empty cluster the point farthest from its centre (in place).

    ``sums`` and ``weight`` are the per-cluster weighted sums of the update step; the
    moved point's contribution is taken out of its old cluster and becomes the empty
    cluster's whole sum. ``labels`` are left as they are (the next assignment fixes them),
    and must be: an engine may keep the sums of row chunks whose labels did not change
    (the numba engine does), so a label written here would make the next pass see no
    change in that chunk and keep sums that still count the point in its old cluster.
    """
    empty = np.flatnonzero(weight == 0)
    if empty.size == 0:
        return
    diff = X - centers_old[labels]
    distances = (diff * diff).sum(axis=1)
    if distances.max() == 0:
        return  # more clusters than distinct points: nothing to relocate
    n_empty = empty.size
    farthest = np.argpartition(distances, -n_empty)[: -n_empty - 1 : -1]
    for new_id, far in zip(empty, farthest, strict=True):
        old_id = labels[far]
        sums[old_id] -= X[far] * w[far]
        sums[new_id] = X[far] * w[far]
        weight[new_id] = w[far]
        weight[old_id] -= w[far]


def average_centers(sums: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Centres = sums × (1 / weights), rounded as scikit-learn rounds them (see the module
    notes); a still-empty cluster takes the largest one's centre."""
    filled = weight > 0
    if filled.all():  # the usual case, without the masks (the same products)
        return sums * (1.0 / weight)[:, None]
    centers = np.empty_like(sums)
    centers[filled] = sums[filled] * (1.0 / weight[filled])[:, None]
    centers[~filled] = centers[np.argmax(weight)]
    return centers


def lloyd(
    engine: Engine,
    centers_init: np.ndarray,
    *,
    max_iter: int = 300,
    tol_abs: float = 0.0,
    record_history: bool = False,
) -> LloydResult:
    """Run Lloyd's algorithm from ``centers_init`` on the engine's data.

    Parameters
    ----------
    engine : Engine
        Holds the data and computes assignments and sums (numpy or numba).
    centers_init : ndarray (k, d)
        Starting centres (not modified).
    max_iter : int
        Most iterations to run.
    tol_abs : float
        Absolute tolerance on the total squared centre shift (see ``tolerance``).
    record_history : bool
        Keep, per iteration, the centres used for the assignment, the inertia of that
        assignment, the number of labels that changed and the squared centre shift.

    Returns
    -------
    LloydResult
    """
    centers = np.array(centers_init, dtype=np.float64, copy=True)
    # Engines whose data lives elsewhere (the Dask engine) keep the labels there too and
    # refill empty clusters themselves; in-memory engines use a plain array.
    start_labels = getattr(engine, "start_labels", None)
    labels = start_labels() if start_labels else np.full(engine.n_samples, -1, dtype=np.int32)
    relocate = getattr(engine, "relocate_empty_clusters", None)
    history: list[dict] = []
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        # assign, and sum each cluster's points
        sums, weight, n_changed, inertia = engine.lloyd_step(centers, labels, record_history)
        if not weight.all():  # an empty cluster
            if relocate:
                relocate(centers, sums, weight, labels)
            else:
                relocate_empty_clusters(engine.X, engine.w, centers, sums, weight, labels)
        new_centers = average_centers(sums, weight)  # update
        shift = float(((new_centers - centers) ** 2).sum())
        if record_history:
            history.append(
                {
                    "iteration": n_iter,
                    "centers": centers.copy(),
                    "inertia": inertia,
                    "n_changed": n_changed,
                    "center_shift": shift,
                }
            )
        centers = new_centers
        if n_changed == 0:  # strict convergence: same labels as last time
            break
        if shift <= tol_abs:
            break
    # A last assignment makes the labels match the final centres (after a strict stop
    # it reproduces them exactly) and gives the final inertia in the same pass.
    inertia = engine.assign(centers, labels)
    return LloydResult(centers, labels, inertia, n_iter, history)
