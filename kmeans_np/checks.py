"""Input checks shared by every public entry point of the project (kmeans_np, validation, rfm).

Check once, at the edge: a public function checks its input with these helpers, then
hands the checked values to a private counterpart that trusts them (scikit-learn's split
between ``KMeans.fit`` and ``_kmeans_single_lloyd``). Internal callers that already hold
checked data call the private counterparts directly.

Each check raises early with a message that says what was wrong and how to fix it. None
of them modifies its input: arrays are copied whenever a conversion is needed, and
callers that go on to write into the result must ask for ``copy=True``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "as_generator",
    "by_row",
    "check_array",
    "check_columns",
    "check_dataframe",
    "check_distances_fit",
    "check_finite",
    "check_integers",
    "check_n_clusters",
    "check_n_components",
    "check_random_state",
    "check_sample_weight",
    "check_seed",
    "column_names",
    "feature_names",
    "is_integer",
    "match_index",
    "place",
    "resolve_backend",
    "shown_label",
]

BACKENDS = ("auto", "numpy", "numba")


def is_integer(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy integer (``True``/``False`` are not)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_integers(values: Any, name: str) -> list[int]:
    """Read an iterable of integers (e.g. cluster counts or seeds) as a list of ints.

    Raises ``TypeError`` when ``values`` is not iterable or holds anything but integers.
    """
    try:
        given = list(values)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of integers, got {values!r}.") from None
    if not all(is_integer(v) for v in given):
        raise TypeError(f"{name} must be integers, got {given!r}.")
    return [int(v) for v in given]


def check_dataframe(value: Any, name: str, *, source: str = "") -> None:
    """Raise ``TypeError`` unless ``value`` is a pandas DataFrame.

    ``source`` says where such a table comes from (e.g. ``"see rfm.profile"``).
    """
    if not isinstance(value, pd.DataFrame):
        where = f" ({source})" if source else ""
        raise TypeError(
            f"{name} must be a pandas DataFrame{where}, got {type(value).__name__}."
        )


def column_names(columns: Iterable[Any]) -> list[str] | None:
    """A frame's column names as its feature names, strings; ``None`` when none of them
    is a string (``pd.DataFrame(array)``: 0, 1, …), which scikit-learn too treats as
    having no feature names. In memory and on Dask alike."""
    columns = list(columns)
    if any(isinstance(c, str) for c in columns):
        return [str(c) for c in columns]
    return None


def feature_names(X: Any) -> list[str] | None:
    """Column names of a DataFrame as strings (:func:`column_names`), or ``None`` for
    anything else."""
    return column_names(X.columns) if isinstance(X, pd.DataFrame) else None


def _is_sparse(X: Any) -> bool:
    """Whether ``X`` is a scipy sparse matrix or array (without importing scipy)."""
    return type(X).__module__.startswith("scipy.sparse") and hasattr(X, "toarray")


def non_numeric_columns(df: pd.DataFrame) -> list[str]:
    """Names of the columns that do not hold numbers: anything but numeric and boolean
    dtypes (booleans read as 0/1, as scikit-learn reads them). An object column is
    refused even when it holds numbers: convert it with ``df[col].astype(float)``."""
    bad = []
    for name, dtype in df.dtypes.items():
        if not (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)):
            bad.append(str(name))
    return bad


#: how to fix missing values before clustering: the end of the non-finite message
IMPUTE_BEFORE_CLUSTERING = (
    "Drop or impute missing values before clustering, e.g. df.dropna() or df.fillna(...)."
)


def shown_label(label: Any) -> str:
    """A row label or group name as messages quote it: ``'c8'``, ``9`` (a numpy scalar as
    the Python value it holds, not ``np.int64(9)``)."""
    return repr(label.item() if isinstance(label, np.generic) else label)


def place(position: int | tuple[int, ...], labels: Sequence[Any] | None = None) -> str:
    """Where a value sits, as messages say it: ``in row 'c8'`` by the row label of a 1-D
    input that has labels (a Series' index: what the user sees in the table), else by
    position, ``at index 4`` or ``at index (2, 0)``."""
    if labels is not None:
        return f"in row {shown_label(labels[position])}"
    return f"at index {position}"


def check_finite(
    values: np.ndarray,
    name: str = "X",
    *,
    fix: str = IMPUTE_BEFORE_CLUSTERING,
    labels: Sequence[Any] | None = None,
    within: str = "",
) -> None:
    """Raise ``ValueError`` if ``values`` holds NaN or ±inf, saying where; ``fix`` ends the
    message: how the caller gets rid of them (by default, before clustering). ``labels``
    are the row labels of a 1-D ``values`` (a Series' index): the message then names the
    first bad value's row, not its position. ``within`` names the part of the data that
    ``values`` is when data are checked a part at a time (``"partition 2"`` of a Dask
    DataFrame): the count and the position are then those within that part."""
    finite = np.isfinite(values)
    if finite.all():
        return
    bad = np.argwhere(~finite)
    first = tuple(int(i) for i in bad[0])
    kind = "NaN" if np.isnan(values[first]) else "infinity"
    where = place(first if len(first) > 1 else first[0], labels)
    if within:
        where = f"{where} of that {within.split()[0]}"
        within = f" in {within}"
    raise ValueError(
        f"{name} contains {bad.shape[0]} non-finite value(s){within} (first: {kind} {where})."
        f" {fix}"
    )


def check_array(
    X: Any,
    *,
    name: str = "X",
    ensure_2d: bool = True,
    min_samples: int = 1,
    copy: bool = False,
    dtype: type = np.float64,
    why_empty: str = "there is nothing to cluster.",
    non_finite_fix: str = IMPUTE_BEFORE_CLUSTERING,
    labels: Sequence[Any] | None = None,
) -> np.ndarray:
    """Validate ``X`` and return it as a C-contiguous float array.

    Parameters
    ----------
    X : array-like or DataFrame
        The data: real numbers, or booleans (numpy ``bool``, pandas ``boolean``), read
        as 0/1 as scikit-learn reads them; a missing pandas ``boolean`` is NaN, refused
        as missing. Text is refused, also object columns that hold numbers.
    name : str
        What to call the argument in error messages.
    ensure_2d : bool
        Require shape (n_samples, n_features); a 1-D input is an error (reshape it with
        ``x.reshape(-1, 1)`` for a single feature). With ``False`` a 1-D array is required.
    min_samples : int
        Smallest acceptable number of rows.
    copy : bool
        Always return a new array (set this when the caller writes into the result).
    dtype : type
        Floating dtype of the result.
    why_empty : str
        Why empty data cannot be used, ending the message for 0 rows (default: there is
        nothing to cluster). Callers that do not cluster say what they need instead.
    non_finite_fix : str
        How to get rid of NaN or ±inf, ending that message (default: drop or impute them
        before clustering); see :func:`check_finite`.
    labels : sequence, optional
        Row labels of a 1-D ``X`` (a Series' index), so that the message about NaN or ±inf
        names the row the user sees rather than the position.

    Returns
    -------
    numpy.ndarray
        Finite values, C-contiguous, never the caller's own buffer when ``copy`` is true.
    """
    if isinstance(X, pd.Series) and ensure_2d:
        raise ValueError(
            f"{name} is a Series (1-D) but a 2-D table is needed; use series.to_frame() "
            "for a single feature."
        )
    if isinstance(X, pd.Series) and not non_numeric_columns(X.to_frame()):
        # a nullable (pandas boolean, Int64, Float64) Series as a DataFrame column below:
        # a missing value is NaN, refused as missing (np.asarray would give objects)
        X = X.to_numpy(dtype=dtype, na_value=np.nan)
    if isinstance(X, pd.DataFrame):
        bad = non_numeric_columns(X)
        if bad:
            raise TypeError(
                f"{name} has non-numeric column(s) {bad}; clustering needs numbers. "
                "Encode categories first (e.g. rfm.customer_features or pd.get_dummies), "
                "convert numbers stored as text (df[col].astype(float)), or select the "
                "numeric columns."
            )
        # booleans as 0/1; a missing value of a nullable column as NaN (refused below)
        arr = X.to_numpy(dtype=dtype, copy=copy, na_value=np.nan)
    else:
        if _is_sparse(X):
            raise TypeError(
                f"{name} is sparse ({type(X).__name__}), but dense data is needed; convert "
                "it with X.toarray()."
            )
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} could not be read as a numeric array: {exc}") from None
        if arr.dtype.kind == "O":  # e.g. a list mixing numbers and None or text
            try:
                arr = arr.astype(dtype)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"{name} must hold numbers but has non-numeric values (object dtype): "
                    f"{exc}. Encode or drop text columns and convert with "
                    "np.asarray(X, dtype=float)."
                ) from None
        elif arr.dtype.kind == "c":
            raise ValueError(
                f"Complex data not supported: {name} has dtype {arr.dtype}; pass real "
                "numbers (e.g. X.real or np.abs(X))."
            )
        elif arr.dtype.kind not in "biuf":  # booleans read as 0/1
            raise TypeError(
                f"{name} must hold real numbers, got dtype {arr.dtype}. Convert it with "
                "np.asarray(X, dtype=float) after encoding any text columns."
            )
        arr = arr.astype(dtype, copy=copy)
    if ensure_2d:
        if arr.ndim != 2:
            hint = (
                ". Reshape your data: x.reshape(-1, 1) for a single feature"
                if arr.ndim == 1
                else ""
            )
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {arr.ndim}-D{hint}.")
        if arr.shape[1] == 0:
            raise ValueError(
                f"{name} has no features: 0 feature(s) (shape={arr.shape}) while a minimum "
                "of 1 is required."
            )
    elif arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}.")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples); {why_empty}")
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has {arr.shape[0]} sample(s); at least {min_samples} needed.")
    check_finite(arr, name, fix=non_finite_fix, labels=labels)
    return np.ascontiguousarray(arr)


def check_distances_fit(X: np.ndarray, sample_weight: np.ndarray | None, name: str = "X") -> None:
    """Refuse data whose squared distances (or their weighted sum) overflow float64.

    Every centre lies inside the data's bounding box, so no squared distance exceeds
    Σ_j span_j² (span_j = max_j − min_j), and the inertia Σ_i w_i d_i² is at most W · Σ_j
    span_j² with W = Σ_i w_i. When that bound passes float64's largest number (1.8e308),
    distances become ``inf`` and labels become arbitrary: a wrong answer, not an error.
    The bound is computed in logarithms, so the check itself cannot overflow.
    """
    if X.size == 0:
        return
    weight = float(X.shape[0] if sample_weight is None else sample_weight.sum())
    limit = np.log10(np.finfo(np.float64).max) - 1  # a decade of headroom
    with np.errstate(over="ignore"):  # an overflowing span is what this looks for
        # fast common case: the whole array's range bounds every column's span
        # (reductions over the flat array are contiguous; per column they are strided)
        wide = float(X.max()) - float(X.min())
        if wide == 0.0 or (
            np.isfinite(wide)
            and 2 * np.log10(wide) + np.log10(X.shape[1] * max(weight, 1.0)) <= limit
        ):
            return
        span = X.max(axis=0) - X.min(axis=0)
    if not np.isfinite(span).all():  # the span itself overflows (e.g. -1e308 and 1e308)
        largest = np.inf
    else:
        top = float(span.max())
        if top == 0.0:
            return
        total = float(np.sum((span / top) ** 2))  # in [1, d]: no overflow
        largest = 2 * np.log10(top) + np.log10(total) + np.log10(max(weight, 1.0))
    if largest > limit:
        shown = "more than 1e308" if not np.isfinite(largest) else f"about 1e{largest:.0f}"
        raise ValueError(
            f"{name} is too large for K-means in float64: its squared distances, summed over "
            f"the rows, reach {shown} (float64 ends at 1.8e308). Rescale it first, for "
            "example with StandardScaler or MinMaxScaler."
        )


def check_sample_weight(
    sample_weight: Any, n_samples: int, rows: Any = None
) -> np.ndarray | None:
    """Validate per-sample weights; ``None`` means every sample weighs 1.

    Weights must be finite and non-negative, and not all zero. ``rows`` is the data as
    the caller gave it (before :func:`check_array`): weights as a Series beside a
    DataFrame are matched to its rows by index, otherwise taken in row order
    (:func:`by_row`). Returns a new float64 array in the rows' order, or ``None`` for
    unit weights.
    """
    if sample_weight is None:
        return None
    sample_weight = by_row(sample_weight, rows, name="sample_weight")
    w = check_array(sample_weight, name="sample_weight", ensure_2d=False, copy=True)
    if w.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has {w.shape[0]} values but X has {n_samples} samples; "
            "give one weight per row."
        )
    if (w < 0).any():
        raise ValueError(
            f"sample_weight has {(w < 0).sum()} negative value(s); weights must be >= 0."
        )
    if not (w > 0).any():
        raise ValueError("sample_weight is all zeros; at least one sample needs a positive weight.")
    return w


def check_n_clusters(n_clusters: Any, n_samples: int | None = None) -> int:
    """Validate a cluster count: an integer >= 1 and at most ``n_samples``."""
    if not is_integer(n_clusters):
        raise TypeError(f"n_clusters must be an integer, got {n_clusters!r}.")
    n_clusters = int(n_clusters)
    if n_clusters < 1:
        raise ValueError(f"n_clusters must be >= 1, got {n_clusters}.")
    if n_samples is not None and n_samples < n_clusters:
        raise ValueError(
            f"n_samples={n_samples} is smaller than n_clusters={n_clusters}; "
            "ask for fewer clusters or give more data."
        )
    return n_clusters


def check_seed(random_state: Any) -> int | np.random.Generator | None:
    """Check a ``random_state`` (None, an int >= 0 or a ``numpy.random.Generator``) and
    return it, an integer as a Python int; :func:`as_generator` turns it into a Generator.
    """
    if random_state is None or isinstance(random_state, np.random.Generator):
        return random_state
    if is_integer(random_state):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}.")
        return int(random_state)
    raise TypeError(
        "random_state must be None, an int or a numpy.random.Generator, "
        f"got {type(random_state).__name__}."
    )


def as_generator(random_state: int | np.random.Generator | None) -> np.random.Generator:
    """A Generator from a ``random_state`` that :func:`check_seed` accepted.

    ``None`` gives fresh OS entropy, an int seeds a new ``default_rng``, and a Generator is
    used as it is (so successive calls draw successive numbers, as scikit-learn does with a
    ``RandomState``).
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def check_random_state(random_state: Any) -> np.random.Generator:
    """Check ``random_state`` (see :func:`check_seed`) and return it as a Generator."""
    return as_generator(check_seed(random_state))


def numba_available() -> bool:
    """Whether numba can be imported (checked without compiling anything)."""
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a hard dependency
        return False
    return True


def resolve_backend(
    backend: str,
    *,
    n: int | None = None,
    numba_from: int = 0,
    kernels: str | None = None,
    numba_from_cold: int = 0,
) -> str:
    """Map ``"auto"`` to ``"numba"`` when numba imports, else ``"numpy"``; check the name.

    With ``n`` (the problem size) below ``numba_from``, ``"auto"`` picks ``"numpy"``:
    where the numpy twin is as fast, a run need not compile the numba kernel at all.

    With ``kernels`` (the kernel module's dotted name) not yet compiled on this machine
    (:func:`kmeans_np.jit.kernels_cached`), ``"auto"`` also picks ``"numpy"`` below
    ``numba_from_cold``: the size up to which the numpy twin takes less time than
    compiling the kernels would. A cold first run then spends at most about that long,
    where compiling would cost seconds; larger data, where numba pays for its
    compilation within the run, compiles them once for every later run.

    Both twins give the same answer, so this only changes how long a run takes.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}.")
    if backend == "auto":
        if n is not None and n < numba_from:
            return "numpy"  # decided before numba is even imported
        if n is not None and kernels is not None and n < numba_from_cold:
            from kmeans_np.jit import kernels_cached

            if not kernels_cached(kernels):
                return "numpy"
        return "numba" if numba_available() else "numpy"
    if backend == "numba" and not numba_available():  # pragma: no cover
        raise ValueError("backend='numba' was asked for but numba is not installed.")
    return backend


def check_columns(
    df: pd.DataFrame,
    required: Sequence[str],
    *,
    what: str = "table",
    fix: str = "Pass the right names as keyword arguments.",
) -> None:
    """Raise ``KeyError``-like ``ValueError`` naming missing columns and listing those found;
    ``fix`` ends the message: how the caller names the columns."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = [str(c) for c in df.columns]
        raise ValueError(f"{what} is missing column(s) {missing}; columns found: {found}. {fix}")
    repeated = [c for c in dict.fromkeys(required) if (df.columns == c).sum() > 1]
    if repeated:
        raise ValueError(
            f"{what} has more than one column named {repeated}; rename or drop the "
            "duplicates (e.g. df.loc[:, ~df.columns.duplicated()])."
        )


def match_index(
    values: pd.Series | pd.DataFrame,
    index: pd.Index,
    *,
    name: str,
    whose: str,
    row: str = "row",
    fix: str,
) -> pd.Series | pd.DataFrame:
    """``values`` (a Series or DataFrame keyed by its index) matched to ``index`` by key.

    The one rule by which the project pairs a labelled Series or DataFrame with the rows of
    a table: the same index gives ``values`` itself (no copy); the same keys in another
    order give a new object reordered to ``index``; anything else (a key of ``index``
    without a value, a value for a key not in ``index``, a key given twice on either side)
    is refused. ``values`` is never modified.

    Parameters
    ----------
    values : Series or DataFrame
        One entry per key of its index.
    index : pandas.Index
        The rows to match, in their order (e.g. ``X.index``, the customers).
    name : str
        What the caller calls ``values``, for the message (``"labels"``).
    whose : str
        What ``index`` is, for the message (``"X's index"``, ``"the customers"``).
    row : str
        What one key of ``index`` is, for the message (``"row"``, ``"customer"``).
    fix : str
        How to pass ``values`` instead, ending the message.

    Returns
    -------
    Series or DataFrame
        ``values`` with ``index`` as its index.

    Raises
    ------
    ValueError
        The keys differ or repeat: how many of ``index``'s keys have no value, how many
        values are for other keys, and which side repeats a key.

    Examples
    --------
    >>> s = pd.Series([1, 2], index=["b", "a"])
    >>> match_index(s, pd.Index(["a", "b"]), name="labels", whose="X's index", fix="").tolist()
    [2, 1]
    """
    own = values.index
    if own.equals(index):
        return values
    if not (own.has_duplicates or index.has_duplicates) and len(own) == len(index):
        pos = own.get_indexer(index)
        if (pos >= 0).all():  # every key once on each side: a reordering
            return values.iloc[pos]
    missing = index.difference(own, sort=False)
    others = own.difference(index, sort=False)
    gaps = [f"{len(missing)} {row}(s) without a value", f"{len(others)} value(s) for others"]
    if own.has_duplicates:
        gaps.append(f"{row}s given twice")
    if index.has_duplicates:
        gaps.append(f"{row}s given twice in {whose}")
    if len(missing) == len(index) and own.dtype != index.dtype:
        gaps.append(f"keys of type {own.dtype} against {index.dtype}")
    kind = "DataFrame" if isinstance(values, pd.DataFrame) else "Series"
    raise ValueError(
        f"{name} is a {kind} whose index does not match {whose} ({', '.join(gaps)}); {fix}"
    )


def by_row(values: Any, rows: Any, *, name: str, against: str = "X") -> Any:
    """``values`` (one per row: labels, sample weights) paired with the rows of ``rows``,
    by the project's one rule: a Series beside a DataFrame (or beside another Series) is
    matched by index (:func:`match_index`: the same keys in any order are reordered to
    ``rows``; keys missing, extra or repeated are refused, counted); anything else (an
    array or a list, or a Series beside an array) is returned as it is, to be taken in
    row order, as scikit-learn takes it.

    Parameters
    ----------
    values : Series or array-like
        One value per row.
    rows : DataFrame, Series or array-like
        What the values belong to (``X``, ``df``, the first of two labelings).
    name, against : str
        What the caller calls ``values`` and ``rows``, for the messages.

    Returns
    -------
    Series or array-like
        ``values`` itself, or a new Series reordered to ``rows``' index.

    Raises
    ------
    ValueError
        A Series whose keys are not exactly those of ``rows``' index.

    Examples
    --------
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 9.0]}, index=["a", "b", "c"])
    >>> by_row(pd.Series([3.0, 1.0, 2.0], index=["c", "a", "b"]), X, name="w").tolist()
    [1.0, 2.0, 3.0]
    """
    if isinstance(values, pd.Series) and isinstance(rows, (pd.DataFrame, pd.Series)):
        whose = f"{against}'" if against.endswith("s") else f"{against}'s"  # features'
        return match_index(
            values, rows.index, name=name, whose=f"{whose} index",
            fix=f"pass {name} on {whose} index (the same keys, in any order), or "
            f"{name}.to_numpy() to take them in {whose} row order.",
        )
    return values


def check_n_components(n_components: Any, n_samples: int, n_features: int) -> int:
    """``n_components`` as an int in ``1 .. min(n_samples, n_features)`` (PCA's limit);
    ``TypeError`` / ``ValueError`` naming the limit otherwise."""
    if not is_integer(n_components):
        raise TypeError(f"n_components must be an integer, got {n_components!r}.")
    limit = min(n_samples, n_features)
    if not 1 <= n_components <= limit:
        raise ValueError(
            f"n_components must be between 1 and min(n_samples, n_features) = "
            f"min({n_samples}, {n_features}) = {limit}, got {n_components}."
        )
    return int(n_components)
