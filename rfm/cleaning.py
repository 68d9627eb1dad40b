"""Clean a raw transaction table before RFM: one switchable rule per kind of bad row.

Real order lines (the UCI Online Retail file, most shop exports) hold rows that must
not count towards a customer's recency, frequency or spend: guest orders without a
customer id, cancellations, returns (negative quantities), free or adjustment lines
(price ≤ 0) and dates that do not parse. Exact duplicate lines are counted and kept
unless asked (``drop_duplicates=True``): a repeated line may be a real second purchase,
and the UCI figures everyone quotes keep them. The usual tutorial recipe drops the first
few with three lines of pandas; :func:`clean_transactions` does the same, says how many
rows each rule removed, and never touches the caller's DataFrame.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rfm._cleaning_rules import apply_rules, check_rule_columns, nothing_left, rule_columns
from rfm._inputs import check_frame
from rfm.columns import (
    COLUMNS,
    DEFAULT_PRICE,
    DEFAULT_QUANTITY,
    KEYWORDS,
    TransactionColumns,
    fit_money_roles,
)

__all__ = ["WHOLE_NUMBER_TEXT", "clean_transactions", "ids_written_otherwise",
           "ids_written_two_ways", "integral_ids"]

#: a whole number written as a float, ``"17850.0"``; group 1 is the number, ``"17850"``
WHOLE_NUMBER_TEXT = re.compile(r"^([+-]?\d+)\.0*$")


def integral_ids(values: pd.Series) -> pd.Series:
    """Customer ids that are whole numbers stored as floats, made whole again.

    A float column whose values are all whole (17850.0: what pandas makes of an integer
    column with gaps) becomes int64; text whose values all read as such floats
    (``"17850.0"``, as pandas writes that column to CSV) loses the ``.0``. Other ids are
    returned unchanged (the same object).
    """
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64)
        if np.isfinite(numbers).all() and (numbers == np.round(numbers)).all():
            return values.astype(np.int64)
    elif pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype):
        # each distinct id once (a customer has many order lines), then spread back
        codes, distinct = pd.factorize(values)
        if (codes < 0).any():  # a missing id is no whole number: ids left as they are
            return values
        whole = pd.Series(distinct).astype(str).str.extract(WHOLE_NUMBER_TEXT, expand=False)
        if whole.notna().all():
            whole = whole.take(codes).set_axis(values.index).rename(values.name)
            return whole.astype(values.dtype) if values.dtype != object else whole
    return values


def _plain(ids: pd.Index) -> pd.Series:
    """Each id as text without leading zeros or a decimal ".0" ("00017", "17.0": "17"),
    indexed by the id."""
    text = pd.Series(ids.astype(str), index=ids)
    return text.str.replace(r"\.0+$", "", regex=True).str.lstrip("0").replace("", "0")


def ids_written_otherwise(before: pd.Index, after: pd.Index) -> tuple[int, str, str] | None:
    """Customers new in ``after`` whose id ``before`` writes otherwise: with leading zeros,
    or as a decimal number ("00017", "17", "17.0" are one id), whether that other id is
    gone or is in ``after`` too (a file padded on its newest lines only). Returns how
    many, and the first one as each side writes it; None when there are none. Both
    indexes hold distinct ids."""
    new = after[before.get_indexer(after) < 0]
    if not len(new):
        return None
    text = pd.Series(before.astype(str), index=before)
    # the previous ids by their plain form: only those with a leading 0 or a "." change
    odd = text.str.startswith("0") | text.str.contains(".", regex=False)
    keys = pd.Series(np.concatenate([before[~odd.to_numpy()].to_numpy(dtype=object),
                                     before[odd.to_numpy()].to_numpy(dtype=object)]),
                     index=np.concatenate([text[~odd.to_numpy()].to_numpy(dtype=object),
                                           _plain(before[odd.to_numpy()]).to_numpy(dtype=object)]))
    keys = keys[~keys.index.duplicated()]
    mine = _plain(new)
    row = pd.Index(keys.index).get_indexer(mine.to_numpy(dtype=object))
    found = row >= 0
    if not found.any():
        return None
    first = int(np.flatnonzero(found)[0])
    return int(found.sum()), str(keys.iloc[row[first]]), str(mine.index[first])


def ids_written_two_ways(ids: pd.Index) -> tuple[int, str, str] | None:
    """Customer ids of one table that write one id two ways, with leading zeros or as a
    decimal number (``"00017"`` and ``"17"``, ``"18.0"`` and ``"18"``): what
    :func:`ids_written_otherwise` finds between two runs, within one. Returns how many
    ids are such second spellings (each a customer counted apart from the first
    spelling's), and the first pair (its first spelling, then the other); ``None`` when
    there are none. ``ids`` holds distinct ids."""
    if pd.api.types.is_integer_dtype(ids.dtype):
        return None  # integers are written one way
    text = pd.Series(ids.astype(str), index=ids)
    # only an id with a leading 0 or a "." has another spelling
    if not (text.str.startswith("0") | text.str.contains(".", regex=False)).any():
        return None
    first = ~_plain(ids).duplicated().to_numpy()
    if first.all():
        return None
    return ids_written_otherwise(ids[first], ids)


def clean_transactions(
    df: pd.DataFrame,
    *,
    customer: str = "CustomerID",
    invoice: str | None = "InvoiceNo",
    date: str = "InvoiceDate",
    quantity: str | None = DEFAULT_QUANTITY,
    price: str | None = DEFAULT_PRICE,
    amount: str | None = None,
    drop_missing_customer: bool = True,
    drop_cancelled: bool = True,
    drop_nonpositive_quantity: bool = True,
    drop_nonpositive_price: bool = True,
    drop_duplicates: bool = False,
    drop_bad_dates: bool = True,
    drop_nonpositive_amount: bool = True,
    columns: TransactionColumns | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop the rows that must not count in RFM and report what each rule removed.

    Rules run in this order; each one sees only the rows the earlier rules kept, so a
    row is counted once, by the first rule that removes it:

    ``missing_customer``
        customer id is NaN/None or an empty/blank string (guest orders).
    ``bad_dates``
        the date is missing or does not parse. The cleaned table then holds the date
        column as parsed datetimes. With ``drop_bad_dates=False`` the column is left
        exactly as it was (unparsed), so :func:`rfm.rfm_table` will reject bad values.
    ``cancelled``
        the invoice number starts with ``"C"`` (the UCI convention for cancellations).
    ``nonpositive_quantity`` / ``nonpositive_price``
        quantity ≤ 0 (returns) / unit price ≤ 0 (free lines, bad-debt adjustments);
        missing values count as bad here too.
    ``nonpositive_amount``
        only when money comes from an amount column: line amount ≤ 0 or missing.
    ``duplicates``
        exact duplicates of an earlier kept row (all columns equal).

    Parameters
    ----------
    df : DataFrame or dask.dataframe.DataFrame
        Raw order lines; left unchanged. A Dask DataFrame is cleaned partition by
        partition (the report is computed at once, the cleaned frame stays lazy);
        duplicates are found across partitions, the first in partition order kept.
    customer, invoice, date, quantity, price, amount : str or None
        Column names (defaults: the UCI Online Retail names, as in
        :class:`rfm.TransactionColumns`). Passing ``None`` for ``invoice``, ``quantity``
        or ``price`` switches off the rule that needs it. Money follows the one money
        rule (:mod:`rfm.columns`): with no money column named, a ``TotalAmount`` column is
        the amount; beside an amount, ``Quantity`` and ``UnitPrice`` are used when the
        table has them.
    drop_missing_customer, drop_cancelled, drop_nonpositive_quantity, \
drop_nonpositive_price, drop_duplicates, drop_bad_dates, drop_nonpositive_amount : bool
        Switch each rule on or off.
    columns : TransactionColumns, optional
        All the column roles at once; when given it replaces the six names above.

    Returns
    -------
    clean_df : DataFrame
        A new DataFrame with the kept rows, original index and columns (a Dask
        DataFrame for Dask input). In a pandas DataFrame, customer ids that are all
        whole numbers stored as floats (17850.0: what pandas reads from an id column
        with gaps) come out as integers, and text ids that all read so (``"17850.0"``)
        lose the ``.0``, as :func:`rfm.run_pipeline` and ``rfmseg`` give them; other
        ids are kept as they are.
    report : DataFrame
        One row per rule that ran, in the order applied: ``rule``, ``rows_removed``,
        ``rows_left``.

    Raises
    ------
    TypeError, ValueError
        Not a DataFrame, empty, a needed column missing (names it and lists the
        columns found), or every row removed (the message says how many rows each rule
        removed, from which column, and the switch that keeps them).

    Examples
    --------
    >>> clean, report = clean_transactions(raw)                       # doctest: +SKIP
    >>> clean, report = clean_transactions(raw, drop_duplicates=True)   # doctest: +SKIP
    """
    from kmeans_np.dask_detect import is_dask_frame

    if columns is not None:
        customer, invoice, date = columns.customer, columns.invoice, columns.date
        quantity, price, amount = columns.quantity, columns.price, columns.amount
    if hasattr(df, "columns"):  # the one money rule (rfm.columns); not a frame: refused below
        amount, quantity, price = fit_money_roles(df.columns, amount, quantity, price)

    options = dict(
        customer=customer, invoice=invoice, date=date, quantity=quantity, price=price,
        amount=amount, drop_missing_customer=drop_missing_customer,
        drop_cancelled=drop_cancelled, drop_nonpositive_quantity=drop_nonpositive_quantity,
        drop_nonpositive_price=drop_nonpositive_price, drop_bad_dates=drop_bad_dates,
        drop_nonpositive_amount=drop_nonpositive_amount,
    )
    given_as = COLUMNS if columns is not None else KEYWORDS  # how messages name the roles
    if is_dask_frame(df):
        from rfm.cleaning_dask import clean_transactions_dask

        return clean_transactions_dask(df, drop_duplicates=drop_duplicates,
                                       given_as=given_as, **options)  # fmt: skip
    check_frame(df)
    rules = rule_columns(**options)
    check_rule_columns(df, rules, given_as=given_as)
    out, rows = apply_rules(df, rules, date)
    if drop_duplicates:
        dup_in_out = out.duplicated().to_numpy()
        removed = int(dup_in_out.sum())
        rows.append({"rule": "duplicates", "rows_removed": removed,
                     "rows_left": len(out) - removed})
        out = out.loc[~dup_in_out]
    report = pd.DataFrame(rows, columns=["rule", "rows_removed", "rows_left"])
    if len(out) == 0:
        raise nothing_left(report, rules, given_as)
    raw_ids = out[customer]
    ids = integral_ids(raw_ids)
    if ids is not raw_ids:  # whole numbers written as floats (17850.0) made whole
        out = out.assign(**{customer: ids})
    return out, report


