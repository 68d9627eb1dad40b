"""What an engine is: the few data-parallel operations K-means needs on a fixed data set.

Two engines implement them with one answer: ``NumpyEngine`` (broadcasting, the teaching
version) and ``NumbaEngine`` (fused multi-threaded kernels, the fast one). The
algorithms — Lloyd's iterations (``kmeans_np.lloyd``) and k-means++ seeding
(``kmeans_np.kmeans_plusplus``) — are written once, against this interface.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np


class LloydStep(NamedTuple):
    """What one assignment + update pass returns.

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
    name: str
    X: np.ndarray
    w: np.ndarray

    @property
    def n_samples(self) -> int: ...
    def sq_distances(self, centers: np.ndarray) -> np.ndarray: ...
    def nearest(self, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
    def feature_variances(self) -> np.ndarray: ...
    def cluster_sizes(self, labels: np.ndarray, k: int) -> np.ndarray: ...
    def lloyd_step(
        self, centers: np.ndarray, labels: np.ndarray, with_inertia: bool = False
    ) -> LloydStep: ...
    def assign(self, centers: np.ndarray, labels: np.ndarray) -> float: ...
    def sq_dist_to(self, point: np.ndarray) -> np.ndarray: ...
    def potential(self, closest: np.ndarray) -> float: ...
    def candidate_potentials(self, closest: np.ndarray, candidates: np.ndarray) -> np.ndarray: ...
    def update_closest(self, closest: np.ndarray, point: np.ndarray) -> None: ...
    def sample_proportional(self, closest: np.ndarray, rand_vals: np.ndarray) -> np.ndarray: ...


def make_engine(backend: str, X: np.ndarray, sample_weight: np.ndarray | None) -> Engine:
    """Build the engine for a resolved backend name (``"numpy"`` or ``"numba"``)."""
    if backend == "numba":
        from kmeans_np._numba_engine import NumbaEngine

        return NumbaEngine(X, sample_weight)
    from kmeans_np.engine import NumpyEngine

    return NumpyEngine(X, sample_weight)
