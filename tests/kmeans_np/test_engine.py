"""The numpy and numba backends give one answer; the numba one whatever the thread count.

* Same ``random_state`` → identical labels and ``n_iter_``, centres and inertia within
  1e-12 relative (the backends sum clusters in different orders, so the last bits may
  differ), for d = 3 (the specialised kernel) and d = 2, 5 (the generic one).
* ``kmeans_plusplus``: same indices on both backends, centres = X[indices], rows of
  weight 0 never chosen.
* numba with 1 vs 2 threads: bit-identical (in-process and in fresh processes).
* What a small fit runs (the Lloyd kernels' one-thread twins, k-means++ in numpy), and the
  kernels' written-out d = 3 code, give the threaded kernels' and the generic code's
  bits; a small fit equals the same fit on the threaded kernels.
* The numpy engine's row chunking does not change the answer.
* ``import kmeans_np`` compiles nothing (numba is not even imported).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from _kmeans_helpers import BACKENDS, blob_data, positive_weights, rfm_data

import kmeans_np.engine as numpy_engine
from kmeans_np import KMeans, kmeans_plusplus
from kmeans_np.lloyd import lloyd, make_engine

RTOL = 1e-12


def fit(X, backend, sample_weight=None, **params):
    return KMeans(backend=backend, **params).fit(X, sample_weight=sample_weight)


def assert_backends_agree(a, b):
    """Same labels and iteration count; centres and inertia equal to rounding."""
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.n_iter_ == b.n_iter_
    scale = np.abs(a.cluster_centers_).max()
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_,
                               rtol=RTOL, atol=RTOL * scale)
    assert a.inertia_ == pytest.approx(b.inertia_, rel=RTOL)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("init", ["k-means++", "random"])
@pytest.mark.parametrize("d", [2, 3, 5])
def test_numpy_and_numba_agree(d, init, weighted):
    """n = 9001 spans three numba chunks (4096 rows each), the last one partial, whose
    last tile (128 rows) is partial too and ends with a row outside the groups of eight
    that the cluster sums take at a time."""
    n, k = 9001, 6
    X = blob_data(n, d, k, seed=d)
    w = positive_weights(n, seed=d) if weighted else None
    params = {"n_clusters": k, "init": init, "random_state": 0}
    a, b = (fit(X, backend, w, **params) for backend in BACKENDS)
    assert a.n_iter_ >= 2
    assert_backends_agree(a, b)


@pytest.mark.parametrize("d", [2, 3, 5])
def test_numpy_and_numba_agree_with_empty_cluster(d):
    """An init centre far from the data: both backends relocate it the same way."""
    X = blob_data(2500, d, 4, seed=30 + d)
    init = X[:5].copy()
    init[4] = 1e3
    a, b = (fit(X, backend, n_clusters=5, init=init) for backend in BACKENDS)
    assert len(np.unique(a.labels_)) == 5
    assert_backends_agree(a, b)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("d", [2, 3, 5])
def test_kmeans_plusplus_same_indices_on_both_backends(d, weighted):
    X = rfm_data(2500, seed=40) if d == 3 else blob_data(2500, d, 6, seed=40)
    w = positive_weights(2500, seed=41) if weighted else None
    for seed in range(3):
        (ca, ia), (cb, ib) = (
            kmeans_plusplus(X, 6, random_state=seed, sample_weight=w, backend=b)
            for b in BACKENDS
        )
        np.testing.assert_array_equal(ia, ib)
        assert len(set(ia.tolist())) == 6  # k distinct rows
        np.testing.assert_array_equal(ca, X[ia])
        np.testing.assert_array_equal(cb, X[ib])


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_plusplus_never_picks_zero_weight_rows(backend):
    """Weight 0 on the outer blobs' rows and on a far outlier (the points k-means++ would
    otherwise favour): they must never become centres, for any seed."""
    X = blob_data(1500, 3, 6, seed=50)
    X[0] = 500.0  # an outlier: by far the most likely D² pick if its weight counted
    w = np.ones(len(X))
    zero = np.flatnonzero(np.linalg.norm(X - X.mean(0), axis=1) > np.median(
        np.linalg.norm(X - X.mean(0), axis=1)))
    w[zero] = 0.0
    assert 0 in zero
    for seed in range(10):
        centers, idx = kmeans_plusplus(X, 6, random_state=seed, sample_weight=w,
                                       backend=backend)
        assert not np.isin(idx, zero).any(), (seed, idx)
        np.testing.assert_array_equal(centers, X[idx])


# --- thread-count independence --------------------------------------------------------


def numba_fit_with_threads(n_threads, X, sample_weight=None, **params):
    """Fit with numba on ``n_threads`` threads, restoring the previous count after."""
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(n_threads)
        return KMeans(backend="numba", **params).fit(X, sample_weight=sample_weight)
    finally:
        numba.set_num_threads(before)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
@pytest.mark.parametrize(
    ("init", "d", "weighted"),
    [("array", 3, False), ("k-means++", 3, False), ("k-means++", 5, True)],
)
def test_numba_bit_identical_for_1_and_2_threads(init, d, weighted):
    """n = 50,000 rows = 13 chunks: with 2 threads the chunks are split between threads,
    yet the ordered reduction must give the very same bits as 1 thread (d = 3 kernel,
    and the generic kernel with weights)."""
    n = 50_000
    assert n >= engine_numba().SMALL_BELOW_ROWS  # the threaded kernels, not their twins
    X = rfm_data(n, seed=60) if d == 3 else blob_data(n, d, 6, seed=60)
    w = positive_weights(n, seed=61) if weighted else None
    params = {"n_clusters": 6, "random_state": 0}
    if init == "array":
        params["init"] = X[:6].copy()
    one = numba_fit_with_threads(1, X, w, **params)
    two = numba_fit_with_threads(2, X, w, **params)
    assert one.n_iter_ >= 3
    np.testing.assert_array_equal(one.cluster_centers_, two.cluster_centers_)
    np.testing.assert_array_equal(one.labels_, two.labels_)
    assert one.inertia_ == two.inertia_
    assert one.n_iter_ == two.n_iter_


# --- one-thread twins and the d = 3 code ----------------------------------------------


def engine_numba():
    from kmeans_np.jit import load_kernels

    return load_kernels("kmeans_np.engine_numba")


def _kernel_outputs(kernels, xt, w, centers, any_d):
    """Every output of the kernels a fit calls, on fresh copies of the inputs; the
    k-means++ draws include the chunk boundaries (r equal to a running total) and a
    value past the total."""
    n = xt.shape[1]
    labels = np.full(n, -1, np.int32)
    step = kernels.lloyd_step(xt, w, centers, labels, True, any_d, _no_kept(xt, centers))
    near_labels, min_sq = np.empty(n, np.int32), np.empty(n)
    inertia = kernels.nearest(xt, w, centers, near_labels, min_sq, any_d)
    closest = np.full(n, np.inf)
    kernels.update_closest(xt, closest, centers[0].copy())
    kernels.update_closest(xt, closest, centers[-1].copy())
    pots = kernels.candidate_potentials(xt, w, closest, centers[1:].copy())
    chunks = kernels.chunk_potentials(w, closest)
    cum = np.cumsum(chunks)
    w_full = np.ones(n) if w is None else w
    # draws: random, every chunk's running total, running sums inside the chunks, 0 and
    # just past the total
    inside = np.concatenate([
        (cum[c - 1] if c else 0.0) + np.cumsum(w_full[s : s + 4096] * closest[s : s + 4096])
        for c, s in enumerate(range(0, n, 4096))
    ])[:: max(1, n // 97)]  # fmt: skip
    draws = np.concatenate([np.random.default_rng(n).uniform(size=40) * cum[-1], cum, inside,
                            [0.0, np.nextafter(cum[-1], np.inf)]])  # fmt: skip
    picks = kernels.sample_in_chunks(w_full, closest, cum, draws)
    return [*step[:2], step[2], step[3], labels, near_labels, min_sq, inertia, closest, pots,
            chunks, picks]  # fmt: skip


def _no_kept(xt, centers):
    """Lloyd's pass's ``kept`` argument with no sums kept: every chunk adds its own."""
    k, d = centers.shape
    return np.empty((-(-xt.shape[1] // engine_numba().CHUNK), k * (d + 1))), False


def assert_same_bits(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("n", [9001, 4097, 9, 8, 5, 4, 3, 2, 1])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("d", [2, 3, 5])
def test_a_small_fits_kernels_give_the_threaded_kernels_bits(d, weighted, n):
    """What a small fit runs (the one-thread twins of the Lloyd kernels, numpy for the
    k-means++ steps) gives the threaded kernels' bits. 9,001 rows: three chunks, the last
    one partial, its last tile partial too, and with weights a first chunk of zero
    weight; 4,097: one row in the second chunk; 9 and 8: one group of eight rows for the
    cluster sums' vector code, and one row after it; 5 down to 1: no whole group. Weights
    include zeros. (For finite data, which every public entry
    point checks: a NaN distance would be kept by np.minimum and dropped by the kernels'
    min.)"""
    K = engine_numba()
    X = rfm_data(max(n, 6), seed=90) if d == 3 else blob_data(max(n, 6), d, 6, seed=90)
    X = np.ascontiguousarray(X[:n])
    xt = np.ascontiguousarray(X.T)
    w = None
    if weighted:
        w = positive_weights(n, seed=91)
        w[::7] = 0.0
        if n > 8192:
            w[:4096] = 0.0  # a whole chunk weighs nothing
    centers = np.ascontiguousarray(X[:: max(1, n // 6)][:6])
    any_d = K.any_d_flag(d)
    threaded = _kernel_outputs(K._THREADED, xt, w, centers, any_d)
    assert_same_bits(threaded, _kernel_outputs(K._SMALL, xt, w, centers, any_d))
    for kernel in (K._SMALL.lloyd_step, K._SMALL.nearest):
        assert "parallel" not in kernel.targetoptions
        assert kernel.py_func.__qualname__.endswith("_one_thread")  # its own cache entry
    for step in K._SMALL[2:]:  # k-means++ in numpy: nothing to compile
        assert not hasattr(step, "py_func")


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_d3_code_gives_the_generic_codes_bits(weighted):
    """The written-out d = 3 code (any_d None) and the generic loops (any_d True) add
    the same squares in the same order, from 0.0: the same bits."""
    K = engine_numba()
    n = 9001
    X = rfm_data(n, seed=92)
    xt = np.ascontiguousarray(X.T)
    w = positive_weights(n, seed=93) if weighted else None
    centers = np.ascontiguousarray(X[:: n // 5][:5])
    assert K.any_d_flag(3) is None and K.any_d_flag(2) is True
    assert_same_bits(_kernel_outputs(K._THREADED, xt, w, centers, None),
                     _kernel_outputs(K._THREADED, xt, w, centers, True))  # fmt: skip


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_lloyds_pass_gives_the_nearest_centre_kernels_labels_and_inertia(weighted):
    """NumbaEngine.assign takes a fit's final labels and inertia from Lloyd's pass
    rather than the nearest-centre kernel: the same bits, for d = 3 and the generic d."""
    K = engine_numba()
    n = 9001
    w = positive_weights(n, seed=97) if weighted else None
    for X in (rfm_data(n, seed=96), blob_data(n, 4, 5, seed=96)):
        xt = np.ascontiguousarray(X.T)
        centers = np.ascontiguousarray(X[:: n // 5][:5])
        any_d = K.any_d_flag(X.shape[1])
        for kernels in (K._THREADED, K._SMALL):
            lloyd_labels = np.full(n, -1, np.int32)
            step = kernels.lloyd_step(xt, w, centers, lloyd_labels, True, any_d,
                                        _no_kept(xt, centers))
            labels = np.empty(n, np.int32)
            inertia = kernels.nearest(xt, w, centers, labels, np.empty(n), any_d)
            np.testing.assert_array_equal(lloyd_labels, labels)
            assert step[3] == inertia
        engine = make_engine("numba", X, w)
        got = np.full(n, -1, np.int32)
        assert engine.assign(centers, got) == inertia
        np.testing.assert_array_equal(got, labels)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_lloyds_pass_writes_every_changed_label_and_counts_it(weighted):
    """Lloyd's pass writes a tile's labels only when one of them changed. From the
    nearest-centre labels with stale ones in a few tiles (the first row, the last row of
    the first chunk, half of the second tile, the very last row), the pass restores
    every one and counts exactly those (a partial write would leave a stale label, no
    write at all every one); the sums do not depend on the labels it was given; a second
    pass changes nothing. (Skipping the unchanged tiles saves time only: a pass that
    wrote them all would pass this test too.)"""
    K = engine_numba()
    n, k = 9001, 5
    X = rfm_data(n, seed=99)
    xt = np.ascontiguousarray(X.T)
    w = positive_weights(n, seed=100) if weighted else None
    centers = np.ascontiguousarray(X[:: n // k][:k])
    want = np.empty(n, np.int32)
    K.nearest(xt, w, centers, want, np.empty(n), None)
    stale = np.r_[0, 4095, np.arange(128, 192), n - 1]
    for kernels in (K._THREADED, K._SMALL):
        fresh = kernels.lloyd_step(xt, w, centers, np.full(n, -1, np.int32), False, None,
                                   _no_kept(xt, centers))
        labels = want.copy()
        labels[stale] = (want[stale] + 1) % k
        step = kernels.lloyd_step(xt, w, centers, labels, False, None, _no_kept(xt, centers))
        np.testing.assert_array_equal(labels, want)
        assert step[2] == stale.size
        np.testing.assert_array_equal(step[0], fresh[0])
        np.testing.assert_array_equal(step[1], fresh[1])
        again = kernels.lloyd_step(xt, w, centers, labels, False, None, _no_kept(xt, centers))
        assert again[2] == 0
        np.testing.assert_array_equal(labels, want)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("d", [3, 4])
def test_kept_chunk_sums_are_the_sums_of_the_labels_they_keep(d, weighted):
    """A chunk whose labels all stand keeps last pass's sums, and the sums it returns are
    those of a pass that adds every chunk afresh, bit for bit, and the per-cluster sums
    of the new labels by np.bincount (to rounding). Three chunks: stale labels in the
    first and the last; the middle one changes nothing, so its kept sums are used: a
    NaN planted there shows in the result, proving they were kept, and nowhere else."""
    K = engine_numba()
    n, k = 9001, 5
    X = rfm_data(n, seed=101) if d == 3 else blob_data(n, d, 5, seed=101)
    xt = np.ascontiguousarray(X.T)
    w = positive_weights(n, seed=102) if weighted else None
    centers = np.ascontiguousarray(X[:: n // k][:k])
    any_d = K.any_d_flag(d)
    want = np.empty(n, np.int32)
    K.nearest(xt, w, centers, want, np.empty(n), any_d)
    w_full = np.ones(n) if w is None else w
    by_hand = np.array([np.bincount(want, weights=w_full * X[:, f], minlength=k)
                        for f in range(d)]).T  # fmt: skip
    stale = np.r_[0, 4095, 8192, n - 1]
    for kernels in (K._THREADED, K._SMALL):
        fresh = kernels.lloyd_step(xt, w, centers, want.copy(), False, any_d, _no_kept(xt, centers))
        labels = want.copy()
        kept = _no_kept(xt, centers)
        kernels.lloyd_step(xt, w, centers, labels, False, any_d, kept)  # fills part
        labels[stale] = (want[stale] + 1) % k
        step = kernels.lloyd_step(xt, w, centers, labels, False, any_d, (kept[0], True))
        assert step[2] == stale.size
        np.testing.assert_array_equal(labels, want)
        np.testing.assert_array_equal(step[0], fresh[0])
        np.testing.assert_array_equal(step[1], fresh[1])
        np.testing.assert_allclose(step[0], by_hand, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(step[1], np.bincount(want, w_full, minlength=k), rtol=1e-12)
        kept[0][1, :] = np.nan  # the middle chunk: nothing changes there
        kept[0][0, :] = np.nan  # the first: a stale label makes it add afresh
        labels[0] = (want[0] + 1) % k
        again = kernels.lloyd_step(xt, w, centers, labels, False, any_d, (kept[0], True))
        assert again[2] == 1 and np.isnan(again[0]).all() and np.isfinite(kept[0][0]).all()


@pytest.mark.parametrize("backend_rows", [60_000, 20_000], ids=["threaded", "one-thread"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_fits_with_kept_sums_are_the_fits_that_add_every_chunk(weighted, backend_rows):
    """Whole fits on the numba engine, with chunk sums kept between passes, give the same
    centres, labels, inertia and iteration counts, bit for bit, as the same engine made
    to add every chunk's sums on every pass; among them fits whose clusters empty and
    are refilled (k larger than the groups in the data), and n_init restarts on one
    engine (each run its own labels array)."""
    K = engine_numba()

    class AddsEveryChunk(K.NumbaEngine):
        def lloyd_step(self, centers, labels, with_inertia=False):
            self._kept = None  # never the previous pass's labels: nothing kept
            return super().lloyd_step(centers, labels, with_inertia)

    rng = np.random.default_rng(103)
    X = rfm_data(backend_rows, seed=104)
    X[: backend_rows // 2] = np.round(X[: backend_rows // 2], 1)  # ties and duplicates
    w = positive_weights(backend_rows, seed=105) if weighted else None
    for k in (2, 4, 8):
        init = X[rng.choice(backend_rows, k, replace=False)]
        a = lloyd(K.NumbaEngine(X, w), init, max_iter=300)
        b = lloyd(AddsEveryChunk(X, w), init, max_iter=300)
        assert a.n_iter == b.n_iter
        np.testing.assert_array_equal(a.centers, b.centers)
        np.testing.assert_array_equal(a.labels, b.labels)
        assert a.inertia == b.inertia
    few = np.repeat(X[:3], backend_rows // 3 + 1, axis=0)[:backend_rows]  # three points
    init = np.vstack([few[:3], few[:3] + 1e-3])  # six centres: three clusters empty
    # Refilled on every pass, such a fit may never settle: it reaches a cycle of six
    # passes (the same centres every sixth pass, from the third to the sixth) and repeats
    # it up to max_iter (300 passes: 8 s at 60,000 rows, an argpartition of every row per
    # refill). A pass depends only on the centres of that pass and the one before, so
    # once two whole cycles repeat (checked below) the passes after them repeat too, in
    # both engines: the first 18 show all.
    a = lloyd(K.NumbaEngine(few, w), init, max_iter=18, record_history=True)
    b = lloyd(AddsEveryChunk(few, w), init, max_iter=18)
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.n_iter == b.n_iter
    if a.n_iter == 18:  # not settled: its last six passes are the six before them
        for last in a.history[-6:]:
            again = a.history[last["iteration"] - 7]
            np.testing.assert_array_equal(last["centers"], again["centers"])
    for seed in (0, 1):
        one = KMeans(4, n_init=3, random_state=seed, backend="numba").fit(X, sample_weight=w)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(K, "NumbaEngine", AddsEveryChunk)
            two = KMeans(4, n_init=3, random_state=seed, backend="numba").fit(X, sample_weight=w)
        np.testing.assert_array_equal(one.cluster_centers_, two.cluster_centers_)
        np.testing.assert_array_equal(one.labels_, two.labels_)
        assert one.n_iter_ == two.n_iter_


@pytest.mark.parametrize("rows", [60_000, 20_000], ids=["threaded", "one-thread"])
def test_the_engine_keeps_sums_only_for_the_labels_array_it_last_wrote(rows):
    """NumbaEngine.lloyd_step's bookkeeping: a settled second pass on the same labels
    array reuses the kept sums (a NaN planted in them shows); another array, though it
    already holds the same labels, and the same array with another k (one more centre,
    nearest to no row, so no label changes), get fresh sums, equal to the numpy engine's
    weights (unit weights: exact counts); a pass that fails keeps nothing, so the next
    one adds afresh."""
    K = engine_numba()
    X = rfm_data(rows, seed=106)
    numpy_twin = numpy_engine.NumpyEngine(X, None)
    c4 = np.ascontiguousarray(X[:4])

    def counts(centers, labels):
        return numpy_twin.lloyd_step(centers, labels.copy())[1]

    engine = K.NumbaEngine(X, None)
    first = np.full(rows, -1, np.int32)
    engine.lloyd_step(c4, first)
    engine._kept[1][:] = np.nan  # a settled pass on the same array must keep these
    assert np.isnan(engine.lloyd_step(c4, first)[1]).all()
    second = engine.nearest(c4)[0]  # a new array, already holding c4's labels
    engine._kept[1][:] = np.nan
    step = engine.lloyd_step(c4, second)
    assert step[2] == 0
    np.testing.assert_array_equal(step[1], counts(c4, second))
    c5 = np.vstack([c4, [1e6, 1e6, 1e6]])  # one more centre, nearest to no row
    engine._kept[1][:] = np.nan
    step = engine.lloyd_step(c5, second)  # the same array and labels, k = 5: fresh sums
    assert step[2] == 0
    np.testing.assert_array_equal(step[1], counts(c5, second))

    def fails(*args):
        raise RuntimeError("interrupted")

    engine.lloyd_step(c4, second)  # k = 4 again: sums of the same array kept
    engine._kept[1][:] = np.nan
    kernels = engine._kernels
    engine._kernels = kernels._replace(lloyd_step=fails)
    with pytest.raises(RuntimeError):
        engine.lloyd_step(c4, second)
    engine._kernels = kernels
    np.testing.assert_array_equal(engine.lloyd_step(c4, second)[1], counts(c4, second))


@pytest.mark.parametrize("rows", [60_000, 12_288], ids=["threaded", "one-thread"])
def test_a_fit_that_refills_an_empty_cluster_once_is_the_numpy_engines(rows):
    """Two tight groups far apart and one point between them; the third starting centre
    lies far from every point, so its cluster is empty after the first pass and takes
    the point farthest from its centre (the one between the groups): one relocation, in
    a chunk where no other label changes afterwards. The numba engine, which keeps the
    sums of chunks whose labels stand, must still count that point in its new cluster:
    the same labels and iterations as the numpy engine, centres to rounding, and the
    third centre exactly on the point."""
    K = engine_numba()
    rng = np.random.default_rng(1)
    X = rng.normal(scale=0.01, size=(rows, 3))
    X[rows // 2 :, 0] += 10.0
    X[100] = (3.0, 0.0, 0.0)
    init = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [1000.0, 1000.0, 1000.0]])
    ours = lloyd(K.NumbaEngine(X, None), init)
    ref = lloyd(numpy_engine.NumpyEngine(X, None), init)
    assert ours.n_iter == ref.n_iter
    np.testing.assert_array_equal(ours.labels, ref.labels)
    np.testing.assert_allclose(ours.centers, ref.centers, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours.centers[2], X[100])
    assert np.bincount(ours.labels).tolist() == [rows // 2 - 1, rows // 2, 1]


def _lane_sums_by_hand(acc, xt, w, s, m, lab, lanes):
    """The lane sums as plain Python adds them: row s+i into lane i mod ``lanes`` of its
    cluster, one IEEE addition after the other in row order (the reference)."""
    out = acc.copy()
    d = xt.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(m):
            wi = 1.0 if w is None else float(w[s + i])
            b = int(lab[i]) * (d + 1) * lanes + i % lanes
            for f in range(d):
                x = float(xt[f, s + i])
                out[b + f * lanes] += x if w is None else wi * x
            out[b + d * lanes] += wi
    return out


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("k", [1, 4, 5, 8])
def test_the_lane_sums_add_each_lane_in_row_order(k, weighted):
    """Lloyd's cluster sums (``_add_cluster_sums``): row s+i adds into lane i mod 8 of its
    cluster's sums, in row order, bit for bit as plain Python adds them: rounding,
    −0.0, overflow to inf, subnormals; for the vector code (d = 3, whole groups of
    eight rows), the loop after it (the last rows of a group), and the loop alone (rows
    or weights that are not contiguous, float32 data or weights, a sum buffer too short
    for the vector code, and d = 2). Sums of clusters no label names, and the padding up
    to a multiple of four clusters, keep their values."""
    K = engine_numba()
    lanes = K.LANES
    add = K._add_cluster_sums
    rng = np.random.default_rng(120 + k)
    n, s, m = 300, 40, 203  # s a multiple of 8; m leaves 3 rows after the last group
    xt = rng.normal(size=(3, n))
    xt[:, s : s + 8] = [[-0.0, 5e-324, 1e308, 1e308, -1e308, 2.5, -0.0, 0.1]] * 3
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    lab = rng.integers(0, k, m).astype(np.int32)
    lab[:8] = np.arange(8) % k  # the special values fall into every cluster
    acc = rng.normal(size=(k + 3) // 4 * 4 * 4 * lanes)  # values, not zeros: strays show
    for data, any_d in ((xt, None), (np.asfortranarray(xt), None), (xt, True)):
        got = acc.copy()
        add(got, data, w, s, m, lab, k, any_d)
        want = _lane_sums_by_hand(acc, data, w, s, m, lab, lanes)
        np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))
    assert np.asfortranarray(xt).strides[1] != 8  # the loop-only case really ran
    # weights every other element of a longer array, float32 data or weights: the loop
    if weighted:
        spaced = np.repeat(w, 2)[::2]
        assert spaced.strides[0] == 16
        got = acc.copy()
        add(got, xt, spaced, s, m, lab, k, None)
        want = _lane_sums_by_hand(acc, xt, spaced, s, m, lab, lanes)
        np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))
    with np.errstate(over="ignore"):  # 1e308 is inf in float32: still added as the loop adds
        narrow = xt.astype(np.float32)
    for data, weights in ((narrow, w), (xt, None if w is None else w.astype(np.float32))):
        got = acc.copy()
        add(got, data, weights, s, m, lab, k, None)
        want = _lane_sums_by_hand(acc, data, weights, s, m, lab, lanes)
        np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))
    # a buffer of exactly k clusters' sums, shorter than the vector code's whole fours:
    # the loop adds the rows, and nothing past the buffer's end changes
    short = k * 4 * lanes
    room = np.concatenate([acc[:short], rng.normal(size=4 * 4 * lanes)])
    got = room.copy()
    add(got[:short], xt, w, s, m, lab, k, None)
    want = _lane_sums_by_hand(room[:short], xt, w, s, m, lab, lanes)
    np.testing.assert_array_equal(got[:short].view(np.uint64), want.view(np.uint64))
    np.testing.assert_array_equal(got[short:], room[short:])
    x2 = np.ascontiguousarray(xt[:2])
    acc2 = rng.normal(size=(k + 3) // 4 * 4 * 3 * lanes)
    got = acc2.copy()
    add(got, x2, w, s, m, lab, k, True)
    want = _lane_sums_by_hand(acc2, x2, w, s, m, lab, lanes)
    np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


def test_the_vector_lane_sums_refuse_what_they_cannot_index():
    """``_add_lane_sums_d3`` is refused when compiling for a signed first row (a
    negative one would read before the array), labels that are not int32, a read-only
    or integer sum array: numba then reports a typing error naming the arguments."""
    from numba import njit
    from numba.core.errors import TypingError

    lane_sums = engine_numba()._add_lane_sums_d3

    @njit
    def call(acc, xt, lab, w, s, groups, k):
        lane_sums(acc, xt, lab, w, s, groups, k)

    xt = np.zeros((3, 8))
    acc = np.zeros(4 * 4 * 8)
    lab = np.zeros(8, np.int32)
    u = np.uint64
    call(acc, xt, lab, None, u(0), u(1), u(1))  # the control: accepted
    read_only = acc.copy()
    read_only.flags.writeable = False
    for bad in ((acc, xt, lab, None, np.int64(0), u(1), u(1)),
                (acc, xt, lab.astype(np.int64), None, u(0), u(1), u(1)),
                (read_only, xt, lab, None, u(0), u(1), u(1)),
                (np.zeros(128, np.int64), xt, lab, None, u(0), u(1), u(1))):  # fmt: skip
        with pytest.raises(TypingError):
            call(*bad)


def test_the_engine_picks_the_twins_below_the_threshold_only():
    K = engine_numba()
    cut = K.SMALL_BELOW_ROWS
    for n, kernels in ((cut - 1, K._SMALL), (cut, K._THREADED)):
        assert make_engine("numba", rfm_data(n, seed=98), None)._kernels is kernels


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("d", [3, 5])
def test_small_fit_equals_the_fit_on_threaded_kernels(monkeypatch, d, weighted):
    """Below SMALL_BELOW_ROWS a fit runs the Lloyd kernels' one-thread twins, seeds in
    numpy and takes the feature variances from numpy; with the threshold at 0 the same
    fit runs the threaded kernels and their variances. The variances may differ in their
    last bits (so the tolerance too: a fit could then stop one iteration apart only if a
    centre shift fell within that sliver); on these data sets the labels, centres,
    inertia and iterations are the same."""
    K = engine_numba()
    n = 12_000
    assert n < K.SMALL_BELOW_ROWS
    X = rfm_data(n, seed=94) if d == 3 else blob_data(n, d, 5, seed=94)
    w = positive_weights(n, seed=95) if weighted else None
    params = {"n_clusters": 5, "random_state": 0, "n_init": 3}
    small = fit(X, "numba", w, **params)
    monkeypatch.setattr(K, "SMALL_BELOW_ROWS", 0)
    threaded = fit(X, "numba", w, **params)
    assert small.n_iter_ >= 3
    np.testing.assert_array_equal(small.labels_, threaded.labels_)
    np.testing.assert_array_equal(small.cluster_centers_, threaded.cluster_centers_)
    assert small.inertia_ == threaded.inertia_
    assert small.n_iter_ == threaded.n_iter_


# --- the numpy engine's chunking ------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_numpy_engine_chunking_does_not_change_the_answer(monkeypatch, weighted):
    """TEMP_BYTES tiny → chunks of 3 rows instead of one; every row's distances are
    computed alike, so the fit (k-means++, Lloyd, transform) is bit-identical."""
    X = blob_data(700, 4, 5, seed=80)
    w = positive_weights(700, seed=81) if weighted else None
    params = {"n_clusters": 5, "random_state": 1, "backend": "numpy"}
    whole = KMeans(**params).fit(X, sample_weight=w)
    monkeypatch.setattr(numpy_engine, "TEMP_BYTES", 3 * 5 * 4 * 8)  # 3 rows of (k, d)
    assert len(list(numpy_engine._row_chunks(700, 5 * 4 * 8))) == 234  # ceil(700 / 3)
    chunked = KMeans(**params).fit(X, sample_weight=w)
    np.testing.assert_array_equal(whole.cluster_centers_, chunked.cluster_centers_)
    np.testing.assert_array_equal(whole.labels_, chunked.labels_)
    assert whole.inertia_ == chunked.inertia_
    assert whole.n_iter_ == chunked.n_iter_
    np.testing.assert_array_equal(whole.transform(X), chunked.transform(X))


# --- import cost ----------------------------------------------------------------------


@pytest.mark.parametrize("k", range(1, 10))
def test_d3_sweeps_of_four_centres_pick_numpys_argmin_for_every_k(k):
    """The d = 3 code compares four centres per sweep and repeats centre k − 1 to fill
    the last one: for every k from 1 to 9 (full sweeps, and 1–3 repeats) its labels and
    distances are numpy's argmin over the broadcast distances, bit for bit, with exact
    ties everywhere (a small integer grid and duplicated centres: the first of the tied
    centres wins) and rows so far out that every squared distance is inf (label 0)."""
    K = engine_numba()
    rng = np.random.default_rng(k)
    X = rng.integers(-2, 3, size=(9001, 3)).astype(float)
    X[::997] = 1e200  # (1e200 − c)² overflows to inf for every centre
    centers = X[rng.integers(0, 9001, k)].copy()
    centers[centers == 1e200] = 1.0
    if k > 2:
        centers[k - 1] = centers[k // 2]  # a later duplicate never wins
    with np.errstate(over="ignore"):
        sq = numpy_engine.NumpyEngine(X, None).sq_distances(centers)
    want = sq.argmin(axis=1)
    assert np.isinf(sq[::997]).all()
    xt = np.ascontiguousarray(X.T)
    for kernels in (K._THREADED, K._SMALL):
        labels, min_sq = np.empty(9001, np.int32), np.empty(9001)
        kernels.nearest(xt, None, centers, labels, min_sq, None)
        np.testing.assert_array_equal(labels, want)
        np.testing.assert_array_equal(min_sq, sq[np.arange(9001), want])
        lloyd_labels = np.full(9001, -1, np.int32)
        kernels.lloyd_step(xt, None, centers, lloyd_labels, False, None, _no_kept(xt, centers))
        np.testing.assert_array_equal(lloyd_labels, want)
