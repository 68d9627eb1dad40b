"""The numba engine: the same operations as ``NumpyEngine``, run by fused kernels.

The data is transposed once to feature-major order (d, n) when the engine is built and
reused by every Lloyd iteration, every k-means++ round and every one of ``n_init``
runs. See ``engine_numba`` for the kernels and why they are shaped as they are.
"""

from __future__ import annotations

import numpy as np

from kmeans_np._engine import LloydStep
from kmeans_np.jit import load_kernels

K = load_kernels("kmeans_np.engine_numba")

_EMPTY = np.empty(0)


class NumbaEngine:
    """K-means building blocks on a fixed data set, as multi-threaded numba kernels."""

    name = "numba"

    def __init__(self, X: np.ndarray, sample_weight: np.ndarray | None) -> None:
        self.X = X
        self.sample_weight = sample_weight
        self.w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        self.xt = np.ascontiguousarray(X.T)
        # Kernels skip reading weights altogether when every sample weighs 1.
        self._w_kernel = _EMPTY if sample_weight is None else sample_weight

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    def feature_variances(self) -> np.ndarray:
        return K.feature_variances(self.xt)

    def cluster_sizes(self, labels: np.ndarray, k: int) -> np.ndarray:
        return np.bincount(labels, minlength=k)  # once per fit: no kernel needed

    def sq_distances(self, centers: np.ndarray) -> np.ndarray:
        out = np.empty((self.X.shape[0], centers.shape[0]))
        K.sq_distances(self.xt, np.ascontiguousarray(centers), out)
        return out

    def nearest(self, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        labels = np.empty(self.X.shape[0], dtype=np.int32)
        min_sq = np.empty(self.X.shape[0])
        K.nearest(self.xt, self._w_kernel, np.ascontiguousarray(centers), labels, min_sq)
        return labels, min_sq

    def lloyd_step(
        self, centers: np.ndarray, labels: np.ndarray, with_inertia: bool = False
    ) -> LloydStep:
        sums, weight, n_changed, inertia = K.lloyd_step(
            self.xt, self._w_kernel, np.ascontiguousarray(centers), labels, with_inertia
        )
        return LloydStep(sums=sums, weight=weight, n_changed=int(n_changed), inertia=inertia)

    def assign(self, centers: np.ndarray, labels: np.ndarray) -> float:
        min_sq = np.empty(self.X.shape[0])
        return float(
            K.nearest(self.xt, self._w_kernel, np.ascontiguousarray(centers), labels, min_sq)
        )

    def sq_dist_to(self, point: np.ndarray) -> np.ndarray:
        out = np.full(self.X.shape[0], np.inf)  # min(inf, d) = d: the distances themselves
        K.update_closest(self.xt, out, np.ascontiguousarray(point, dtype=np.float64))
        return out

    def potential(self, closest: np.ndarray) -> float:
        total = 0.0
        for part in K.chunk_potentials(self.w, closest):  # chunk order: deterministic
            total += part
        return float(total)

    def candidate_potentials(self, closest: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        return K.candidate_potentials(self.xt, self.w, closest, np.ascontiguousarray(candidates))

    def update_closest(self, closest: np.ndarray, point: np.ndarray) -> None:
        K.update_closest(self.xt, closest, np.ascontiguousarray(point, dtype=np.float64))

    def sample_proportional(self, closest: np.ndarray, rand_vals: np.ndarray) -> np.ndarray:
        chunk_cum = np.cumsum(K.chunk_potentials(self.w, closest))
        return K.sample_in_chunks(self.w, closest, chunk_cum, np.asarray(rand_vals, float))
