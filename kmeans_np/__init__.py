"""kmeans_np — K-means from scratch: readable numpy reference, fast numba kernels.

Public API
----------
KMeans            Lloyd's algorithm with k-means++ / random / given init, multi-init,
                  scikit-learn's convergence rule, numpy or numba backend.
kmeans_plusplus   Greedy k-means++ seeding.
MinMaxScaler      (x - min) / (max - min), optional per-column inversion and log1p.
StandardScaler    (x - mean) / std with the population std, optional log1p.
PCA               Principal components by SVD of the centred data.
elbow             Inertia over a range of k with drops and a suggested k.
kmeans_1d         Exact, globally optimal 1-D k-means by dynamic programming.

Nothing is compiled at import: the numba kernels compile on first use and are cached on
disk. Submodules are imported lazily, so ``import kmeans_np`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "PCA",
    "KMeans",
    "KMeans1DResult",
    "MinMaxScaler",
    "StandardScaler",
    "elbow",
    "kmeans_1d",
    "kmeans_plusplus",
]

_WHERE = {
    "KMeans": "kmeans_np.kmeans",
    "kmeans_plusplus": "kmeans_np.init",
    "MinMaxScaler": "kmeans_np.scaling",
    "StandardScaler": "kmeans_np.scaling",
    "PCA": "kmeans_np.pca",
    "elbow": "kmeans_np.elbow",
    "kmeans_1d": "kmeans_np.kmeans_1d",
    "KMeans1DResult": "kmeans_np.kmeans_1d",
}

if TYPE_CHECKING:  # pragma: no cover
    from kmeans_np.elbow import elbow
    from kmeans_np.init import kmeans_plusplus
    from kmeans_np.kmeans import KMeans
    from kmeans_np.kmeans_1d import KMeans1DResult, kmeans_1d
    from kmeans_np.pca import PCA
    from kmeans_np.scaling import MinMaxScaler, StandardScaler


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kmeans_np' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
