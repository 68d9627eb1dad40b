"""The Dask engine's passes (kmeans_np._dask_engine) against brute-force numpy.

Each pass runs on blocks of uneven size on Dask's synchronous scheduler and is checked
against the same quantity computed on the whole array at once: distances to every
centre, argmin, bincount, variances by numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

from kmeans_np._dask_engine import DaskEngine  # noqa: E402
from kmeans_np.dask_blocks import to_blocks  # noqa: E402

N, CHUNK = 1000, 170  # six blocks, the last one short


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture(scope="module")
def X() -> np.ndarray:
    rng = np.random.default_rng(5)
    # far from the origin and on different scales: an uncentred variance is far off
    return rng.normal(size=(N, 3)) * [1.0, 10.0, 100.0] + [5.0, -3.0, 1000.0]


def engine(X: np.ndarray) -> DaskEngine:
    return DaskEngine(to_blocks(da.from_array(X, chunks=(CHUNK, 3))))


def sq_dists(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)


def test_feature_variances_are_numpys(X) -> None:
    np.testing.assert_allclose(engine(X).feature_variances(), X.var(axis=0), rtol=1e-12)


def test_lloyd_steps_count_the_changed_labels_over_all_blocks(X) -> None:
    eng = engine(X)
    labels = eng.start_labels()
    centers = X[[0, 300, 600, 900]].copy()
    previous = np.full(N, -1)
    for _ in range(3):
        d2 = sq_dists(X, centers)
        expected = d2.argmin(axis=1)
        step = eng.lloyd_step(centers, labels, with_inertia=True)
        assert step.n_changed == int((expected != previous).sum())
        np.testing.assert_array_equal(eng.labels_array(labels).compute(), expected)
        weight = np.array([(expected == j).sum() for j in range(4)])
        sums = np.array([X[expected == j].sum(axis=0) for j in range(4)])
        np.testing.assert_array_equal(step.weight, weight)
        np.testing.assert_allclose(step.sums, sums, rtol=1e-12)
        assert step.inertia == pytest.approx(d2[np.arange(N), expected].sum(), rel=1e-12)
        centers, previous = sums / weight[:, None], expected
    assert 0 < step.n_changed < N  # the last step moved a few labels, not all


def test_cluster_sizes_include_empty_clusters(X) -> None:
    eng = engine(X)
    labels = eng.start_labels()
    centers = np.vstack([X[0], X[1], X[2], [1e6, 1e6, 1e6]])  # nobody near the last one
    eng.assign(centers, labels)
    expected = sq_dists(X, centers).argmin(axis=1)
    sizes = eng.cluster_sizes(labels, 4)
    assert sizes.tolist() == [int((expected == j).sum()) for j in range(4)]
    assert sizes[3] == 0


def test_an_empty_cluster_gets_the_point_farthest_from_its_centre(X) -> None:
    eng = engine(X)
    labels = eng.start_labels()
    centers = np.vstack([X[10], X[20], [1e6, 1e6, 1e6]])
    step = eng.lloyd_step(centers, labels)
    assert step.weight[2] == 0
    lab = sq_dists(X, centers).argmin(axis=1)
    far = int(np.argmax(((X - centers[lab]) ** 2).sum(axis=1)))
    sums, weight = step.sums.copy(), step.weight.copy()
    eng.relocate_empty_clusters(centers, sums, weight, labels)
    np.testing.assert_array_equal(sums[2], X[far])
    assert weight[2] == 1 and weight[lab[far]] == step.weight[lab[far]] - 1
    np.testing.assert_allclose(sums[lab[far]], step.sums[lab[far]] - X[far], rtol=1e-12)


def test_rows_are_drawn_by_their_share_of_the_potential(X) -> None:
    eng = engine(X)
    point = X[123]
    closest = eng.sq_dist_to(point)
    d2 = ((X - point) ** 2).sum(axis=1)
    cum = np.cumsum(d2)
    assert eng.potential(closest) == pytest.approx(cum[-1], rel=1e-12)
    rows = np.array([0, 5, 169, 170, 171, 400, 509, 510, 999])  # block edges included
    rand = cum[rows] - d2[rows] / 2  # the middle of each row's share: no rounding edge
    np.testing.assert_array_equal(eng.sample_proportional(closest, rand), rows)
    np.testing.assert_array_equal(eng.X[rows], X[rows])
    np.testing.assert_allclose(closest[rows], d2[rows], rtol=1e-12)


def test_rows_are_fetched_from_their_blocks(X) -> None:
    eng = engine(X)
    rows = np.array([[999, 0], [170, 169], [511, 340]])
    np.testing.assert_array_equal(eng.X[rows], X[rows])  # shape (3, 2, 3): as indexed
    np.testing.assert_array_equal(eng.X[[5, 171]], X[[5, 171]])  # partly cached now
