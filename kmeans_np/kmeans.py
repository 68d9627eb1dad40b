"""``KMeans``: the estimator users call, in scikit-learn's shape.

K-means looks for k centres c_1..c_k minimising the inertia (within-cluster sum of
squares)

    J = Σ_i w_i min_j ‖x_i − c_j‖².

Finding the global minimum is NP-hard; Lloyd's algorithm (``kmeans_np.lloyd``) finds a
local one from given starting centres, so the fit starts ``n_init`` times
(``kmeans_np.kmeans_plusplus``) and keeps the run with the lowest inertia.

Given the same data and the same initial centres, this gives scikit-learn's answer:
the same labels and iteration count, centres and inertia equal to rounding. Unlike
scikit-learn, the numba backend's answer is bit-for-bit the same whatever the number of
threads.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from kmeans_np._tabular import (
    check_transform_input,
    fitted_names,
    record_fit_columns,
)
from kmeans_np.base import (
    BaseEstimator,
    ClusterMixin,
    PrefixFeatureNamesMixin,
    TransformerMixin,
)
from kmeans_np.checks import (
    as_generator,
    check_array,
    check_distances_fit,
    check_n_clusters,
    check_sample_weight,
    check_seed,
    feature_names,
    is_integer,
    resolve_backend,
)
from kmeans_np.dask_detect import is_dask_collection
from kmeans_np.engine import Engine
from kmeans_np.kmeans_plusplus import greedy_kmeans_plusplus, random_rows
from kmeans_np.lloyd import NUMBA_FROM_SAMPLES, LloydResult, lloyd, make_engine, tolerance

INITS = ("k-means++", "random")


class FitParams(NamedTuple):
    """``KMeans``' parameters once checked against the data's shape (see ``_fit_params``)."""

    n_clusters: int
    init: str | np.ndarray | Callable[..., Any]
    n_init: int
    max_iter: int
    tol: float
    random_state: int | np.random.Generator | None
    backend: str  # "numpy" or "numba"


class KMeans(ClusterMixin, PrefixFeatureNamesMixin, TransformerMixin, BaseEstimator):
    """K-means clustering by Lloyd's algorithm.

    A scikit-learn-compatible estimator: ``get_params``/``set_params``, ``clone``,
    ``Pipeline``, ``GridSearchCV`` (which ranks fits by :meth:`score`) and
    ``set_output(transform="pandas")`` for :meth:`transform` all work. Parameters are
    checked when :meth:`fit` runs.

    Parameters
    ----------
    n_clusters : int, default 8
        Number of clusters k.
    init : {"k-means++", "random"}, callable or array of shape (k, d), default "k-means++"
        Starting centres: greedy k-means++, k distinct random rows, given centres, or
        those a callable returns. As in scikit-learn, the callable is called
        ``init(X, n_clusters, random_state=random_state)`` once per start and must return
        an array of shape (n_clusters, n_features) of finite numbers. ``X`` is the data as
        a read-only float64 array (it may be the caller's own: not copied), or for Dask
        input a Dask array of float64 chunked like the input's rows (computed from the
        blocks the fit holds in memory: the source is not read again), and the centres
        returned are read in its units, like a given array (the
        sample weights are not passed; scikit-learn passes X minus its column means, a
        step of its own, and reads the centres in those units: the same starts for a
        callable that picks or averages rows). ``random_state`` is scikit-learn's: a
        ``numpy.random.RandomState`` seeded with this estimator's integer
        ``random_state`` (so a callable written for scikit-learn draws what it draws
        there), numpy's global ``RandomState`` for ``None``, or the ``Generator`` given;
        the n_init starts share it.
    n_init : int or "auto", default "auto"
        Number of starts; the lowest-inertia run is kept. "auto" is 1 for k-means++ or a
        given array, 10 for random or a callable (scikit-learn's rule); on Dask input,
        with a named init, ten starts on a weighted sample (see "Dask input" below).
    max_iter : int, default 300
        Most Lloyd iterations per start.
    tol : float, default 1e-4
        Relative tolerance: a run stops when the total squared centre shift is at most
        ``tol × mean(var(X, axis=0))`` (or when no label changes).
    random_state : None, int or numpy.random.Generator
        Source of randomness for the starts. A Generator is used as given (it advances).
    backend : {"auto", "numpy", "numba"}, default "auto"
        "numpy" is the readable broadcasting reference, "numba" the fast kernels; "auto"
        picks numpy below ``NUMBA_FROM_SAMPLES`` rows (nothing to compile, and as fast
        there), numba from there on. Both give the same answer.
    record_history : bool, default False
        Keep ``history_``: per iteration of the best run, the centres the points were
        assigned to, the inertia of that assignment, labels changed and centre shift.

    Dask input
    ----------
    ``fit`` also takes a ``dask.array.Array`` or a Dask DataFrame of numeric features
    (Dask is imported only then). The blocks are persisted once; every pass runs the
    numba kernels on each block and adds the blocks' partial sums on the client in block
    order, so for a given chunking the result is bit-identical with 1 or many workers,
    on the threaded scheduler, a ``LocalCluster`` or any ``Client``. From the same
    initial centres it gives the in-memory fit's labels and ``n_iter_``, centres equal
    to rounding. ``labels_``, ``predict`` and ``transform`` are then Dask arrays;
    ``cluster_centers_``, ``inertia_`` and ``n_iter_`` plain values. Sample weights are
    not supported there.

    Seeding on Dask. With ``n_init="auto"`` (the default) and a named ``init``, one
    pass draws a weighted sample of about max(50,000, 5,000·k) rows (a lightweight
    coreset, ``kmeans_np.coreset``: rows far from the mean more often, each weighted so
    that the sample's cost estimates the data's), ten ``init`` starts run to convergence
    on it in memory, and the best of them is refined by Lloyd on all the blocks. That is
    ten starts sharing one pass: the inertia lands within 0.1 % of the best of ten full
    starts, where one greedy k-means++ start on all the data was up to 6 % off, and
    dask-ml's k-means|| default up to 14 %. With an integer ``n_init``, or a callable
    ``init`` (given the data as a float64 Dask array), every start is seeded on all the
    blocks as in memory (greedy k-means++ is three passes per centre),
    and ``n_init=1`` gives the in-memory seeding, centres equal to rounding. Either way
    the answer is bit-identical for any number of workers (the sample is drawn block by
    block with generators seeded from ``random_state`` and the block's index). In memory
    ``n_init="auto"`` keeps scikit-learn's meaning: one k-means++ start.

    Attributes
    ----------
    cluster_centers_ : ndarray (k, d)
    labels_ : ndarray (n,) of int64 (a Dask array for Dask input)
    inertia_ : float
        Σ_i w_i ‖x_i − c_{l_i}‖² of the returned labels and centres.
    n_iter_ : int
        Lloyd iterations of the best run.
    history_ : list of dict or None
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when fitted on a DataFrame
    """

    _fitted_attribute = "cluster_centers_"
    _keeps_frames = False  # transform gives an array unless set_output asks for pandas

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | np.ndarray = "k-means++",
        n_init: int | str = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: Any = None,
        backend: str = "auto",
        record_history: bool = False,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.backend = backend
        self.record_history = record_history

    # -- parameter checks ----------------------------------------------------------
    def _fit_params(self, n_samples: int, n_features: int, stacklevel: int = 4) -> FitParams:
        """Check every parameter against the data's shape, once (the edge of ``fit``)."""
        n_clusters = check_n_clusters(self.n_clusters, n_samples)
        init, n_init = self._check_init(n_clusters, n_features, stacklevel)
        backend = resolve_backend(self.backend, n=n_samples, numba_from=NUMBA_FROM_SAMPLES)
        return FitParams(
            n_clusters=n_clusters,
            init=init,
            n_init=n_init,
            max_iter=int(self.max_iter),
            tol=float(self.tol),
            random_state=check_seed(self.random_state),
            backend=backend,
        )

    def _check_init(
        self, n_clusters: int, n_features: int, stacklevel: int
    ) -> tuple[str | np.ndarray, int]:
        init = self.init
        if isinstance(init, str):
            if init not in INITS:
                raise ValueError(
                    f"init must be one of {INITS}, a callable or an array, got {init!r}."
                )
        elif not callable(init):
            init = check_array(init, name="init")
            if init.shape != (n_clusters, n_features):
                raise ValueError(
                    f"init array has shape {init.shape}; it must be (n_clusters, n_features)"
                    f" = ({n_clusters}, {n_features})."
                )
        n_init = self.n_init
        if n_init == "auto":  # scikit-learn's rule: 10 starts for the random ones
            n_init = 10 if callable(init) or (isinstance(init, str) and init == "random") else 1
        if not is_integer(n_init) or n_init < 1:
            raise ValueError(f"n_init must be 'auto' or a positive integer, got {self.n_init!r}.")
        if isinstance(init, np.ndarray) and n_init != 1:
            warnings.warn(
                f"init is an array of centres: running one start instead of n_init={n_init}.",
                RuntimeWarning,
                stacklevel=stacklevel,
            )
            n_init = 1
        if not is_integer(self.max_iter) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}.")
        if (
            isinstance(self.tol, bool)
            or not isinstance(self.tol, (int, float, np.integer, np.floating))
            or not np.isfinite(self.tol)
            or self.tol < 0
        ):
            raise ValueError(f"tol must be a finite number >= 0, got {self.tol!r}.")
        return init, int(n_init)

    def _check_new_data(self, X: Any) -> np.ndarray:
        """X for predict / transform / score, checked against what ``fit`` saw."""
        self._check_fitted()
        return check_transform_input(
            X, n_features=self.n_features_in_, names=fitted_names(self), owner="KMeans",
            stacklevel=4,
        )

    # -- fitting -------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> KMeans:
        """Cluster X.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric, finite data (it is not modified).
        y : ignored
            Accepted for compatibility with scikit-learn pipelines. Pass weights by
            keyword: ``fit(X, sample_weight=w)``.
        sample_weight : array-like or Series of shape (n_samples,), optional
            Non-negative weights, not all zero. Used by k-means++/random starts and by
            the centre updates; a given init array ignores them. A Series beside a
            DataFrame ``X`` is matched to its rows by index (the same keys in any order;
            keys missing, extra or repeated are a ``ValueError``); an array, or a Series
            beside an array, is taken in row order, as scikit-learn takes it.

        Returns
        -------
        self
        """
        if is_dask_collection(X):  # distributed: a Dask array or DataFrame
            from kmeans_np.kmeans_dask import fit_dask

            return fit_dask(self, X, sample_weight)
        names, rows = feature_names(X), X
        X = check_array(X)
        w = check_sample_weight(sample_weight, X.shape[0], rows)
        check_distances_fit(X, w)
        return self._fit_checked(X, w, self._fit_params(*X.shape), names)

    def _fit_checked(
        self,
        X: np.ndarray,
        w: np.ndarray | None,
        params: FitParams,
        names: list[str] | None = None,
    ) -> KMeans:
        """Fit on data and parameters that are already checked (by :meth:`fit`, or once by
        an internal caller fitting many models, see :func:`fit_models`).

        ``X`` is what ``check_array`` returns (finite, float64, C-contiguous), ``w`` what
        ``check_sample_weight`` returns, and both passed ``check_distances_fit``.
        """
        # Lloyd runs on the data centred on its column means, as scikit-learn's does
        # (see kmeans_np.lloyd); _best_run adds the means back to the centres.
        center = X.mean(axis=0)
        engine = make_engine(params.backend, X, w, center)
        start = self._callable_start(X, params, center) if callable(params.init) else None
        best = self._best_run(engine, params, center, start)
        self.cluster_centers_ = best.centers
        self.labels_ = best.labels.astype(np.int64)
        self.inertia_ = float(best.inertia)
        self.n_iter_ = int(best.n_iter)
        self.history_ = best.history if self.record_history else None
        record_fit_columns(self, names, X.shape[1])
        return self

    def _callable_start(
        self, X: Any, params: FitParams, center: np.ndarray
    ) -> Callable[[np.random.Generator], np.ndarray]:
        """Starting centres (minus ``center``) from a callable ``init``, called as
        scikit-learn calls it: ``init(X, n_clusters, random_state=...)``, one random state
        for all the starts (see the ``init`` parameter). ``X`` is what the callable is
        given: the checked array, read-only (it may be the caller's own: a callable that
        writes into it is refused rather than let change the user's data; scikit-learn
        hands it a private copy), or a float64 Dask array for Dask input."""
        init, k, d = params.init, params.n_clusters, center.shape[0]
        random_state = _sklearn_random_state(params.random_state)
        if isinstance(X, np.ndarray):
            X = X.view()
            X.flags.writeable = False

        def start(_rng: np.random.Generator) -> np.ndarray:
            centres = init(X, k, random_state=random_state)  # type: ignore[operator]
            if is_dask_collection(centres):
                centres = centres.compute()
            centres = check_array(centres, name="the centres init returned")
            if centres.shape != (k, d):
                raise ValueError(
                    f"init returned centres of shape {centres.shape}; a callable init must "
                    f"return an array of shape (n_clusters, n_features) = ({k}, {d})."
                )
            return centres - center

        return start

    def _best_run(
        self,
        engine: Engine,
        params: FitParams,
        center: np.ndarray,
        start: Callable[[np.random.Generator], np.ndarray] | None = None,
    ) -> LloydResult:
        """The lowest-inertia of ``params.n_init`` Lloyd runs on an engine's data (any
        engine: numpy, numba or Dask) that holds X − ``center``; the centres returned (and
        those of ``history``) are in X's own coordinates.

        ``start(rng)``, when given, makes each run's starting centres (in the engine's
        coordinates) instead of ``params.init``: the Dask fit's seeding on a sample.
        """
        n_clusters, init = params.n_clusters, params.init
        rng = as_generator(params.random_state)
        tol_abs = tolerance(engine, params.tol)
        best: LloydResult | None = None
        for _ in range(params.n_init):
            if start is not None:
                centers0 = start(rng)
            elif isinstance(init, str) and init == "k-means++":
                centers0, _ = greedy_kmeans_plusplus(engine, n_clusters, rng)
            elif isinstance(init, str):
                centers0 = random_rows(engine, n_clusters, rng)
            else:
                centers0 = init - center
            run = lloyd(
                engine,
                centers0,
                max_iter=params.max_iter,
                tol_abs=tol_abs,
                record_history=self.record_history,
            )
            if best is None or run.inertia < best.inertia:
                best = run
        assert best is not None
        best.centers = best.centers + center
        for entry in best.history:
            entry["centers"] = entry["centers"] + center

        distinct = int(np.count_nonzero(engine.cluster_sizes(best.labels, n_clusters)))
        if distinct < n_clusters:
            warnings.warn(
                f"Only {distinct} distinct clusters found for n_clusters={n_clusters}; "
                "X probably has fewer distinct points than clusters.",
                UserWarning,
                stacklevel=4,
            )
        return best

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit, then return ``labels_`` (``y`` is ignored)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def fit_transform(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """Fit, then return :meth:`transform` of X (``y`` is ignored)."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    # -- using a fitted model ----------------------------------------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest centre for each row of X (first one on ties).

        For a Dask array or DataFrame, a Dask array of labels, computed block by block.
        """
        if is_dask_collection(X):
            from kmeans_np.kmeans_dask import predict_dask

            return predict_dask(self, X)
        X = self._check_new_data(X)
        engine = make_engine(self._backend(X), X, None)
        return engine.nearest(self.cluster_centers_)[0].astype(np.int64)

    def transform(self, X: Any) -> Any:
        """Euclidean distance from each row of X to each centre, shape (n, k).

        An array; after ``set_output(transform="pandas")`` a DataFrame with columns
        ``kmeans0``, ``kmeans1``, … (and ``X``'s index if ``X`` is a DataFrame). For a
        Dask array or DataFrame, a Dask array (a Dask DataFrame, on ``X``'s index, after
        ``set_output(transform="pandas")``).
        """
        if is_dask_collection(X):
            from kmeans_np.kmeans_dask import transform_dask

            return transform_dask(self, X)
        arr = self._check_new_data(X)
        engine = make_engine(self._backend(arr), arr, None)
        return self._wrap_output(X, np.sqrt(engine.sq_distances(self.cluster_centers_)))

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Minus the inertia of X assigned to the nearest fitted centres (higher is better).

        ``y`` is ignored; pass weights by keyword, ``score(X, sample_weight=w)``: paired
        with the rows of ``X`` as in :meth:`fit`.
        """
        if is_dask_collection(X):
            from kmeans_np.kmeans_dask import score_dask

            return score_dask(self, X, sample_weight)
        rows, X = X, self._check_new_data(X)
        w = check_sample_weight(sample_weight, X.shape[0], rows)
        engine = make_engine(self._backend(X), X, w)
        labels = np.empty(X.shape[0], dtype=np.int32)
        return -engine.assign(self.cluster_centers_, labels)

    def _backend(self, X: np.ndarray) -> str:
        """The engine for ``X``: ``"auto"`` is numpy below ``NUMBA_FROM_SAMPLES`` rows."""
        return resolve_backend(self.backend, n=X.shape[0], numba_from=NUMBA_FROM_SAMPLES)

    @property
    def _n_features_out(self) -> int:
        """Number of columns of :meth:`transform` (one per centre)."""
        return int(self.cluster_centers_.shape[0])


def _sklearn_random_state(
    random_state: int | np.random.Generator | None,
) -> np.random.RandomState | np.random.Generator:
    """The random state scikit-learn hands a callable ``init`` for a checked
    ``random_state``: ``RandomState(seed)`` for an int, numpy's global ``RandomState`` for
    ``None`` (``sklearn.utils.check_random_state``'s answers); a Generator as given."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.mtrand._rand
    return np.random.RandomState(random_state)


def fit_models(
    X: np.ndarray,
    variants: Sequence[Mapping[str, Any]],
    *,
    names: list[str] | None = None,
    **kmeans_params: Any,
) -> list[KMeans]:
    """One fitted ``KMeans(**kmeans_params, **variant)`` per variant, on data checked once.

    The checked path of the internal callers that fit many models on one data set
    (``elbow`` over k, ``validation.stability`` over seeds, ``rfm.cluster``): ``X`` must
    come from ``check_array``, and the values the variants set (``n_clusters``,
    ``random_state``) must already be checked by the caller. The shared parameters are
    checked once, with the first variant.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Checked data (finite float64, C-contiguous).
    variants : sequence of mappings
        The parameters that change from one model to the next, e.g. ``[{"n_clusters": 2},
        {"n_clusters": 3}]``.
    names : list of str, optional
        Column names to record as ``feature_names_in_`` (when X came from a DataFrame).
    **kmeans_params
        The parameters shared by every model.
    """
    check_distances_fit(X, None)
    models = [KMeans(**{**kmeans_params, **variant}) for variant in variants]
    if not models:
        return models
    shared = models[0]._fit_params(*X.shape, stacklevel=5)
    for model, variant in zip(models, variants, strict=True):
        if isinstance(shared.init, np.ndarray) and "n_clusters" in variant:
            params = model._fit_params(*X.shape, stacklevel=5)  # init's shape depends on k
        else:
            params = shared._replace(**variant)
        model._fit_checked(X, None, params, names)
    return models
