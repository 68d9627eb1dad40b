"""K-means, scalers, PCA and the validation indices on Dask arrays: the in-memory answers.

The reference for every Dask result is the in-memory function on the same numbers (each
of those is itself tested against scikit-learn elsewhere). The distributed runs use a
two-process ``LocalCluster``; the threaded scheduler is run with 1 and 2 threads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from _cluster import local_cluster  # noqa: E402
from _kmeans_helpers import blob_data, direct_inertia, rfm_data, sq_distances  # noqa: E402

from kmeans_np import KMeans  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 3_000  # rows per block: uneven last block, not a multiple of the kernels' chunk


@pytest.fixture(scope="module")
def client():
    """A client of the two-process LocalCluster the Dask modules share (tests/_cluster.py)."""
    client = distributed.Client(local_cluster(), set_as_default=False)
    yield client
    client.close()


def _threads(n: int):
    return dask.config.set(scheduler="threads", num_workers=n)


def _on(client):
    return dask.config.set(scheduler=client)


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return rfm_data(20_000, 5)


def _fitted_pair(X: np.ndarray, k: int, init: np.ndarray, client) -> tuple[KMeans, KMeans]:
    ref = KMeans(k, init=init, backend="numba").fit(X)
    with _on(client):
        km = KMeans(k, init=init).fit(da.from_array(X, chunks=(CHUNK, 3)))
        km.labels_ = km.labels_.compute()
    return ref, km
def test_same_init_gives_the_in_memory_fit_on_a_local_cluster(data, client) -> None:
    init = data[np.random.default_rng(1).choice(len(data), 6, replace=False)]
    ref, km = _fitted_pair(data, 6, init, client)
    assert isinstance(km.cluster_centers_, np.ndarray)
    assert type(km.inertia_) is float and type(km.n_iter_) is int
    assert km.n_iter_ == ref.n_iter_ > 3
    np.testing.assert_array_equal(km.labels_, ref.labels_)
    np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=0, atol=1e-12)
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-12)
    # and the inertia is that of the returned centres and labels, computed directly
    assert km.inertia_ == pytest.approx(
        direct_inertia(data, km.cluster_centers_, km.labels_), rel=1e-12
    )


def test_labels_are_a_dask_array_chunked_like_the_input(data) -> None:
    with _threads(2):
        km = KMeans(4, random_state=0).fit(da.from_array(data, chunks=(CHUNK, 3)))
        assert isinstance(km.labels_, da.Array)
        assert km.labels_.chunks == ((CHUNK,) * 6 + (2_000,),)
        assert km.labels_.dtype == np.int64
        labels = km.labels_.compute()
    np.testing.assert_array_equal(
        labels, np.argmin(((data[:, None, :] - km.cluster_centers_) ** 2).sum(axis=2), axis=1)
    )


@pytest.fixture(scope="module")
def big() -> np.ndarray:
    """40,000 rows: above 25,000 the seeding sample (about 50,000 rows expected) keeps
    most rows with a probability below 1, so the default fit really samples."""
    return rfm_data(40_000, 8)


BIG_CHUNK = 4_500  # 9 blocks, the last one partial


def test_default_fit_is_bit_identical_for_any_number_of_workers(big, client) -> None:
    """The default fit draws its seeding sample block by block, each block with its own
    generator: 1, 2 or 4 threads and 2 worker processes give the very same bits."""
    dX = da.from_array(big, chunks=(BIG_CHUNK, 3))
    fits = []
    for ctx in (_threads(1), _threads(2), _threads(4), _on(client)):
        with ctx:
            km = KMeans(6, random_state=7).fit(dX)
            fits.append((km.cluster_centers_, km.inertia_, km.n_iter_, km.labels_.compute()))
    for centers, inertia, n_iter, labels in fits[1:]:
        np.testing.assert_array_equal(centers, fits[0][0])
        assert inertia == fits[0][1] and n_iter == fits[0][2]
        np.testing.assert_array_equal(labels, fits[0][3])


def test_default_fit_is_lloyd_from_its_sample_start_as_in_memory(big) -> None:
    """After the seeding on a sample, the fit is Lloyd on all the data: from the same
    start (history_[0]), the in-memory fit gives the same labels and iterations, centres
    equal to rounding; the inertia is that of the returned centres and labels."""
    dX = da.from_array(big, chunks=(BIG_CHUNK, 3))
    with _threads(2):
        km = KMeans(6, random_state=7, record_history=True).fit(dX)
        labels = km.labels_.compute()
    start = km.history_[0]["centers"]
    ref = KMeans(6, init=start, backend="numba").fit(big)
    assert km.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(labels, ref.labels_)
    np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=0, atol=1e-12)
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-12)
    assert km.inertia_ == pytest.approx(direct_inertia(big, km.cluster_centers_, labels),
                                        rel=1e-12)


def test_n_init_1_seeds_on_all_blocks_as_in_memory(data, client) -> None:
    """n_init=1: greedy k-means++ on all the blocks, the in-memory draws exactly, so the
    centres equal the in-memory fit's to rounding, for any number of workers."""
    dX = da.from_array(data, chunks=(CHUNK, 3))
    ref = KMeans(5, random_state=7, backend="numba").fit(data)
    for ctx in (_threads(1), _on(client)):
        with ctx:
            km = KMeans(5, n_init=1, random_state=7).fit(dX)
        np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=0,
                                   atol=1e-12)
        assert km.n_iter_ == ref.n_iter_


def test_callable_init_on_dask_gives_the_in_memory_fit(data) -> None:
    """A scikit-learn style init callable: on Dask it is called on the data as a float64
    Dask array (partition sizes known, so it can index rows, even for an array of unknown
    chunk sizes such as ``ddf.to_dask_array()``), its centres computed;
    "auto" is 10 starts seeded alike, as in memory (and scikit-learn). Identical labels
    and n_iter_ to the in-memory fit, itself checked against scikit-learn."""
    calls = []

    def random_rows(X, n_clusters, random_state):
        calls.append(X)
        return X[np.sort(random_state.choice(X.shape[0], n_clusters, replace=False))]

    X = data[:9_000]
    ref = KMeans(5, init=random_rows, random_state=4, backend="numba").fit(X)
    frame = dd.from_pandas(pd.DataFrame(X, columns=["r", "f", "m"]), npartitions=3)
    for given in (da.from_array(X, chunks=(CHUNK, 3)), frame, frame.to_dask_array()):
        calls.clear()
        with _threads(2):
            km = KMeans(5, init=random_rows, random_state=4).fit(given)
            labels = km.labels_.compute()
        assert len(calls) == 10
        assert isinstance(calls[0], da.Array) and calls[0].dtype == np.float64
        assert calls[0].shape == X.shape
        np.testing.assert_array_equal(labels, ref.labels_)
        assert km.n_iter_ == ref.n_iter_
        np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=1e-12)


@pytest.mark.parametrize("kind", ["array", "frame"])
def test_callable_init_on_dask_reads_the_source_once_for_all_starts(data, kind) -> None:
    """A callable init that gathers rows on Dask read every partition of the source once
    per start (30 reads for 3 partitions and n_init=10, against one pass for the data's
    own check): the starts now read the blocks the fit holds in memory, so the source is
    read once per partition in all, counted as the source is asked for each partition.
    The fit stays the in-memory fit with the same callable and random_state."""
    calls = []

    def random_rows(X, n_clusters, random_state):
        calls.append(1)
        return X[np.sort(random_state.choice(X.shape[0], n_clusters, replace=False))]

    X = data[:9_000]
    ref = KMeans(5, init=random_rows, n_init=10, random_state=4, backend="numba").fit(X)
    reads = []

    def read(part):
        reads.append(len(part))
        return part

    if kind == "frame":
        base = dd.from_pandas(pd.DataFrame(X, columns=["r", "f", "m"]), npartitions=3)
        source = base.map_partitions(read, meta=base._meta)
    else:
        source = da.from_array(X, chunks=(CHUNK, 3)).map_blocks(read, meta=np.empty((0, 3)))
    calls.clear()
    with dask.config.set(scheduler="sync"):
        km = KMeans(5, init=random_rows, n_init=10, random_state=4).fit(source)
        assert sorted(reads) == [CHUNK] * 3, len(reads)  # each partition once, in all
        labels = km.labels_.compute()
    assert len(calls) == 10
    np.testing.assert_array_equal(labels, ref.labels_)
    assert km.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=1e-12)
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-12)


def _log_minmax(X: np.ndarray) -> np.ndarray:
    logged = np.log1p(X - X.min(axis=0))
    return (logged - logged.min(axis=0)) / (logged.max(axis=0) - logged.min(axis=0))


QUALITY_SETS = {
    "rfm": lambda: rfm_data(40_000, 0),
    "rfm_log_minmax": lambda: _log_minmax(rfm_data(40_000, 1)),
    "blobs": lambda: blob_data(40_000, 3, 6, seed=2, std=2.5),
}


@pytest.mark.parametrize("name", list(QUALITY_SETS))
def test_default_fit_is_as_good_as_ten_full_starts(name) -> None:
    """The default Dask fit (one pass to sample, ten starts on the sample) reaches the
    inertia of scikit-learn's best of ten k-means++ starts on all the data (within
    0.2 %)."""
    from sklearn.cluster import KMeans as SkKMeans

    X = QUALITY_SETS[name]()
    with _threads(2):
        km = KMeans(6, random_state=0).fit(da.from_array(X, chunks=(10_000, 3)))
    ref = SkKMeans(6, n_init=10, random_state=0).fit(X)
    assert km.inertia_ <= 1.002 * ref.inertia_


@pytest.mark.parametrize("name", ["rfm", "rfm_log_minmax"])
def test_default_fit_is_no_worse_than_dask_mls_default(name) -> None:
    """At a small size, our default inertia is at most 1.005x dask-ml's default
    (k-means||), both computed from the returned centres (dask-ml's own inertia_ is not
    that of its centres). The timed comparison is ``python -m benchmarks scale-kmeans``."""
    dask_ml_cluster = pytest.importorskip("dask_ml.cluster")
    X = QUALITY_SETS[name]()
    dX = da.from_array(X, chunks=(10_000, 3))
    with _threads(2):
        ours = KMeans(6, random_state=0).fit(dX)
        theirs = dask_ml_cluster.KMeans(n_clusters=6, random_state=0).fit(dX)
    ours_inertia = float(sq_distances(X, ours.cluster_centers_).min(axis=1).sum())
    theirs_inertia = float(sq_distances(X, np.asarray(theirs.cluster_centers_)).min(axis=1).sum())
    assert ours_inertia <= 1.005 * theirs_inertia


def test_n_init_and_random_init_keep_the_lowest_inertia(data) -> None:
    dX = da.from_array(data, chunks=(CHUNK, 3))
    with _threads(2):
        best = KMeans(5, init="random", n_init=3, random_state=2).fit(dX)
        singles = [
            KMeans(5, init="random", n_init=1, random_state=g).fit(dX).inertia_
            for g in [np.random.default_rng(2)]
            for _ in range(3)
        ]
    assert best.inertia_ == min(singles)


def test_empty_cluster_is_refilled_as_in_memory(data, client) -> None:
    # a centre far from every point gets no point in the first assignment
    init = np.vstack([data[:4], [[50.0, 50.0, 50.0]]])
    ref, km = _fitted_pair(data, 5, init, client)
    assert km.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(km.labels_, ref.labels_)
    np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=0, atol=1e-12)


def test_predict_transform_score_are_the_in_memory_values(data, client) -> None:
    model = KMeans(4, random_state=0, backend="numba").fit(data)
    new = rfm_data(7_000, 9)
    dnew = da.from_array(new, chunks=(2_500, 3))
    with _on(client):
        pred = model.predict(dnew)
        trans = model.transform(dnew)
        assert isinstance(pred, da.Array) and isinstance(trans, da.Array)
        pred, trans = pred.compute(), trans.compute()
        score = model.score(dnew)
    np.testing.assert_array_equal(pred, model.predict(new))
    np.testing.assert_allclose(trans, model.transform(new), rtol=1e-14, atol=1e-14)
    assert score == pytest.approx(model.score(new), rel=1e-12)


def test_a_dask_dataframe_of_features_fits_with_its_column_names(data) -> None:
    frame = pd.DataFrame(data, columns=["recency", "frequency", "monetary"])
    ddf = dd.from_pandas(frame, npartitions=4)
    init = data[:3]
    ref = KMeans(3, init=init, backend="numba").fit(frame)
    with _threads(2):
        km = KMeans(3, init=init).fit(ddf)
        labels = km.labels_.compute()
        pred = km.predict(ddf).compute()
    assert list(km.feature_names_in_) == ["recency", "frequency", "monetary"]
    np.testing.assert_array_equal(labels, ref.labels_)
    np.testing.assert_array_equal(pred, ref.labels_)
    np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=0, atol=1e-12)
    with _threads(1), pytest.raises(ValueError, match="columns seen in fit"):
        km.predict(ddf[["frequency", "recency", "monetary"]])


def test_nan_in_one_block_only_is_a_clear_error(data, client) -> None:
    bad = data.copy()
    bad[3 * CHUNK + 17, 1] = np.nan
    dX = da.from_array(bad, chunks=(CHUNK, 3))
    with _on(client), pytest.raises(ValueError, match=r"NaN in block 3, at row 9017"):
        KMeans(3, random_state=0).fit(dX)
    model = KMeans(3, random_state=0, backend="numba").fit(data)
    with _threads(2), pytest.raises(ValueError, match=r"non-finite value.*block 3"):
        model.predict(dX).compute()
    frame = pd.DataFrame(bad, columns=list("abc"))
    with _threads(2), pytest.raises(ValueError, match="NaN in partition 0, at row 9017"):
        KMeans(3).fit(dd.from_pandas(frame, npartitions=2))


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda X: da.from_array(X[:, 0], chunks=CHUNK), ValueError, "must be 2-D"),
        (lambda X: da.from_array(X.astype(complex), chunks=(CHUNK, 3)), ValueError, "Complex"),
        (lambda X: da.from_array(np.where(X > 0, "a", "b"), chunks=(CHUNK, 3)), TypeError,
         "real numbers"),
        (
            lambda X: dd.from_pandas(pd.DataFrame({"a": X[:, 0], "s": "x"}), npartitions=2),
            TypeError,
            r"non-numeric column\(s\) \['s'\]",
        ),
        (lambda X: da.from_array(X * 1e160, chunks=(CHUNK, 3)), ValueError, "too large"),
    ],
)
def test_bad_dask_input_is_refused_at_the_edge(data, make, error, match) -> None:
    with _threads(1), pytest.raises(error, match=match):
        KMeans(3, random_state=0).fit(make(data))


def test_sample_weight_with_dask_input_is_refused(data) -> None:
    with _threads(1), pytest.raises(ValueError, match="sample_weight is not supported"):
        KMeans(3).fit(da.from_array(data, chunks=(CHUNK, 3)), sample_weight=np.ones(len(data)))


def test_workers_load_the_kernels_from_the_cache(data, client) -> None:
    """The parent process compiles (and caches) the kernels a Dask fit runs, by running
    one on its own threads; the worker processes then load them from the same cache
    folder instead of compiling them again. (An in-memory fit of these 20,000 rows would
    not do: below 50,000 rows it runs the kernels' one-thread twins.)"""
    with _threads(1):
        KMeans(3, random_state=0).fit(da.from_array(data, chunks=(CHUNK, 3)))
    with _on(client):
        KMeans(3, random_state=0).fit(da.from_array(data, chunks=(CHUNK, 3)))

    def compiled_here() -> tuple[int, int, str]:
        from kmeans_np import jit
        from kmeans_np._dask_engine import K

        kernels = [K.lloyd_step, K.nearest, K.chunk_feature_sums, K.ordered_column_sums]
        misses = sum(sum(k._cache_misses.values()) for k in kernels)
        hits = sum(sum(k._cache_hits.values()) for k in kernels)
        return misses, hits, str(jit.cache_dir())

    from kmeans_np import jit

    for misses, hits, folder in client.run(compiled_here).values():
        assert (misses, folder) == (0, str(jit.cache_dir()))
        assert hits >= 4


# --- validation --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clustered(data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    km = KMeans(4, random_state=0, backend="numba").fit(data)
    return data, km.labels_, km.cluster_centers_


def test_indices_on_a_local_cluster_equal_the_in_memory_ones(clustered, client) -> None:
    import validation as V

    X, labels, centers = clustered
    dX = da.from_array(X, chunks=(CHUNK, 3))
    dl = da.from_array(labels, chunks=5_000)  # chunked unlike X: realigned
    with _on(client):
        ch = V.calinski_harabasz_score(dX, dl)
        db = V.davies_bouldin_score(dX, labels)  # in-memory labels for Dask X
        simp = V.simplified_silhouette(dX, dl)
        simp_c, values = V.simplified_silhouette(dX, dl, centers, return_samples=True)
        values = values.compute()
    assert ch == pytest.approx(V.calinski_harabasz_score(X, labels), rel=1e-12)
    assert db == pytest.approx(V.davies_bouldin_score(X, labels), rel=1e-12)
    assert simp == pytest.approx(V.simplified_silhouette(X, labels), rel=1e-12)
    ref, ref_values = V.simplified_silhouette(X, labels, centers, return_samples=True)
    assert simp_c == pytest.approx(ref, rel=1e-12)
    np.testing.assert_allclose(values, ref_values, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("stratify", [True, False])
def test_silhouette_on_dask_scores_the_in_memory_sample(clustered, stratify) -> None:
    import validation as V

    X, labels, _ = clustered
    # string labels: encoded the same way block by block
    names = np.array(["gold", "new", "lost", "loyal"])[labels]
    dX = da.from_array(X, chunks=(CHUNK, 3))
    dn = da.from_array(names, chunks=CHUNK)
    with _threads(2):
        got = V.silhouette_score(dX, dn, sample_size=1_500, stratify=stratify, random_state=3)
    want = V.silhouette_score(X, names, sample_size=1_500, stratify=stratify, random_state=3)
    assert got == want
    with _threads(2), pytest.warns(UserWarning, match="stratified sample of 10,000 of its"):
        V.silhouette_score(dX, dn, random_state=0)
    with pytest.raises(TypeError, match="sample_size"):
        V.silhouette_samples(dX, dn)


def test_anova_table_on_a_dask_dataframe_equals_the_in_memory_table(clustered) -> None:
    import validation as V

    X, labels, _ = clustered
    frame = pd.DataFrame(X, columns=["recency", "frequency", "monetary"])
    frame["segment"] = np.array(list("abcd"))[labels]
    frame["constant"] = 2.0
    ddf = dd.from_pandas(frame, npartitions=3)
    cols = ["recency", "frequency", "monetary", "constant"]
    with _threads(2):
        got = V.anova_table(ddf, cols, "segment")
    want = V.anova_table(frame, cols, "segment")
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)
    assert got.loc["constant", "significance"] == "constant"


def test_labels_with_a_missing_value_in_one_block_are_refused(clustered) -> None:
    import validation as V

    X, labels, _ = clustered
    bad = labels.astype(float)
    bad[7_000] = np.nan
    with _threads(1), pytest.raises(ValueError, match=r"missing value\(s\) \(first in block 2"):
        V.calinski_harabasz_score(da.from_array(X, chunks=(CHUNK, 3)), bad)


# --- scalers and PCA ---------------------------------------------------------------------


def _raw_rfm(n: int) -> np.ndarray:
    rng = np.random.default_rng(11)
    return np.column_stack(
        [rng.exponential(90.0, n), 1.0 + rng.poisson(4.0, n), rng.lognormal(5.0, 1.0, n)]
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: __import__("kmeans_np").StandardScaler(log1p=[2]),
        lambda: __import__("kmeans_np").MinMaxScaler(invert=[0], log1p=True),
    ],
    ids=["standard", "minmax"],
)
def test_scalers_fit_and_transform_dask_arrays_as_in_memory(make) -> None:
    X = _raw_rfm(9_000)
    dX = da.from_array(X, chunks=(2_000, 3))
    with _threads(2):
        est = make().fit(dX)
        scaled = est.transform(dX)
        assert isinstance(scaled, da.Array)
        back = est.inverse_transform(scaled).compute()
        scaled = scaled.compute()
    ref = make().fit(X)
    for attr in ("_center", "_mult", "_offset"):
        np.testing.assert_allclose(getattr(est, attr), getattr(ref, attr), rtol=1e-12)
    np.testing.assert_allclose(scaled, ref.transform(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(back, X, rtol=1e-12)


@pytest.mark.parametrize("factor", [1e200, 1e300])
def test_standard_scaler_on_huge_dask_values_equals_sklearn_on_unscaled(factor: float) -> None:
    """The Dask twin sums and squares values divided by a power of two, as in memory: at
    1e200 and 1e300 the z-scores are scikit-learn's on the unscaled data."""
    from sklearn.preprocessing import StandardScaler as SkStandard

    from kmeans_np import StandardScaler

    X = _raw_rfm(9_000)
    with _threads(2):
        est = StandardScaler().fit(da.from_array(X * factor, chunks=(2_000, 3)))
    ref = SkStandard().fit(X)
    np.testing.assert_allclose(est.scale_, ref.scale_ * factor, rtol=1e-12)
    np.testing.assert_allclose(est.mean_, ref.mean_ * factor, rtol=1e-12)
    np.testing.assert_allclose(est.transform(X * factor), ref.transform(X), atol=1e-11)
    memory = StandardScaler().fit(X * factor)
    np.testing.assert_allclose(est.scale_, memory.scale_, rtol=1e-12)


def test_standard_scaler_on_dask_fits_a_range_past_float64_as_in_memory() -> None:
    """A column spanning -1.7e308 .. 1.7e308 (max - min overflows, the std does not): the
    Dask fit gives the in-memory moments and z-scores (themselves checked in exact
    arithmetic in tests/kmeans_np/test_scaling.py), with no numpy warning; min-max
    refuses it on both."""
    import warnings

    from kmeans_np import MinMaxScaler, StandardScaler

    X = _raw_rfm(9_000)
    X[:, 2] = np.where(np.arange(9_000) % 3 == 0, -1.7e308, 1.7e308) * (X[:, 2] / X[:, 2].max())
    X[0, 2], X[1, 2] = -1.7e308, 1.7e308
    dX = da.from_array(X, chunks=(2_000, 3))
    memory = StandardScaler().fit(X)
    with _threads(2), warnings.catch_warnings():
        warnings.simplefilter("error")
        est = StandardScaler().fit(dX)
        scaled = est.transform(dX).compute()
        with pytest.raises(ValueError, match="too wide for min-max"):
            MinMaxScaler().fit(dX)
    np.testing.assert_allclose(est.mean_, memory.mean_, rtol=1e-13)
    np.testing.assert_allclose(est.scale_, memory.scale_, rtol=1e-13)
    assert np.isinf(est.var_[2]) and np.isinf(memory.var_[2])
    np.testing.assert_allclose(scaled, memory.transform(X), rtol=1e-12, atol=1e-12)


def test_scaler_log1p_of_values_at_most_minus_one_in_one_block_is_refused() -> None:
    from kmeans_np import StandardScaler

    X = _raw_rfm(9_000)
    X[5_000, 2] = -3.0
    with _threads(1), pytest.raises(ValueError, match=r"column 2 \(min -3\)"):
        StandardScaler(log1p=True).fit(da.from_array(X, chunks=(2_000, 3)))


def test_pca_on_a_dask_array_equals_the_in_memory_pca(client) -> None:
    from kmeans_np import PCA

    X = rfm_data(9_000, 2)
    dX = da.from_array(X, chunks=(2_000, 3))
    with _on(client):
        pca = PCA(2).fit(dX)
        scores = pca.transform(dX)
        assert isinstance(scores, da.Array)
        scores = scores.compute()
    ref = PCA(2).fit(X)
    np.testing.assert_allclose(pca.components_, ref.components_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(pca.singular_values_, ref.singular_values_, rtol=1e-12)
    np.testing.assert_allclose(pca.explained_variance_ratio_, ref.explained_variance_ratio_,
                               rtol=1e-12)
    np.testing.assert_allclose(scores, ref.transform(X), rtol=0, atol=1e-12)


# --- set_output and feature names on Dask ------------------------------------------------

ESTIMATORS = {
    "standard": lambda: __import__("kmeans_np").StandardScaler(log1p=["m"]),
    "minmax": lambda: __import__("kmeans_np").MinMaxScaler(invert=["r"]),
    "pca": lambda: __import__("kmeans_np").PCA(2),
    "kmeans": lambda: KMeans(3, init=rfm_data(3, 4), backend="numba"),
}


def _frame(n: int = 9_000) -> pd.DataFrame:
    """Features with a text index (so that divisions are not positions)."""
    return pd.DataFrame(
        _raw_rfm(n), columns=["r", "f", "m"], index=[f"c{i:05d}" for i in range(n)]
    )


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("how", ["set_output", "global"])
def test_pandas_output_on_a_dask_dataframe_is_a_lazy_dask_dataframe(name, how) -> None:
    """set_output(transform="pandas"), or scikit-learn's global transform_output: a Dask
    DataFrame in gives a Dask DataFrame (as dask-ml's scalers return) with the columns
    the in-memory output has (the input's for the scalers, PC1.. for PCA, kmeans0.. for
    KMeans) and the input's index and divisions, nothing computed until asked; the
    values are the in-memory ones."""
    import sklearn
    from dask.callbacks import Callback

    frame = _frame()
    ddf = dd.from_pandas(frame, npartitions=4)
    memory_input = ddf.compute()  # the index as Dask holds it (its string dtype)
    make = ESTIMATORS[name]
    with _threads(2):
        est = make().fit(ddf)
        computed = []
        with Callback(start=lambda dsk: computed.append(1)):
            if how == "set_output":
                out = est.set_output(transform="pandas").transform(ddf)
            else:
                with sklearn.config_context(transform_output="pandas"):
                    out = est.transform(ddf)
        assert not computed
        assert isinstance(out, dd.DataFrame)
        assert out.divisions == ddf.divisions
        got = out.compute()
    ref = make().fit(memory_input).set_output(transform="pandas")
    want = ref.transform(memory_input)
    assert list(got.columns) == list(want.columns) == list(ref.get_feature_names_out())
    pd.testing.assert_index_equal(got.index, memory_input.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["standard", "pca"])
def test_fit_transform_of_a_dask_dataframe_honours_set_output(name) -> None:
    """The trial's call: fit_transform with pandas output asked for."""
    ddf = dd.from_pandas(_frame(3_000), npartitions=3)
    with _threads(1):
        out = ESTIMATORS[name]().set_output(transform="pandas").fit_transform(ddf)
        want = ESTIMATORS[name]().set_output(transform="pandas").fit_transform(ddf.compute())
        assert isinstance(out, dd.DataFrame)
        pd.testing.assert_frame_equal(out.compute(), want, rtol=1e-12, atol=1e-12)


def test_pandas_output_of_a_dask_array_has_default_names_and_index() -> None:
    """A Dask array in: a Dask DataFrame with x0, x1, ... (as in memory for an array)
    and a default index; the default output stays a Dask array."""
    from kmeans_np import StandardScaler

    X = _raw_rfm(5_000)
    dX = da.from_array(X, chunks=(2_000, 3))
    with _threads(1):
        est = StandardScaler().fit(dX)
        assert isinstance(est.transform(dX), da.Array)
        out = est.set_output(transform="pandas").transform(dX)
        assert isinstance(out, dd.DataFrame)
        got = out.compute()
    want = StandardScaler().set_output(transform="pandas").fit(X).transform(X)
    assert list(got.columns) == ["x0", "x1", "x2"]
    np.testing.assert_array_equal(got.index.to_numpy(), np.arange(5_000))
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_pandas_output_reads_each_partition_of_a_dask_dataframe_once(name) -> None:
    """The output is one map over the input's partitions: values and index come from the
    same read (an expensive or non-deterministic source is run once per partition, as
    for the default output)."""
    frame = _frame(2_000)
    reads = []

    def read(part: pd.DataFrame) -> pd.DataFrame:
        reads.append(len(part))
        return part

    base = dd.from_pandas(frame, npartitions=4)
    source = base.map_partitions(read, meta=base._meta)
    with dask.config.set(scheduler="sync"):
        est = ESTIMATORS[name]().fit(frame).set_output(transform="pandas")
        reads.clear()
        out = est.transform(source)
        assert not reads  # lazy
        got = out.compute()
    assert sorted(reads) == sorted(len(p) for p in base.partitions)  # once each
    assert out.divisions == base.divisions
    want = est.transform(base.compute())
    pd.testing.assert_frame_equal(got, want, check_index_type=False)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_polars_output_on_dask_input_is_refused_clearly(name) -> None:
    ddf = dd.from_pandas(_frame(1_000), npartitions=2)
    with _threads(1):
        est = ESTIMATORS[name]().fit(ddf).set_output(transform="polars")
        with pytest.raises(ValueError, match="cannot return 'polars' output for Dask input"):
            est.transform(ddf)


PLAIN = {
    "standard": lambda: __import__("kmeans_np").StandardScaler(),
    "minmax": lambda: __import__("kmeans_np").MinMaxScaler(),
    "pca": ESTIMATORS["pca"],
    "kmeans": ESTIMATORS["kmeans"],
}


@pytest.mark.parametrize("name", list(PLAIN))
def test_pandas_output_of_a_dask_array_of_unknown_chunk_sizes_is_numbered_0_to_n(name) -> None:
    """ddf.to_dask_array() has unknown chunk sizes: the output's index is still the
    in-memory 0..n-1 (no partition restarting at 0), lazily."""
    from dask.callbacks import Callback

    frame = _frame(2_000)
    arr = dd.from_pandas(frame, npartitions=4).to_dask_array()
    assert np.isnan(arr.shape[0])
    X = frame.to_numpy()
    with _threads(1):
        est = PLAIN[name]().fit(X).set_output(transform="pandas")
        computed = []
        with Callback(start=lambda dsk: computed.append(1)):
            out = est.transform(arr)
        assert not computed
        assert isinstance(out, dd.DataFrame)
        got = out.compute()
    pd.testing.assert_frame_equal(got, est.transform(X))


@pytest.mark.parametrize("name", list(PLAIN))
def test_feature_name_warnings_on_dask_input_as_in_memory(name) -> None:
    """Fitted on a (Dask) DataFrame, given a Dask array, or fitted on an array and given a
    Dask DataFrame: scikit-learn's UserWarning, as in memory; none with names on both."""
    import warnings

    frame = _frame(2_000)
    ddf = dd.from_pandas(frame, npartitions=2)
    dX = da.from_array(frame.to_numpy(), chunks=(1_000, 3))
    cases = [
        (ddf, dX, "X does not have valid feature names, but .* was fitted with feature names"),
        (frame.to_numpy(), ddf, "X has feature names, but .* was fitted without feature names"),
    ]
    with _threads(1):
        for fit_on, given, match in cases:
            est = PLAIN[name]().fit(fit_on)
            with pytest.warns(UserWarning, match=match):
                est.transform(given)
        est = PLAIN[name]().fit(ddf)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            est.transform(ddf)
            est.transform(frame)


@pytest.mark.parametrize("name", list(PLAIN))
def test_a_dask_frame_with_no_string_column_names_has_no_feature_names_as_in_memory(
    name,
) -> None:
    """A Dask DataFrame whose columns are 0, 1, 2 (from ``pd.DataFrame(array)``) has no
    feature names, as that frame has none in memory and for scikit-learn: none recorded
    by fit, no warning beside an array either way. A warning that does fire names the
    caller's line (this file), on Dask as in memory."""
    import warnings

    frame = _frame(2_000)
    unnamed = pd.DataFrame(frame.to_numpy())
    dunnamed = dd.from_pandas(unnamed, npartitions=2)
    dX = da.from_array(frame.to_numpy(), chunks=(1_000, 3))
    with _threads(1):
        for fit_on, given in ((dunnamed, dX), (frame.to_numpy(), dunnamed),
                              (unnamed, dunnamed), (dunnamed, unnamed)):  # fmt: skip
            est = PLAIN[name]().fit(fit_on)
            assert not hasattr(est, "feature_names_in_")
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                est.transform(given)
        est = PLAIN[name]().fit(dd.from_pandas(frame, npartitions=2))
        with pytest.warns(UserWarning, match="X does not have valid feature names") as said:
            est.transform(dX)
    assert Path(said[0].filename).name == Path(__file__).name


def _with_missing(dtype: str) -> pd.DataFrame:
    """Six rows, a nullable column ``dtype`` missing in row 4 (row 1 of partition 1 when
    cut in two partitions of three)."""
    frame = _frame(6)
    values = [True, False, True, False, pd.NA, True]
    frame["m"] = pd.array(values if dtype == "boolean" else [1, 2, 3, 4, pd.NA, 6], dtype=dtype)
    return frame


@pytest.mark.parametrize("dtype", ["boolean", "Int64"])
@pytest.mark.parametrize("output", ["default", "pandas"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_a_missing_value_of_a_nullable_column_is_the_in_memory_error_on_dask(
    name, output, dtype
) -> None:
    """A missing pandas ``boolean`` (or ``Int64``) in new data was a TypeError about
    non-numeric values on Dask ("float() argument must be ... not 'NAType'") where the
    same frame in memory is refused as missing: now both are the same ValueError, in the
    same words, Dask's naming the partition and the place in it (written out by hand:
    row 4 is row 1 of the second partition of three rows)."""
    clean = _frame(6)
    missing = _with_missing(dtype)
    est = ESTIMATORS[name]().fit(clean).set_output(transform=output)
    fix = "Drop or impute missing values before clustering, e.g. df.dropna() or df.fillna(...)."
    with pytest.raises(ValueError) as in_memory:
        est.transform(missing)
    assert str(in_memory.value) == (
        f"X contains 1 non-finite value(s) (first: NaN at index (4, 2)). {fix}"
    )
    with _threads(1), pytest.raises(ValueError) as on_dask:
        est.transform(dd.from_pandas(missing, npartitions=2)).compute()
    assert str(on_dask.value) == (
        "X contains 1 non-finite value(s) in partition 1 (first: NaN at index (1, 2) of "
        f"that partition). {fix}"
    )


@pytest.mark.parametrize("method", ["predict", "score"])
def test_a_missing_boolean_in_predict_and_score_on_dask_is_the_in_memory_error(method) -> None:
    est = ESTIMATORS["kmeans"]().fit(_frame(6))
    missing = _with_missing("boolean")
    with pytest.raises(ValueError, match=r"^X contains 1 non-finite value\(s\) \(first: NaN"):
        getattr(est, method)(missing)
    with _threads(1), pytest.raises(ValueError, match=r"^X contains 1 non-finite value\(s\) "
                                    r"in partition 1 \(first: NaN at index \(1, 2\) of that"):
        out = getattr(est, method)(dd.from_pandas(missing, npartitions=2))
        out.compute()


def test_booleans_without_missing_values_read_as_0_1_on_dask_as_in_memory() -> None:
    frame = _frame(6)
    frame["m"] = pd.array([True, False, True, False, False, True], dtype="boolean")
    est = ESTIMATORS["kmeans"]().fit(_frame(6))
    as_numbers = frame.astype({"m": float})
    with _threads(1):
        got = est.transform(dd.from_pandas(frame, npartitions=2)).compute()
    np.testing.assert_array_equal(got, est.transform(as_numbers))
