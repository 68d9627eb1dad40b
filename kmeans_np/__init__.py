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

``KMeans``, the scalers and ``PCA`` are scikit-learn-compatible estimators (``clone``,
``Pipeline``, ``GridSearchCV``, ``set_output``), yet ``import kmeans_np`` never imports
scikit-learn.

Nothing is compiled at import: the numba kernels compile on first use and are cached on
disk, so ``import kmeans_np`` stays fast and never loads numba.
"""

from __future__ import annotations

# Plain imports: importing a submodule of the same name (kmeans_np.elbow,
# kmeans_np.kmeans_1d) cannot then shadow the function. None of these modules imports
# numba; the numba kernels are imported, and compiled, only when first used.
from kmeans_np import checks
from kmeans_np.elbow import elbow
from kmeans_np.kmeans import KMeans
from kmeans_np.kmeans_1d import KMeans1DResult, kmeans_1d
from kmeans_np.kmeans_plusplus import kmeans_plusplus
from kmeans_np.pca import PCA
from kmeans_np.scaling import ConstantColumnWarning, MinMaxScaler, StandardScaler

__all__ = [
    "PCA",
    "ConstantColumnWarning",
    "KMeans",
    "KMeans1DResult",
    "MinMaxScaler",
    "StandardScaler",
    "checks",
    "elbow",
    "kmeans_1d",
    "kmeans_plusplus",
]
