"""Customer features beyond R, F, M: demographics and preferences, one row per customer.

A common extension of RFM clustering adds age and one-hot encoded categories, but merges
the RFM table into the *transaction* table, so a customer with 12 order lines
appears 12 times and heavy buyers weigh 12× in K-means. Here everything is per customer:

* a **categorical** column (e.g. ``Category``, ``Channel``) becomes the customer's most
  frequent value (ties: the value seen first in the table). For a demographic that is
  constant per customer (``Gender``, ``Membership``) that is simply its value. A customer
  with no value at all (e.g. an empty ``Membership``) gets the category ``"nan"`` —
  missing is information ("not a member"), kept as its own category like the
  ``Membership_nan`` column of ``pd.get_dummies(..., dummy_na=True)``;
* a **numeric** column (e.g. ``Age``) becomes the customer's first non-missing value;
* R, F, M and the numeric columns are z-scored (population std, as
  :class:`kmeans_np.StandardScaler`);
* each categorical column is one-hot encoded, ``<column>_<value>`` with 0/1 values, the
  categories sorted with ``"nan"`` last, and the **first category dropped** (it is implied
  by all the others being 0; keeping it adds a redundant, perfectly collinear column).

The result is ready for :class:`kmeans_np.KMeans`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kmeans_np import StandardScaler
from kmeans_np.checks import check_columns, check_dataframe
from rfm._inputs import RFM_COLUMNS

__all__ = ["MISSING_CATEGORY", "customer_attributes", "customer_features"]

MISSING_CATEGORY = "nan"


def _as_tuple(value: str | Sequence[str], name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    try:
        return tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be a column name or a sequence of names.") from None


def _mode_per_customer(codes: np.ndarray, values: pd.Series) -> pd.Series:
    """Most frequent value per customer code, ties to the value seen first."""
    filled = values.astype(object).where(values.notna(), MISSING_CATEGORY).astype(str)
    frame = pd.DataFrame({"cust": codes, "value": filled.to_numpy(), "pos": np.arange(len(codes))})
    present = frame[filled.to_numpy() != MISSING_CATEGORY]
    stats = present.groupby(["cust", "value"], sort=False).agg(
        count=("pos", "size"), first=("pos", "min")
    )
    stats = stats.reset_index().sort_values(
        ["cust", "count", "first"], ascending=[True, False, True]
    )
    best = stats.drop_duplicates("cust").set_index("cust")["value"]
    return best


def _first_per_customer(codes: np.ndarray, values: pd.Series, name: str) -> pd.Series:
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() & values.notna()
    if bad.any():
        raise ValueError(
            f"numeric column {name!r} has {int(bad.sum())} non-numeric value(s), e.g. "
            f"{values[bad].iloc[0]!r}."
        )
    frame = pd.DataFrame({"cust": codes, "value": numeric.to_numpy(dtype=np.float64)})
    return frame.dropna().groupby("cust", sort=False)["value"].first()


def customer_attributes(
    transactions: pd.DataFrame,
    customers: pd.Index,
    *,
    customer: str = "CustomerID",
    categorical: Sequence[str] = (),
    numeric: Sequence[str] = (),
) -> pd.DataFrame:
    """Per customer: most frequent value of each categorical column, first non-missing
    value of each numeric one (see the module docstring), on ``customers`` as index.

    Categorical values come back as strings, ``"nan"`` for a customer with none; numeric
    values as floats, NaN for a customer with none.
    """
    check_columns(transactions, [customer, *categorical, *numeric], what="transactions")
    ids = transactions[customer]
    codes = customers.get_indexer(ids)
    unknown = ~np.isin(np.arange(len(customers)), codes)
    if unknown.any():
        raise ValueError(
            f"{int(unknown.sum())} customer(s) of the rfm table have no transaction, e.g. "
            f"{customers[unknown][0]!r}; pass the transactions the rfm table was built from."
        )
    keep = codes >= 0  # rows of customers that are not in the rfm table are ignored
    codes = codes[keep]
    out = pd.DataFrame(index=customers)
    rows = transactions.loc[keep] if not keep.all() else transactions
    positions = np.arange(len(customers))
    for col in categorical:
        mode = _mode_per_customer(codes, rows[col])
        out[col] = mode.reindex(positions).fillna(MISSING_CATEGORY).to_numpy()
    for col in numeric:
        first = _first_per_customer(codes, rows[col], col)
        out[col] = first.reindex(positions).to_numpy(dtype=np.float64)
    return out


def _one_hot(values: pd.Series, prefix: str) -> pd.DataFrame:
    cats = sorted(v for v in values.unique() if v != MISSING_CATEGORY)
    if (values == MISSING_CATEGORY).any():
        cats.append(MISSING_CATEGORY)
    cat = pd.Categorical(values, categories=cats)
    dummies = pd.get_dummies(cat, prefix=prefix, prefix_sep="_", dtype=np.float64)
    dummies.index = values.index
    return dummies.iloc[:, 1:]  # drop the first category


def customer_features(
    transactions: pd.DataFrame,
    rfm: pd.DataFrame,
    *,
    customer: str = "CustomerID",
    categorical: Sequence[str] = (
        "Category",
        "Country",
        "Channel",
        "Gender",
        "Occupation",
        "Membership",
    ),
    numeric: Sequence[str] = ("Age",),
) -> pd.DataFrame:
    """RFM plus demographics and preferences per customer, scaled for K-means.

    Parameters
    ----------
    transactions : DataFrame
        The order lines the RFM table was built from (left unchanged); needs the customer
        column and every column named in ``categorical`` and ``numeric``.
    rfm : DataFrame
        One row per customer (index = customer id) with ``recency``, ``frequency`` and
        ``monetary`` (:func:`rfm.rfm_table`).
    customer : str
        Customer id column of ``transactions``.
    categorical : sequence of str
        Columns to one-hot encode (first category dropped, missing as ``"nan"``).
    numeric : sequence of str
        Extra numeric columns (first non-missing value per customer), z-scored with R, F, M.

    Returns
    -------
    DataFrame
        On ``rfm``'s index: ``recency, frequency, monetary``, the numeric columns (all
        z-scored), then the 0/1 columns ``<column>_<value>``.

    Raises
    ------
    ValueError
        Missing columns, customers of ``rfm`` absent from ``transactions``, a numeric
        column that is not numeric or has no value for some customer.
    """
    check_dataframe(transactions, "transactions")
    check_dataframe(rfm, "rfm", source="see rfm_table")
    categorical = _as_tuple(categorical, "categorical")
    numeric = _as_tuple(numeric, "numeric")
    check_columns(rfm, list(RFM_COLUMNS), what="rfm table")
    if len(rfm) == 0:
        raise ValueError("rfm table is empty (0 customers).")
    if rfm.index.has_duplicates:
        raise ValueError("rfm table has duplicate customer ids in its index.")
    attrs = customer_attributes(
        transactions, rfm.index, customer=customer, categorical=categorical, numeric=numeric
    )
    for col in numeric:
        missing = attrs[col].isna()
        if missing.any():
            raise ValueError(
                f"numeric column {col!r} has no value for {int(missing.sum())} customer(s), "
                f"e.g. {attrs.index[missing][0]!r}; impute it (fillna) before calling."
            )
    nums = pd.concat([rfm[list(RFM_COLUMNS)].astype(np.float64), attrs[list(numeric)]], axis=1)
    scaled = StandardScaler().fit_transform(nums)
    parts = [scaled] + [_one_hot(attrs[col], col) for col in categorical]
    return pd.concat(parts, axis=1)
