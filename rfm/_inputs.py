"""Input checks shared by the data half of :mod:`rfm` (cleaning, RFM table, KPIs).

The generic checks (column presence, array shape) live in :mod:`kmeans_np.checks`;
this module adds what is specific to transaction tables: "is it a non-empty DataFrame",
"parse this date column or say which values do not parse", and "read this column as
money". Nothing here modifies its input.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_dataframe, match_index
from rfm.columns import missing_roles_fix

__all__ = [
    "RFM_COLUMNS",
    "align_to_customers",
    "below_zero",
    "check_frame",
    "check_rfm",
    "check_role_columns",
    "check_same_customers",
    "cluster_names",
    "numeric_values",
    "parse_dates",
    "rfm_values",
    "unparseable_dates",
]


#: The three columns of an RFM table, in R, F, M order (see rfm.rfm_table).
RFM_COLUMNS = ("recency", "frequency", "monetary")
_UNITS = ("s", "ms", "us", "ns")  # datetime resolutions, coarse to fine


def check_frame(df: Any, *, what: str = "transactions") -> None:
    """Raise ``TypeError`` unless ``df`` is a DataFrame, ``ValueError`` if it has no rows."""
    check_dataframe(df, what, source="build one with pd.DataFrame(...) or pd.read_csv(...)")
    if len(df) == 0:
        raise ValueError(f"{what} is empty (0 rows); there is nothing to compute.")


#: a date written ``a/b/yyyy`` (``.`` or ``-`` also), whose day and month could be swapped
_DAY_MONTH = re.compile(r"^\s*\d{1,2}([/.\-])\d{1,2}\1\d{2,4}(?:[ T]|$)")


def check_role_columns(
    df: Any,
    roles: Mapping[str, str | None],
    needed: Sequence[str],
    *,
    given_as: str,
    what: str = "transactions",
) -> None:
    """:func:`kmeans_np.checks.check_columns` for the columns of transaction roles
    (``roles``: role → column): the message's fix names the roles as the caller takes
    them (``given_as``: :data:`rfm.columns.KEYWORDS` or :data:`rfm.columns.COLUMNS`)."""
    missing = [c for c in needed if c not in df.columns]
    check_columns(df, needed, what=what, fix=missing_roles_fix(roles, missing, given_as))


def unparseable_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ``values`` as datetimes; return ``(parsed, bad)``.

    ``parsed`` holds ``NaT`` wherever a value is missing or does not parse; ``bad`` is a
    boolean Series marking the values that were present but did not parse. Text is
    parsed with one format for the whole column when one fits every value (so
    ``02/01/2011`` beside ``13/01/2011`` is day first), else value by value, as long as
    no day and month order is guessed: the ``a/b/yyyy`` dates are then read together,
    with the one order they settle (``2011-04-05``, ``25/01/2011`` and ``02/03/2011``:
    2 March), where pandas alone would read some day first and others month first. A
    column whose ``a/b/yyyy`` dates all read both ways is refused. A column that already
    has a datetime dtype is returned as it is (no copy is modified later).

    Raises
    ------
    AmbiguousDate
        Every ``a/b/yyyy`` date reads both day first and month first; the message names
        :func:`rfm.parse_date_column` and its ``dayfirst`` / ``date_format``.
    ValueError
        ``a/b/yyyy`` dates that contradict each other (one only day first, another only
        month first).
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values, pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        raise TypeError(
            f"date column {values.name!r} holds numbers (dtype {values.dtype}), not dates; "
            "give datetimes or text such as '2024-01-31', or convert epoch numbers "
            "explicitly, e.g. pd.to_datetime(column, unit='s')."
        )
    from rfm.io.dates import PARSE_FIRST, AmbiguousDate, mixed_layouts_error, read_date_column

    try:  # one format for the whole column when one fits every value (rfm.io.dates)
        parsed, _ = read_date_column(values, options=PARSE_FIRST)
        return parsed, pd.Series(False, index=values.index)
    except AmbiguousDate:
        raise  # no value says whether 01/02/2011 is 1 February or 2 January
    except ValueError:
        pass  # junk or mixed layouts: parse value by value and report what fails
    with warnings.catch_warnings():
        # a first value that does not parse makes pandas guess per value; we report
        # the values that fail below, so its generic warning adds nothing
        warnings.filterwarnings("ignore", message="Could not infer format", category=UserWarning)
        # its day-first guesses for a/b/yyyy text are replaced below by one settled order
        warnings.filterwarnings("ignore", message="Parsing dates in", category=UserWarning)
        parsed = pd.to_datetime(values, errors="coerce")
    bad = parsed.isna() & values.notna()
    if bad.any():
        # pandas infers one format from the first value, so "2024-01-02" fails after
        # "2024-01-01 10:00"; give the failures a second, per-value chance.
        retry = pd.to_datetime(values[bad], errors="coerce", format="mixed")
        parsed = parsed.copy()
        if hasattr(retry, "dt") and hasattr(parsed, "dt"):
            # the two reads may differ in resolution ("2 Jan 2011" to the microsecond, ISO
            # text with nanoseconds): keep the finer one, losing no digit
            finest = max(parsed.dt.unit, retry.dt.unit, key=_UNITS.index)
            parsed, retry = parsed.dt.as_unit(finest), retry.dt.as_unit(finest)
        parsed[bad] = retry
        bad = parsed.isna() & values.notna()
    day_month = _day_month(values.where(parsed.notna()))
    if day_month.any():
        # value by value, pandas reads 02/03/2011 month first and 25/01/2011 day first:
        # the a/b/yyyy dates are read together, with one order for all of them, as
        # rfm.parse_date_column reads a column (refused only when none of them settles
        # the order, or two contradict each other); dates of other layouts keep their
        # reading, and the values that do not parse stay bad (e.g. for drop_bad_dates)
        try:
            settled, _ = read_date_column(values[day_month], options=PARSE_FIRST)
        except ValueError as exc:  # no one order; among dates of other layouts, neither
            if not (parsed.notna() & ~day_month).any():  # dayfirst= nor one date_format=
                raise  # can help, so that message names a fix that does
            raise mixed_layouts_error(exc, PARSE_FIRST) from None
        finest = max(parsed.dt.unit, settled.dt.unit, key=_UNITS.index)
        parsed = parsed.dt.as_unit(finest).copy()
        parsed[day_month] = settled.dt.as_unit(finest)
    return parsed, bad


def _day_month(values: pd.Series) -> pd.Series:
    """Which values of ``values`` are text written ``a/b/yyyy`` (day and month could be
    swapped); each distinct value is looked at once."""
    uniq = pd.unique(values.to_numpy(dtype=object))
    hits = [v for v in uniq if isinstance(v, str) and _DAY_MONTH.match(v)]
    return values.isin(hits) if hits else pd.Series(False, index=values.index)


def parse_dates(values: pd.Series, name: str) -> pd.Series:
    """Return ``values`` as a datetime Series, raising if any value is missing or bad.

    Parameters
    ----------
    values : Series
        Dates as datetimes, strings or ``datetime.date`` objects.
    name : str
        Column name for the error messages.

    Raises
    ------
    ValueError
        Naming up to five values that do not parse (and how many there are), or how many
        dates are missing.
    """
    parsed, bad = unparseable_dates(values)
    if bad.any():
        examples = [repr(v) for v in values[bad].unique()[:5]]
        raise ValueError(
            f"column {name!r} has {int(bad.sum())} value(s) that do not parse as dates, "
            f"e.g. {', '.join(examples)}. Fix them, parse the column yourself with "
            "pd.to_datetime(..., format=...), or drop them with clean_transactions "
            "(drop_bad_dates=True)."
        )
    missing = parsed.isna()
    if missing.any():
        raise ValueError(
            f"column {name!r} has {int(missing.sum())} missing date(s); drop those rows "
            "(e.g. clean_transactions) before computing RFM."
        )
    return parsed


def below_zero(values: Any) -> np.ndarray:
    """Which values are below 0 by more than rounding, per column (a 1-D array is one
    column): below -1e-9 of the column's largest size, or of 1. A purchase returned in
    full, its lines added in another order, can sum to -5e-15: that customer spent
    nothing, not less than nothing."""
    arr = np.asarray(values, dtype=np.float64)
    size = np.abs(arr).max(axis=0, initial=0.0)
    return arr < -1e-9 * np.maximum(1.0, size)


def numeric_values(values: pd.Series, name: str) -> np.ndarray:
    """Column ``values`` as a float64 array; ``TypeError`` if it is not numeric."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise TypeError(
            f"column {name!r} must be numeric, got dtype {dtype}; convert it with "
            f"pd.to_numeric(df[{name!r}]) first."
        )
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def check_rfm(
    rfm: Any, columns: tuple[str, str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check that ``rfm`` is a DataFrame holding the three named R, F, M columns.

    Returns the three columns as float64 arrays (each checked by :func:`rfm_values`).
    """
    check_dataframe(rfm, "rfm", source="see rfm_table")
    if isinstance(columns, str) or len(columns) != 3:
        raise ValueError(
            f"columns must name the recency, frequency and monetary columns (3 names), "
            f"got {columns!r}."
        )
    check_columns(rfm, list(columns), what="rfm")
    r, f, m = (rfm_values(rfm[name], name) for name in columns)
    return r, f, m


def rfm_values(column: pd.Series, name: str) -> np.ndarray:
    """An R, F or M column as float64, refusing text, booleans, NaN and ±inf."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise TypeError(f"rfm column {name!r} must be numeric, got dtype {dtype}.")
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        raise ValueError(
            f"rfm column {name!r} has missing or infinite values; scores need a number "
            "for every customer."
        )
    return values


#: rfm's customers, segments' customers
_POSSESSIVE = {False: "'s", True: "'"}


def check_same_customers(
    first: pd.DataFrame, second: pd.DataFrame, names: tuple[str, str]
) -> None:
    """Refuse two per-customer tables (indexed by customer) that do not hold the same
    customers, in the words of the caller's parameters (``names``, e.g. ``("segments",
    "rfm")``): how many of each one's customers the other lacks, and how to select the
    same customers. The same customers in another order pass (they are matched by
    index)."""
    a, b = first.index, second.index
    if a.equals(b):
        return
    for name, index in zip(names, (a, b), strict=True):
        if index.has_duplicates:
            raise ValueError(
                f"{name} has {int(index.duplicated().sum())} customer(s) more than once in "
                "its index; give one row per customer."
            )
    only_first, only_second = a.difference(b, sort=False), b.difference(a, sort=False)
    if len(only_first) == 0 and len(only_second) == 0:
        return
    one, two = names
    gaps = [f"{len(only)} of {whose}{_POSSESSIVE[whose.endswith('s')]} customers are not in "
            f"{other}"
            for only, whose, other in ((only_second, two, one), (only_first, one, two))
            if len(only)]  # fmt: skip
    if len(only_first) == 0:
        fix = f"{two}.loc[{one}.index]"
    elif len(only_second) == 0:
        fix = f"{one}.loc[{two}.index]"
    else:
        fix = (f"{one}.loc[common] and {two}.loc[common] with common = "
               f"{one}.index.intersection({two}.index)")
    raise ValueError(
        f"{one} and {two} do not cover the same customers ({'; '.join(gaps)}); give both "
        f"for the same customers, e.g. {fix}."
    )


def align_to_customers(
    values: Any, index: pd.Index, *, name: str, allow_missing: bool = False
) -> pd.Series:
    """``values`` as a Series on the customers ``index``, checking length and alignment.

    A Series is matched by index (:func:`kmeans_np.checks.match_index`: every customer of
    ``index`` once, in any order, and no other); anything else is taken in row order and
    must have one entry per customer. Missing values are
    refused unless ``allow_missing``. The result is a new Series named ``name``.
    """
    if isinstance(values, pd.Series):
        values = match_index(
            values, index, name=name, whose="the customers", row="customer",
            fix="pass a Series on the customers (e.g. cluster(...).labels) or a plain array "
            "in the table's row order.",
        )
        # a category column stays one: as text, millions of customers' few distinct
        # names (segments, actions) would each be spelled out again
        categorical = isinstance(values.dtype, pd.CategoricalDtype)
        arr = values.array if categorical else values.to_numpy()
    else:
        arr = np.asarray(values)
        if arr.ndim != 1 or arr.shape[0] != len(index):
            raise ValueError(
                f"{name} must have one entry per customer ({len(index)}), got shape "
                f"{arr.shape}; pass one value per customer in the table's row order."
            )
    if not allow_missing and pd.isna(arr).any():
        raise ValueError(f"{name} has {int(pd.isna(arr).sum())} missing value(s).")
    return pd.Series(arr, index=index, name=name)


def cluster_names(labels: pd.Series, names: Any) -> pd.Series:
    """Each customer's cluster name (e.g. its persona), as a category column on ``labels``'
    index, built from the few clusters: millions of labels are never mapped to text one
    by one. ``names`` maps cluster id to name (a dict or a Series); the categories are
    the names in sorted order, as ``astype("category")`` of the texts gives them.

    Raises
    ------
    ValueError
        A cluster without a name.
    """
    mapping = dict(names.items()) if isinstance(names, pd.Series) else dict(names)
    codes, clusters = pd.factorize(labels.to_numpy())  # labels are checked: none missing
    named = [mapping.get(c) for c in clusters.tolist()]
    missing = sorted(c for c, n in zip(clusters.tolist(), named, strict=True) if pd.isna(n))
    if missing:
        raise ValueError(
            f"personas has no name for cluster(s) {missing}; pass name_personas(profile)."
        )
    categories = sorted(set(named))
    where = {name: i for i, name in enumerate(categories)}
    name_code = np.array([where[n] for n in named], dtype=np.int64)
    return pd.Series(
        pd.Categorical.from_codes(name_code[codes], categories), index=labels.index,
        name=labels.name,
    )  # fmt: skip
