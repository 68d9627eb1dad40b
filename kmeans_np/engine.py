"""K-means' two steps written plainly with numpy broadcasting: the reference to read first.

K-means needs only a few data-parallel operations on a fixed data set; the algorithms —
Lloyd's iterations (:mod:`kmeans_np.lloyd`) and k-means++ seeding
(:mod:`kmeans_np.kmeans_plusplus`) — are written once, against the :class:`Engine`
interface below. :class:`NumpyEngine` implements it with whole-array numpy expressions:

* **Assignment (E-step).** For every point x_i and centre c_j, the squared distance
  ``‖x_i − c_j‖² = Σ_f (x_if − c_jf)²`` is computed by broadcasting
  ``X[:, None, :] − C[None, :, :]`` into an (n, k, d) array; each point takes the label
  of its nearest centre, ``argmin_j``. Rows are processed in chunks so the temporary
  stays under ~64 MB whatever n is.
* **Update (M-step).** Each centre becomes the weighted mean of its points,
  ``c_j = Σ_{i: l_i = j} w_i x_i / Σ_{i: l_i = j} w_i``; ``np.bincount`` with weights
  computes every cluster's sums in one pass per feature.
* **k-means++.** The potential φ = Σ_i w_i D(x_i)², the potential after adding each
  candidate centre, and sampling rows with probability ∝ w_i D(x_i)².

Its twin, ``NumbaEngine`` in :mod:`kmeans_np.engine_numba`, computes the same quantities
with fused, multi-threaded kernels; the test suite checks the two agree.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

__all__ = ["Engine", "LloydStep", "NumpyEngine"]


class LloydStep(NamedTuple):
    """What one assignment + update pass returns (a plain 4-tuple from the numba engine).

    Attributes
    ----------
    sums : ndarray (k, d)
        Σ w_i x_i over the points assigned to each centre.
    weight : ndarray (k,)
        Σ w_i over the points assigned to each centre (0 for an empty cluster).
    n_changed : int
        How many labels differ from the previous ones.
    inertia : float
        Σ w_i ‖x_i − c_{l_i}‖² for the new labels and the centres they were assigned to.
    """

    sums: np.ndarray
    weight: np.ndarray
    n_changed: int
    inertia: float


class Engine(Protocol):
    """The operations K-means needs on a fixed data set ``X`` with weights ``w``.

    ``lloyd_step`` and ``assign`` take the labels array to update: a C-contiguous int32
    array, which between two passes of one fit nobody but the engine writes (an engine
    may keep what it learned from the labels it wrote, as the numba engine keeps the
    cluster sums of row chunks whose labels stand).
    """

    name: str
    X: np.ndarray
    w: np.ndarray
    sample_weight: np.ndarray | None

    @property
    def n_samples(self) -> int: ...
    def sq_distances(self, centers: np.ndarray) -> np.ndarray: ...
    def nearest(self, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
    def feature_variances(self) -> np.ndarray: ...
    def cluster_sizes(self, labels: np.ndarray, k: int) -> np.ndarray: ...
    def lloyd_step(
        self, centers: np.ndarray, labels: np.ndarray, with_inertia: bool = False
    ) -> tuple[np.ndarray, np.ndarray, int, float]: ...
    def assign(self, centers: np.ndarray, labels: np.ndarray) -> float: ...
    def sq_dist_to(self, point: np.ndarray) -> np.ndarray: ...
    def potential(self, closest: np.ndarray) -> float: ...
    def candidate_potentials(self, closest: np.ndarray, candidates: np.ndarray) -> np.ndarray: ...
    def update_closest(self, closest: np.ndarray, point: np.ndarray) -> None: ...
    def sample_proportional(self, closest: np.ndarray, rand_vals: np.ndarray) -> np.ndarray: ...


# Keep the (chunk, k, d) float64 temporaries of the assignment step under this size.
TEMP_BYTES = 64 * 2**20


def _row_chunks(n_rows: int, bytes_per_row: int):
    """Yield (start, stop) row ranges whose temporaries fit in ``TEMP_BYTES``."""
    step = max(1, TEMP_BYTES // max(1, bytes_per_row))
    for start in range(0, n_rows, step):
        yield start, min(start + step, n_rows)


class NumpyEngine:
    """K-means building blocks on a fixed data set, in plain numpy.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C-contiguous
        The (validated) data.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights; ``None`` means every sample weighs 1.
    center : ndarray of shape (n_features,) or None
        When given, the engine works on ``X − center`` (a copy; ``X`` is not modified):
        ``KMeans.fit`` clusters the data centred on its mean, as scikit-learn does, and
        adds the mean back to the centres (see :mod:`kmeans_np.lloyd`).
    """

    name = "numpy"

    def __init__(
        self, X: np.ndarray, sample_weight: np.ndarray | None, center: np.ndarray | None = None
    ) -> None:
        self.X = X if center is None else X - center
        self.sample_weight = sample_weight
        self.w = np.ones(X.shape[0]) if sample_weight is None else sample_weight

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    def feature_variances(self) -> np.ndarray:
        """Per-feature (unweighted) variance of X, for the convergence tolerance."""
        return np.var(self.X, axis=0)

    def cluster_sizes(self, labels: np.ndarray, k: int) -> np.ndarray:
        """How many points carry each label."""
        return np.bincount(labels, minlength=k)

    # -- distances -------------------------------------------------------------------
    def _chunked_sq_distances(self, centers: np.ndarray):
        """Yield (start, stop, sq) with sq[i, j] = ‖x_{start+i} − c_j‖², chunk by chunk."""
        for start, stop in _row_chunks(self.X.shape[0], centers.shape[0] * 16):
            yield start, stop, self._sq_distances_to(centers, start, stop)

    def _sq_distances_to(
        self, centers: np.ndarray, start: int = 0, stop: int | None = None
    ) -> np.ndarray:
        """sq[i, j] = ‖x_{start+i} − c_j‖² for rows start..stop-1, shape (m, k).

        Σ_f (x_f − c_f)² is added one feature at a time, in feature order: an (m, k)
        table per step rather than an (m, k, d) one summed over its short last axis (5×
        faster for d = 3), and the order of additions the numba kernels use.
        """
        block = self.X[start:stop]
        sq = block[:, 0, None] - centers[None, :, 0]
        sq *= sq
        for f in range(1, centers.shape[1]):
            diff = block[:, f, None] - centers[None, :, f]
            diff *= diff
            sq += diff
        return sq

    def sq_distances(self, centers: np.ndarray) -> np.ndarray:
        """Squared Euclidean distances from every point to every centre, shape (n, k)."""
        out = np.empty((self.X.shape[0], centers.shape[0]))
        for start, stop, sq in self._chunked_sq_distances(centers):
            out[start:stop] = sq
        return out

    def nearest(self, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Label of the nearest centre (first one on ties) and its squared distance."""
        labels = np.empty(self.X.shape[0], dtype=np.int32)
        min_sq = np.empty(self.X.shape[0])
        for start, stop, sq in self._chunked_sq_distances(centers):
            lab = sq.argmin(axis=1)
            labels[start:stop] = lab
            min_sq[start:stop] = sq[np.arange(stop - start), lab]
        return labels, min_sq

    # -- Lloyd ---------------------------------------------------------------------
    def lloyd_step(
        self, centers: np.ndarray, labels: np.ndarray, with_inertia: bool = False
    ) -> LloydStep:
        """One Lloyd iteration: assign to ``centers``, then sum each cluster's points.

        ``labels`` holds the previous labels on entry and the new ones on exit. The
        inertia of the assignment is returned when ``with_inertia`` (NaN otherwise).
        """
        k, d = centers.shape
        new_labels, min_sq = self.nearest(centers)  # E-step
        n_changed = int(np.count_nonzero(new_labels != labels))
        labels[:] = new_labels
        # M-step sums: weighted sum of the points of each cluster, and their weight.
        weight = np.bincount(labels, weights=self.w, minlength=k)
        sums = np.empty((k, d))
        for f in range(d):
            sums[:, f] = np.bincount(labels, weights=self.w * self.X[:, f], minlength=k)
        inertia = float(self.w @ min_sq) if with_inertia else float("nan")
        return LloydStep(sums=sums, weight=weight, n_changed=n_changed, inertia=inertia)

    def assign(self, centers: np.ndarray, labels: np.ndarray) -> float:
        """E-step only: write the nearest-centre labels into ``labels``; return the
        inertia Σ_i w_i min_j ‖x_i − c_j‖² of that assignment."""
        new_labels, min_sq = self.nearest(centers)
        labels[:] = new_labels
        return float(self.w @ min_sq)

    # -- k-means++ -----------------------------------------------------------------
    def sq_dist_to(self, point: np.ndarray) -> np.ndarray:
        """Squared distance from every point to one ``point`` (shape (n,))."""
        return self._sq_distances_to(point[None, :])[:, 0]

    def potential(self, closest: np.ndarray) -> float:
        """Σ_i w_i D(x_i)², the k-means++ potential of the current centres."""
        return float(self.w @ closest)

    def candidate_potentials(self, closest: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Potential after adding each candidate centre: Σ_i w_i min(D_i², ‖x_i − c‖²)."""
        pots = np.empty(candidates.shape[0])
        for t, cand in enumerate(candidates):
            pots[t] = self.w @ np.minimum(closest, self.sq_dist_to(cand))
        return pots

    def update_closest(self, closest: np.ndarray, point: np.ndarray) -> None:
        """D_i² ← min(D_i², ‖x_i − point‖²), in place."""
        np.minimum(closest, self.sq_dist_to(point), out=closest)

    def sample_proportional(self, closest: np.ndarray, rand_vals: np.ndarray) -> np.ndarray:
        """Indices i with P(i) ∝ w_i D_i²: invert the cumulative sum at ``rand_vals``."""
        ids = np.searchsorted(np.cumsum(self.w * closest), rand_vals)
        return np.minimum(ids, self.X.shape[0] - 1)
