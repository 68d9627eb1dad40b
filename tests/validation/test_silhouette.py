"""Silhouette: both backends against scikit-learn (independent reference) and each other."""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics import silhouette_samples as sk_samples
from sklearn.metrics import silhouette_score as sk_score

from validation import silhouette_samples, silhouette_score
from validation._silhouette_core import _allocate, cluster_distance_sums
from validation.silhouette_numba import CHUNK, MIN_BLOCK, cluster_sums_numba, tournament

BACKENDS = ["numpy", "numba"]


def blobs(n: int, d: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=5.0, size=(k, d))
    labels = rng.integers(0, k, n)
    return centers[labels] + rng.normal(size=(n, d)), labels


def rfm_shaped(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Skewed recency / frequency / monetary, log + z-scored, labels = nearest of 4 centres."""
    rng = np.random.default_rng(seed)
    freq = rng.poisson(4, n) + 1
    raw = np.column_stack([rng.exponential(90, n), freq, rng.lognormal(5, 1, n) * freq])
    X = np.log1p(raw)
    X = (X - X.mean(0)) / X.std(0)
    centers = X[rng.choice(n, 4, replace=False)]
    labels = ((X[:, None, :] - centers[None]) ** 2).sum(-1).argmin(1)
    return X, labels


@pytest.mark.parametrize("backend", BACKENDS)
def test_textbook_example(backend: str) -> None:
    # a, b worked out by hand: point 0 is alone (0); point 1: a = (0 + 1)/2, b = 1 -> 0.5; ...
    X = [[0], [1], [1], [2], [3], [3]]
    s = silhouette_samples(X, [0, 1, 1, 1, 2, 2], backend=backend)
    np.testing.assert_allclose(s, [0, 0.5, 0.5, 0, 1, 1], atol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("n", "d", "k", "seed"),
    [(300, 2, 3, 0), (700, 3, 4, 1), (1100, 5, 6, 2), (257, 1, 2, 3), (600, 3, 9, 4)],
)
def test_matches_sklearn_on_blobs(backend: str, n: int, d: int, k: int, seed: int) -> None:
    X, labels = blobs(n, d, k, seed)
    ours = silhouette_samples(X, labels, backend=backend)
    np.testing.assert_allclose(ours, sk_samples(X, labels), rtol=0, atol=1e-12)
    assert silhouette_score(X, labels, backend=backend) == pytest.approx(
        sk_score(X, labels), abs=1e-12
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_matches_sklearn_on_rfm_shaped(backend: str) -> None:
    X, labels = rfm_shaped(3 * MIN_BLOCK + 17, seed=5)  # several blocks, a ragged last one
    np.testing.assert_allclose(
        silhouette_samples(X, labels, backend=backend), sk_samples(X, labels), atol=1e-12
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_singleton_clusters(backend: str) -> None:
    X, labels = blobs(200, 3, 3, seed=6)
    labels = labels.copy()
    labels[[5, 77]] = [3, 4]  # two clusters of one point each
    ours = silhouette_samples(X, labels, backend=backend)
    np.testing.assert_allclose(ours, sk_samples(X, labels), atol=1e-12)
    assert ours[5] == 0.0 and ours[77] == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_duplicate_points(backend: str) -> None:
    # scikit-learn's default Euclidean distance uses |x|^2 + |y|^2 - 2xy, which gives
    # duplicates a distance of ~1e-7 on offset data instead of 0; so the reference here is
    # scikit-learn's silhouette on exact distances from scipy's cdist (metric="precomputed").
    rng = np.random.default_rng(7)
    X = rng.normal(size=(120, 3)) * 100 + 1000
    X = np.vstack([X, X[:40], X[:10]])
    labels = rng.integers(0, 3, X.shape[0])
    ref = sk_samples(cdist(X, X), labels, metric="precomputed")
    np.testing.assert_allclose(silhouette_samples(X, labels, backend=backend), ref, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_all_points_identical_across_clusters_gives_zero(backend: str) -> None:
    # a = b = 0 for every point: 0/0 is defined as 0 (as scikit-learn does).
    X = np.ones((6, 2))
    s = silhouette_samples(X, [0, 0, 0, 1, 1, 1], backend=backend)
    np.testing.assert_array_equal(s, np.zeros(6))
    np.testing.assert_array_equal(s, sk_samples(X, [0, 0, 0, 1, 1, 1]))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("factor", [1e200, 1e-200, 1e300, 2.0**-1000, 1e155])
def test_huge_and_tiny_values_give_the_unscaled_silhouette(backend: str, factor: float) -> None:
    """The silhouette does not change when every coordinate is multiplied by one constant.
    At 1e200 the squared differences overflow (the score was 0.0 with numpy, NaN with
    numba), at 1e-200 they underflow to 0; the reference is scikit-learn on the unscaled
    data."""
    X, labels = blobs(400, 3, 4, 5)
    ref_samples = sk_samples(X, labels)
    got = silhouette_samples(X * factor, labels, backend=backend)
    np.testing.assert_allclose(got, ref_samples, rtol=0, atol=1e-12)
    assert silhouette_score(X * factor, labels, backend=backend) == pytest.approx(
        sk_score(X, labels), abs=1e-12
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_power_of_two_factor_gives_the_same_silhouette_bit_for_bit(backend: str) -> None:
    """Multiplying by 2^k is exact, so the rescaled computation is the unscaled one."""
    X, labels = blobs(300, 2, 3, 6)
    ref = silhouette_samples(X, labels, backend=backend)
    for k in (-1000, -600, 0, 600, 1000):
        got = silhouette_samples(np.ldexp(X, k), labels, backend=backend)
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("backend", BACKENDS)
def test_spreads_of_very_different_size(backend: str) -> None:
    """A column of equal values near 1e300 next to one that varies near 1 (differences
    of the big column are exactly 0), and a column spanning -1.5e308..1.5e308 whose spread
    itself overflows: against scikit-learn on the data shifted and divided by hand."""
    X, labels = blobs(200, 2, 3, 7)
    flat_big = np.column_stack([np.full(len(X), 3e300), X])
    got = silhouette_samples(flat_big, labels, backend=backend)
    np.testing.assert_allclose(got, sk_samples(X, labels), rtol=0, atol=1e-12)
    unit = (X - X.min(0)) / (X.max(0) - X.min(0)).max()  # spread at most 1
    wide = (2 * unit - 1) * 1.5e308  # -1.5e308 .. 1.5e308: max - min overflows
    with np.errstate(over="ignore"):
        assert not np.isfinite(wide.max(0) - wide.min(0)).all()
    got = silhouette_samples(wide, labels, backend=backend)
    np.testing.assert_allclose(got, sk_samples(wide / 1e308, labels), rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_float32_input_is_computed_in_float64(backend: str) -> None:
    # The reference is scikit-learn run on the *same values* converted to float64 (on the
    # float32 array it would compute distances in float32 and differ at ~1e-7).
    X, labels = blobs(400, 3, 4, seed=8)
    X32 = X.astype(np.float32)
    ours = silhouette_samples(X32, labels, backend=backend)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, sk_samples(X32.astype(np.float64), labels), atol=1e-12)


def test_backends_agree_on_many_shapes() -> None:
    b = MIN_BLOCK
    shapes = [(2, 1, 2), (3, 2, 2), (b, 3, 2), (b + 1, 3, 3), (2 * b - 1, 4, 5),
              (5 * b + 3, 3, 4), (900, 2, 40)]
    for seed, (n, d, k) in enumerate(shapes):
        X, labels = blobs(n, d, k, seed)
        labels[:2] = [0, 1]  # at least two clusters even for n = 2, 3
        if n == 2:
            with pytest.raises(ValueError):
                silhouette_samples(X, labels)
            continue
        a = silhouette_samples(X, labels, backend="numpy")
        b = silhouette_samples(X, labels, backend="numba")
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


@pytest.mark.parametrize(("block", "d"), [(CHUNK + 90, 3), (3 * CHUNK, 3), (CHUNK + 1, 2)])
def test_large_blocks_are_swept_in_chunks(block: int, d: int) -> None:
    # Large n gets blocks bigger than CHUNK; exercise that path on small data by asking for
    # such blocks directly, and compare the per-cluster sums with the numpy reference.
    X, labels = blobs(3 * block + 50, d, 4, seed=18)
    order = np.argsort(labels, kind="stable")
    starts = np.r_[0, np.cumsum(np.bincount(labels))]
    xt = np.ascontiguousarray(X[order].T)
    got = cluster_sums_numba(xt, starts, block)
    ref = cluster_distance_sums(X[order], labels[order], 4)
    np.testing.assert_allclose(got, ref, rtol=1e-13)


def _sorted_by_cluster(X: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(labels, kind="stable")
    return np.ascontiguousarray(X[order].T), np.r_[0, np.cumsum(np.bincount(labels))]


def test_numba_is_bit_identical_across_thread_counts_and_on_the_one_thread_twin() -> None:
    """The threaded rounds give the same bits on 1 and 2 threads, and so does the
    one-thread twin that small data run on (compared with the threaded kernel on the
    same data, which is below the size where the threaded one would be chosen)."""
    cases = [
        (*_sorted_by_cluster(*rfm_shaped(6 * MIN_BLOCK + 31, seed=9)), None),
        (*_sorted_by_cluster(*blobs(4 * MIN_BLOCK + 7, 5, 3, seed=10)), None),
        (*_sorted_by_cluster(*rfm_shaped(6 * MIN_BLOCK + 31, seed=9)), CHUNK + 90),  # blocks
    ]  # larger than a chunk

    def run(one_thread: bool) -> list[np.ndarray]:
        return [cluster_sums_numba(xt, starts, block, one_thread=one_thread)
                for xt, starts, block in cases]  # fmt: skip

    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run(one_thread=False)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = run(one_thread=False)
        twin = run(one_thread=True)
    finally:
        numba.set_num_threads(before)
    for a, b, c in zip(one, two, twin, strict=True):
        assert np.array_equal(a, b)
        assert np.array_equal(b, c)


@pytest.mark.parametrize(
    ("sizes", "compiled"),
    [((), [True]), ((10_000,), [True]), ((10_000, 20_000), [True]),
     ((10_000, 20_001), [False, True]), ((50_000,), [False])],
)  # fmt: skip
def test_warm_up_compiles_the_kernels_that_silhouettes_of_those_sizes_run_on(
    monkeypatch: pytest.MonkeyPatch, sizes: tuple[int, ...], compiled: list[bool]
) -> None:
    """Up to ONE_THREAD_UP_TO points a silhouette runs on the one-thread twin, above it
    on the threaded kernel; warm_up (a first run's side process) compiles those, and
    only those, on a few points of three features, and round_kernels names them (a run
    whose kernels are all cached starts no side process)."""
    import validation.silhouette_numba as K
    from validation.silhouette_sizes import round_kernels

    assert K.ONE_THREAD_UP_TO == 20_000
    calls: list[bool] = []

    def record(xt: np.ndarray, starts: np.ndarray, block=None, one_thread=None) -> None:
        assert xt.shape[0] == 3 and xt.dtype == np.float64 and starts.dtype == np.int64
        calls.append(one_thread)

    monkeypatch.setattr(K, "cluster_sums_numba", record)
    K.warm_up(*sizes)
    assert calls == compiled
    kernels = {True: K._play_round_one_thread, False: K._play_round}
    assert round_kernels(sizes) == tuple(sorted(kernels[c].py_func.__name__ for c in calls))


@pytest.mark.parametrize(("n", "twin"), [(20_000, True), (20_001, False)])
def test_cluster_sums_take_the_kernel_round_kernels_names(
    monkeypatch: pytest.MonkeyPatch, n: int, twin: bool
) -> None:
    """cluster_sums_numba picks its round kernel by the rule warm_up compiles by: the
    one-thread twin up to ONE_THREAD_UP_TO points, the threaded kernel above."""
    import validation.silhouette_numba as K
    from validation.silhouette_sizes import round_kernels

    played: set[str] = set()
    for name in ("_play_round", "_play_round_one_thread"):
        monkeypatch.setattr(K, name, lambda *args, name=name: played.add(name))
    K.cluster_sums_numba(np.zeros((3, n)), np.array([0, n // 2, n], dtype=np.int64))
    assert played == set(round_kernels([n]))
    assert played == {"_play_round_one_thread" if twin else "_play_round"}


def test_numba_sums_are_the_numpy_twins_in_cluster_order() -> None:
    """sorted_cluster_distance_sums sorts the points by cluster (stably); row p of its
    table is the numpy twin's row for point order[p]."""
    from validation.silhouette_numba import sorted_cluster_distance_sums

    X, labels = blobs(900, 3, 4, seed=21)
    got, order = sorted_cluster_distance_sums(X, labels, np.bincount(labels))
    assert np.array_equal(order, np.argsort(labels, kind="stable"))
    want = cluster_distance_sums(X, labels, 4)
    np.testing.assert_allclose(got, want[order], rtol=1e-13)


def test_the_silhouette_is_taken_in_blocks_of_rows_as_at_once(monkeypatch) -> None:
    """silhouette_from_sums works through S a block of rows at a time; blocks of 7 rows
    give the same values, bit for bit, as taking all rows at once."""
    import validation._silhouette_core as core

    X, labels = blobs(200, 3, 4, seed=22)
    labels[5] = 4  # a cluster of one point, whose silhouette is 0
    counts = np.bincount(labels)
    sums = cluster_distance_sums(X, labels, len(counts))
    whole = core.silhouette_from_sums(sums, labels, counts)
    monkeypatch.setattr(core, "_FINISH_ROWS", 7)
    assert np.array_equal(core.silhouette_from_sums(sums, labels, counts), whole)
    assert whole[5] == 0.0


def _lane_order_sum(values: np.ndarray) -> float:
    """Σ values as the kernels add them, written out in numpy: value j into running sum
    j mod 8 up to the last multiple of 8, the sums added as ((s0 + s1) + (s2 + s3)) +
    ((s4 + s5) + (s6 + s7)), then the rest one by one."""
    head = len(values) - len(values) % 8
    s = np.zeros(8)
    for j0 in range(0, head, 8):  # numpy adds elementwise: each lane in its own order
        s = s + values[j0 : j0 + 8]
    total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
    for v in values[head:]:
        total += v
    return float(total)


@pytest.mark.parametrize("w", [0, 1, 7, 8, 9, 16, 61, 256])
def test_lane_sums_add_in_their_written_order(w: int) -> None:
    from validation.silhouette_numba import _ordered_sum

    rng = np.random.default_rng(w)
    values = rng.random(w) * 10.0 ** rng.integers(-8, 9, w)  # magnitudes where order shows
    assert _ordered_sum(values, w) == _lane_order_sum(values)


@pytest.mark.parametrize("w", [0, 3, 8, 29, 256])
def test_distance_lanes_are_each_columns_own_arithmetic(w: int) -> None:
    """Each column's distance is ((a0 − x0)² + (a1 − x1)²) + (a2 − x2)² and its square
    root, bit for bit; it is added to the column's sum, and the row's total is those
    distances added in the lanes' order."""
    from validation.silhouette_numba import _row_vs_run_d3

    rng = np.random.default_rng(100 + w)
    x = rng.normal(size=(3, w)) * 10.0 ** rng.integers(-3, 4, (3, w))
    a = rng.normal(size=3)
    col = rng.random(w)
    dist = np.sqrt(((a[0] - x[0]) ** 2 + (a[1] - x[1]) ** 2) + (a[2] - x[2]) ** 2)
    want_col = col + dist
    total = _row_vs_run_d3(x[0].copy(), x[1].copy(), x[2].copy(), a[0], a[1], a[2], col)
    assert total == _lane_order_sum(dist)
    assert np.array_equal(col, want_col)


@pytest.mark.parametrize("m", range(1, 12))
def test_tournament_pairs_every_block_once_and_rounds_are_disjoint(m: int) -> None:
    sched = tournament(m)
    pairs = [tuple(p) for rnd in sched for p in rnd if p[0] >= 0]
    assert sorted(pairs) == [(i, j) for i in range(m) for j in range(i + 1, m)]
    for rnd in sched:
        blocks = [b for p in rnd if p[0] >= 0 for b in p]
        assert len(blocks) == len(set(blocks))


def test_labels_of_any_type_give_the_same_answer() -> None:
    X, labels = blobs(150, 2, 3, seed=11)
    names = np.array(["gold", "silver", "bronze"])[labels]
    sparse_ints = labels * 10 + 7
    ref = sk_samples(X, labels)
    for lab in (names, sparse_ints, pd.Series(names), pd.Categorical(names)):
        np.testing.assert_allclose(silhouette_samples(X, lab), ref, atol=1e-12)


def test_dataframe_input_and_nothing_is_mutated() -> None:
    X, labels = blobs(120, 3, 3, seed=12)
    df = pd.DataFrame(X, columns=["r", "f", "m"])
    lab = pd.Series(labels)
    df_copy, lab_copy = df.copy(), lab.copy()
    Xc, lc = X.copy(), labels.copy()
    for backend in BACKENDS:
        silhouette_samples(df, lab, backend=backend)
        silhouette_samples(X, labels, backend=backend)
        silhouette_score(X, labels, sample_size=50, random_state=0, backend=backend)
    pd.testing.assert_frame_equal(df, df_copy)
    pd.testing.assert_series_equal(lab, lab_copy)
    np.testing.assert_array_equal(X, Xc)
    np.testing.assert_array_equal(labels, lc)


@pytest.mark.parametrize(
    ("X", "labels", "error", "match"),
    [
        (np.zeros((5, 2)), [0, 1, 0, 1], ValueError, "4 values but X has 5 rows"),
        (np.arange(8.0).reshape(4, 2), [0, 0, 0, 0], ValueError, "at least 2 clusters"),
        (np.arange(8.0).reshape(4, 2), [0, 1, 2, 3], ValueError, "at most n_samples - 1"),
        (np.array([[0.0, np.nan], [1, 1], [2, 2]]), [0, 1, 1], ValueError, "NaN"),
        (np.array([[0.0, np.inf], [1, 1], [2, 2]]), [0, 1, 1], ValueError, "infinity"),
        (np.arange(4.0), [0, 1, 0, 1], ValueError, "2-D"),
        (np.zeros((4, 2)), [[0, 1, 0, 1]], ValueError, "1-D"),
        (np.zeros((3, 2)), [0, None, 1], ValueError, "missing"),
        (np.array([["a", "b"], ["c", "d"], ["e", "f"]]), [0, 1, 1], TypeError, "numbers"),
    ],
)
def test_bad_input_raises_clearly(X, labels, error, match) -> None:
    for backend in BACKENDS:
        with pytest.raises(error, match=match):
            silhouette_samples(X, labels, backend=backend)
    with pytest.raises(error, match=match):
        silhouette_score(X, labels)


def test_bad_backend_and_sample_size() -> None:
    X, labels = blobs(50, 2, 2, seed=13)
    with pytest.raises(ValueError, match="backend"):
        silhouette_samples(X, labels, backend="cuda")
    with pytest.raises(ValueError, match="between 2 and"):
        silhouette_score(X, labels, sample_size=51)
    with pytest.raises(TypeError, match="sample_size"):
        silhouette_score(X, labels, sample_size=10.5)
    with pytest.raises(ValueError, match=r"stratified over 5 clusters.*at least 6"):
        silhouette_score(X, np.arange(50) % 5, sample_size=4)


def test_stratify_and_the_backend_name_are_checked_first() -> None:
    """stratify must be a bool ("no" used to count as True, None as False), and a bad
    backend name is reported before a problem in the data, as silhouette_samples does."""
    X, labels = blobs(50, 2, 2, seed=13)
    for bad in ("no", None, 1):
        with pytest.raises(TypeError, match="stratify must be True or False"):
            silhouette_score(X, labels, sample_size=10, stratify=bad)
    X[0, 0] = np.nan
    for call in (silhouette_score, silhouette_samples):
        with pytest.raises(ValueError, match="backend"):
            call(X, labels, backend="cuda")
    import dask.array as da

    with pytest.raises(TypeError, match="stratify must be True or False"):
        silhouette_score(da.from_array(X, chunks=10), labels, sample_size=10, stratify="no")


def test_a_stratified_sample_of_one_point_per_cluster_is_refused_with_the_right_advice() -> None:
    """sample_size = k stratified takes one point per cluster, which no silhouette can
    score: refused up front, saying how many points it needs (it used to suggest
    stratify=True, the default already in force); k + 1 is scored, and stratify=False
    is then the other way out."""
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [20.0], [21.0]])
    labels = [0, 0, 0, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="at least 4") as refused:
        silhouette_score(X, labels, sample_size=3, random_state=0)
    assert "stratify=True" not in str(refused.value)
    assert -1.0 <= silhouette_score(X, labels, sample_size=4, random_state=0) <= 1.0


def _two_clusters_on_a_line(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The silhouettes of points on a line in two clusters (``first`` and the others, two
    points or more each), by hand: the sum of |x - y| over a cluster's sorted points y
    is x·k − (y_1 + … + y_k) + (y_k+1 + … + y_m) − x·(m − k), k of them at or below x,
    from the running sums of y (in extended precision). In O(n log n): scikit-learn's
    pairwise distances took 3-4 s of CPU for 10,000 points, the test's whole cost."""
    sums, sizes = [], []
    for members in (first, ~first):
        y = np.sort(x[members]).astype(np.longdouble)
        running = np.r_[0, np.cumsum(y)]
        k = np.searchsorted(y, x, side="right")
        xl = x.astype(np.longdouble)
        sums.append(xl * k - running[k] + (running[-1] - running[k]) - xl * (y.size - k))
        sizes.append(y.size)
    own = np.where(first, sums[0] / (sizes[0] - 1), sums[1] / (sizes[1] - 1))
    other = np.where(first, sums[1] / sizes[1], sums[0] / sizes[0])
    return ((other - own) / np.maximum(own, other)).astype(np.float64)


@pytest.mark.parametrize(
    ("dtype", "lo", "hi", "n"),
    [(np.int8, -100, 100, 5), (np.int16, -20000, 20000, 10_000), (np.uint8, 0, 250, 5),
     (np.uint64, 2**64 - 9, 2**64 - 2, 5)],
)
def test_narrow_integer_labels_far_apart_are_read_as_any_labels(dtype, lo, hi, n) -> None:
    """Labels -100 and 100 as int8 (-20000 and 20000 as int16, on enough rows for the
    encoding by offsets; 0 and 250 as uint8) are two clusters, as in int64: the offsets
    from the smallest label are taken in 64 bits (in the labels' own type they wrapped
    around and numpy refused them). Reference: the silhouettes of the two clusters by
    hand (:func:`_two_clusters_on_a_line`)."""
    X = np.random.default_rng(n).normal(size=(n, 1))
    X[n // 2 :] += 5.0
    narrow = np.where(np.arange(n) < n // 2, lo, hi).astype(dtype)
    want = _two_clusters_on_a_line(X[:, 0], np.arange(n) < n // 2)
    from validation.labels import encode_labels

    assert encode_labels(narrow).classes.tolist() == [lo, hi]  # labels kept, in their type
    for backend in BACKENDS:
        np.testing.assert_allclose(silhouette_samples(X, narrow, backend=backend), want,
                                   rtol=1e-12)  # fmt: skip


def test_data_at_the_edges_of_the_float_range_give_the_unscaled_answer() -> None:
    """A tight set of points near 2^-500 is scaled up (left as it was, its small
    differences squared to subnormals and then to 0); points whose squares would
    overflow over five features are scaled down, and those just below are not scaled
    and do not overflow. Reference: scikit-learn on the same points at scale 1 (the
    silhouette does not change when every coordinate is multiplied by 2^e)."""
    r = 1e-12
    base = np.array([[0.0], [r], [3 * r], [4 * r], [1.0], [1.0 + r]])
    labels = np.array([0, 0, 1, 1, 2, 2])
    want = sk_samples(base, labels)
    for backend in BACKENDS:
        got = silhouette_samples(np.ldexp(base, -500), labels, backend=backend)
        np.testing.assert_allclose(got, want, rtol=1e-9)
    wide = np.random.default_rng(3).normal(size=(40, 5))
    wide_labels = np.arange(40) % 3
    want = sk_samples(wide, wide_labels)
    for exponent in (505, 507, 509, 1000):  # the spread crosses 2^508 for five features
        for backend in BACKENDS:
            got = silhouette_samples(np.ldexp(wide, exponent - 3), wide_labels, backend=backend)
            np.testing.assert_allclose(got, want, rtol=1e-9)


def test_a_column_far_narrower_than_another_still_counts() -> None:
    """Coordinates of 1e150 beside differences of 1e-150: nothing overflows, so the data
    are used as they are (they used to be rescaled by 2^-498, which made the small
    differences square to 0 and every silhouette 0). Reference: the distances by hand."""
    X = np.array([[0.0, 0.0], [0.0, 2e-150], [0.0, 1e-150], [1e150, 0.0], [1e150, 1.0]])
    labels = np.array([0, 0, 1, 2, 2])
    d = cdist(X, X)
    want = []
    for i in range(5):
        own = labels == labels[i]
        if own.sum() == 1:  # a cluster of one: 0 by definition
            want.append(0.0)
            continue
        a = d[i, own].sum() / (own.sum() - 1)
        b = min(d[i, labels == c].mean() for c in set(labels.tolist()) - {labels[i]})
        want.append((b - a) / max(a, b))
    np.testing.assert_allclose(want, [-0.5, -0.5, 0.0, 1.0, 1.0], atol=1e-12)
    for backend in BACKENDS:
        np.testing.assert_allclose(silhouette_samples(X, labels, backend=backend), want,
                                   atol=1e-12)  # fmt: skip


def test_stratified_sample_keeps_a_small_cluster() -> None:
    # 1,000 points in a big cluster and 3 in a tiny, far-away one: a plain sample of 20
    # misses the tiny cluster most of the time; the stratified sample always has >= 2 of it.
    rng = np.random.default_rng(14)
    X = np.vstack([rng.normal(size=(1000, 2)), rng.normal(size=(3, 2)) + 50])
    labels = np.r_[np.zeros(1000, int), np.ones(3, int)]
    for seed in range(20):
        s = silhouette_score(X, labels, sample_size=20, random_state=seed)
        assert s > 0.9  # with the tiny cluster present, every point is well separated


def test_stratified_sample_value_matches_sklearn_on_the_drawn_rows() -> None:
    X, labels = blobs(600, 3, 4, seed=15)
    from validation.silhouette import stratified_sample

    counts = np.bincount(labels)
    idx = stratified_sample(labels, counts, 150, np.random.default_rng(3))
    assert len(idx) == 150 and len(np.unique(idx)) == 150
    # Worked by hand: counts [125, 164, 154, 157] × 150/600 = [31.25, 41, 38.5, 39.25];
    # the floors sum to 149 and the last point goes to the largest remainder (38.5).
    np.testing.assert_array_equal(counts, [125, 164, 154, 157])
    np.testing.assert_array_equal(np.bincount(labels[idx]), [31, 41, 39, 39])
    expected = sk_score(X[idx], labels[idx])
    got = silhouette_score(X, labels, sample_size=150, random_state=3)
    assert got == pytest.approx(expected, abs=1e-12)


def test_plain_sample_value_matches_sklearn_on_the_drawn_rows() -> None:
    X, labels = blobs(500, 3, 3, seed=16)
    idx = np.sort(np.random.default_rng(4).choice(500, size=100, replace=False))
    got = silhouette_score(X, labels, sample_size=100, stratify=False, random_state=4)
    assert got == pytest.approx(sk_score(X[idx], labels[idx]), abs=1e-12)


@pytest.mark.parametrize(
    ("counts", "size", "expected"),
    [
        ([50, 30, 20], 10, [5, 3, 2]),       # exactly proportional
        ([900, 97, 3], 20, [16, 2, 2]),       # small clusters raised to 2, excess trimmed
        ([1, 500, 499], 10, [1, 5, 4]),       # a singleton keeps its only point
        ([5, 5, 5], 4, [2, 1, 1]),            # too small for 2 each: at least 1 each
        ([334, 333, 333], 10, [4, 3, 3]),     # largest remainder gets the spare point
    ],
)
def test_allocation(counts, size, expected) -> None:
    alloc = _allocate(np.array(counts), size)
    assert alloc.sum() == size
    np.testing.assert_array_equal(alloc, expected)


def test_score_is_the_mean_of_the_samples_with_a_generator() -> None:
    X, labels = blobs(300, 2, 3, seed=17)
    rng = np.random.default_rng(0)
    a = silhouette_score(X, labels, sample_size=100, random_state=rng)
    b = silhouette_score(X, labels, sample_size=100, random_state=rng)
    assert a != b  # a Generator advances between calls
    assert silhouette_score(X, labels, sample_size=100, random_state=5) == silhouette_score(
        X, labels, sample_size=100, random_state=5
    )
    assert silhouette_score(X, labels, sample_size=300) == pytest.approx(
        sk_score(X, labels), abs=1e-12
    )
