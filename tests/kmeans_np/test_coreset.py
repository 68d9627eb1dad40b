"""The seeding sample of the Dask fit (``kmeans_np.coreset``): what it must estimate.

The references are direct numpy sums over all the rows: the sample's weighted count and
weighted cost must estimate n and the data's cost for any centres (unbiased, so the
average over many draws is close, and one draw is not far off), every row is kept when
the sample is asked for twice as many rows as there are, and rows far from the mean are
kept more often, with lighter weights.
"""

from __future__ import annotations

import numpy as np
import pytest
from _kmeans_helpers import rfm_data, sq_distances

from kmeans_np.coreset import coreset_size, sample_block

N_BLOCKS = 4


def centred_blocks(X: np.ndarray) -> list[np.ndarray]:
    """X centred on its mean, cut into feature-major blocks as the Dask fit holds it."""
    Xc = X - X.mean(axis=0)
    return [np.ascontiguousarray(b.T) for b in np.array_split(Xc, N_BLOCKS)]


def draw(blocks: list[np.ndarray], size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    n = sum(b.shape[1] for b in blocks)
    sq_total = float(sum((b * b).sum() for b in blocks))
    got = [sample_block(b, size, n, sq_total, np.random.default_rng([seed, i]))
           for i, b in enumerate(blocks)]
    return np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got])


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return rfm_data(20_000, 1)


def test_weighted_sample_estimates_the_count_and_the_cost(data) -> None:
    """E[Σ w] = n and E[Σ w d²(x, C)] = Σ d²(x, C) for any centres C: over 40 draws of
    about 2,000 rows the averages are within 1 %, every single draw within 10 %."""
    blocks = centred_blocks(data)
    Xc = data - data.mean(axis=0)
    centers = Xc[np.random.default_rng(0).choice(len(Xc), 5, replace=False)]
    true_cost = float(sq_distances(Xc, centers).min(axis=1).sum())
    counts, costs, sizes = [], [], []
    for seed in range(40):
        rows, w = draw(blocks, 2_000, seed)
        sizes.append(len(rows))
        counts.append(w.sum())
        costs.append(float(w @ sq_distances(rows, centers).min(axis=1)))
    assert 1_800 < np.mean(sizes) < 2_200
    assert np.mean(counts) == pytest.approx(len(data), rel=0.01)
    assert np.mean(costs) == pytest.approx(true_cost, rel=0.01)
    assert np.allclose(counts, len(data), rtol=0.1)
    assert np.allclose(costs, true_cost, rtol=0.1)


def test_far_rows_are_kept_more_often_and_weigh_less(data) -> None:
    """Half of the probability is uniform, half ∝ ‖x − mean‖²: the 1 % of rows farthest
    from the mean are kept far more often than a uniform sample would, and each weighs
    accordingly less (weight = 1 / probability of being kept)."""
    blocks = centred_blocks(data)
    Xc = data - data.mean(axis=0)
    sq = (Xc * Xc).sum(axis=1)
    far = set(np.flatnonzero(sq >= np.quantile(sq, 0.99)).tolist())
    rows, w = draw(blocks, 2_000, seed=3)
    # which rows were kept: match the sampled rows back to their index
    index = {tuple(r): i for i, r in enumerate(Xc)}
    kept = np.array([index[tuple(r)] for r in rows])
    far_kept = np.isin(kept, list(far))
    uniform_share = 2_000 / len(data)
    assert far_kept.sum() / len(far) > 5 * uniform_share
    assert w[far_kept].mean() < w[~far_kept].mean() / 5
    # and each weight is 1 / p with p from the formula, recomputed here
    p = np.minimum(1.0, 2_000 * (0.5 / len(data) + 0.5 * sq[kept] / sq.sum()))
    np.testing.assert_allclose(w, 1 / p, rtol=1e-12)


def test_every_row_is_kept_with_weight_1_when_the_sample_would_be_twice_the_data(data) -> None:
    blocks = centred_blocks(data[:3_000])
    rows, w = draw(blocks, 6_000, seed=0)
    np.testing.assert_array_equal(rows, data[:3_000] - data[:3_000].mean(axis=0))
    np.testing.assert_array_equal(w, 1.0)


def test_all_rows_at_the_mean_give_a_uniform_sample() -> None:
    """Σ‖x‖² = 0 (every row the same): the probability is uniform, no division by 0."""
    blocks = [np.zeros((3, 500)), np.zeros((3, 500))]
    rows, w = draw(blocks, 100, seed=1)
    assert 50 < len(rows) < 150
    np.testing.assert_allclose(w, 10.0)


def test_coreset_size_grows_with_k_beyond_ten_clusters() -> None:
    assert coreset_size(3) == coreset_size(10) == 50_000
    assert coreset_size(20) == 100_000
