"""A lightweight coreset: a small weighted sample that costs about what the data costs.

K-means on Dask with the default ``n_init="auto"`` does not seed on the whole data set.
It draws, in **one pass** over the blocks, a weighted sample S of about m rows (m =
:func:`coreset_size`, 50,000 for k ≤ 10), runs ten k-means++ starts with Lloyd on S in
memory, and refines the best of them with Lloyd on all the data. This module holds the
sampling rule; ``kmeans_np.kmeans_dask`` runs it.

The sample (Bachem, Lucic & Krause, "Scalable k-means clustering via lightweight
coresets", KDD 2018)
-------------------------------------------------------------------------------------
For data centred on its mean (``KMeans.fit`` centres it), row i is kept with probability

    p_i = min(1, m · q_i),   q_i = 1 / (2n) + ‖x_i‖² / (2 Σ_l ‖x_l‖²),

independently of every other row, and a kept row weighs 1 / p_i. Half of q is uniform,
half is proportional to the squared distance from the mean: far-away rows (the big
spenders of RFM data, which a k-means solution often gives a cluster of their own) are
kept far more often than a uniform sample would keep them, and weigh less to make up for
it. For any centres C the weighted cost of the sample,

    Σ_{i ∈ S} (1 / p_i) · min_j ‖x_i − c_j‖²,

has the cost of the whole data as its expected value. The paper's guarantee is for its
own scheme: m rows drawn i.i.d. with probabilities q_i (with replacement), each weighing
1 / (m q_i). With m ≥ c (d k log k + log 1/δ) / ε² (c an absolute constant), with
probability at least 1 − δ, for every set Q of at most k centres

    |φ_S(Q) − φ_X(Q)| ≤ (ε/2) φ_X(Q) + (ε/2) φ_X({μ}),

φ the (weighted) cost and μ the data's mean: a multiplicative error on the cost plus an
additive one on the cost of the data around its mean (a "lightweight" coreset). The code
here keeps each row independently with probability p_i = min(1, m q_i) instead, weight
1 / p_i (Poisson sampling: no row twice, about m rows in all, which lets every block draw
its rows alone); its weighted cost is unbiased as said, but the theorem is proved for
the i.i.d. draw, not for this variant. So the starts can be compared, and run to
convergence, on the sample: what is best there is (nearly) best on the data.

Why this and not the alternatives (3 data shapes × 3 seeds, k = 8, inertia relative to
the best of 10 full k-means++ starts; the table is in ``docs/SCALE.md``):

* one greedy k-means++ start on all the data (3k passes over the blocks): up to 5.8 %
  worse (200,000 rows);
* k-means|| (Bahmani et al. 2012: 5 rounds of about 2k rows drawn ∝ D², 11 passes in all),
  its candidates weighted by the rows nearest each and reclustered from 10 starts: up to
  1.6 % worse (200,000 rows);
* this sample (2 passes), best of 10 starts on it, Lloyd on all the data: within 0.1 %
  (1M rows).

Each block draws its rows with its own generator, seeded from the fit's random state and
the block's index: the sample, and so the fit, is the same for any number of workers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CORESET_STARTS", "coreset_size", "sample_block"]

#: k-means++ starts run on the sample (scikit-learn's classic n_init)
CORESET_STARTS = 10
#: expected rows of the sample: at least this many ...
CORESET_MIN_ROWS = 50_000
#: ... and this many per cluster
CORESET_ROWS_PER_CLUSTER = 5_000


def coreset_size(n_clusters: int) -> int:
    """m, the expected number of rows in the sample for k clusters:
    max(50,000, 5,000·k)."""
    return max(CORESET_MIN_ROWS, CORESET_ROWS_PER_CLUSTER * n_clusters)


def sample_block(
    xt: np.ndarray, size: float, n_total: int, sq_total: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of one block that the sample keeps, and their weights.

    Parameters
    ----------
    xt : ndarray of shape (d, m_b)
        The block, feature-major, centred on the mean of all the data.
    size : float
        m, the expected size of the whole sample.
    n_total : int
        n, the rows of all the data.
    sq_total : float
        Σ_l ‖x_l‖² over all the data (centred).
    rng : numpy.random.Generator
        This block's own generator.

    Returns
    -------
    rows : ndarray of shape (kept, d)
    weights : ndarray of shape (kept,)
        1 / p_i of each kept row.
    """
    sq = (xt * xt).sum(axis=0)
    if sq_total > 0:
        q = 0.5 / n_total + 0.5 * sq / sq_total
    else:  # every row at the mean: uniform
        q = np.full(xt.shape[1], 1.0 / n_total)
    p = np.minimum(1.0, size * q)
    keep = rng.random(xt.shape[1]) < p
    return np.ascontiguousarray(xt[:, keep].T), 1.0 / p[keep]
