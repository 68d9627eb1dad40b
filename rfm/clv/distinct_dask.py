"""Distinct histories of a Dask summary: reduced on the workers, fitted on the client.

The likelihood of the customer-base models needs only the distinct rows of the summary
and how many customers share each (:func:`rfm.clv.distinct.distinct_rows`). Each
partition of a Dask summary is checked and collapsed on its worker; the client receives
the partitions' weighted rows (a few hundred thousand at most, whatever the number of
customers), collapses them once more, and fits. The rows and weights are exactly those
of the in-memory summary, so the fit is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from rfm._dask_parts import partition_name
from rfm.clv.distinct import DistinctRows, distinct_rows
from rfm.clv.inputs import (
    PurchaseHistory,
    check_monetary,
    check_x,
)

__all__ = ["distinct_histories_dask", "distinct_spends_dask"]

WEIGHT = "_weight"


def _checked(where: str, check: Callable[[], Any]) -> Any:
    """Run ``check``; its error names the partition."""
    try:
        return check()
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def _histories(pdf: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
    if len(pdf) == 0:
        return _meta(("x", "t_x", "T"))
    where = partition_name(pdf, partition_info)
    h = _checked(where, lambda: PurchaseHistory.checked(pdf["x"], pdf["t_x"], pdf["T"],
                                                        pdf.index))
    rows = distinct_rows(h.x, h.t_x, h.T)
    return pd.DataFrame(dict(zip(("x", "t_x", "T"), rows.values, strict=True))
                        | {WEIGHT: rows.weight})


def _spends(pdf: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
    if len(pdf) == 0:
        return _meta(("x", "monetary"))
    where = partition_name(pdf, partition_info)
    x = _checked(where, lambda: check_x(pdf["x"], pdf.index))
    m = _checked(where, lambda: check_monetary(pdf["monetary"], x, pdf.index))
    repeat = x > 0
    rows = distinct_rows(x[repeat], m[repeat])
    return pd.DataFrame(dict(zip(("x", "monetary"), rows.values, strict=True))
                        | {WEIGHT: rows.weight})


def _meta(names: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=np.float64) for name in (*names, WEIGHT)})


def _collect(ddf: Any, names: tuple[str, ...], reduce: Callable) -> DistinctRows:
    from rfm.clv.inputs import summary_columns

    summary_columns(ddf._meta, names)  # the same message as in memory
    check_columns(ddf._meta, list(names), what="summary")
    parts = ddf.map_partitions(reduce, meta=_meta(names), enforce_metadata=False).compute()
    if len(parts) == 0:
        raise ValueError("no customers: the summary is empty.")
    columns = [parts[name].to_numpy() for name in names]
    return distinct_rows(*columns, weights=parts[WEIGHT].to_numpy())


def distinct_histories_dask(ddf: Any) -> DistinctRows:
    """Distinct ``(x, t_x, T)`` rows of a Dask summary with their customer counts."""
    return _collect(ddf, ("x", "t_x", "T"), _histories)


def distinct_spends_dask(ddf: Any) -> DistinctRows:
    """Distinct ``(x, monetary)`` rows of the repeat customers of a Dask summary."""
    return _collect(ddf, ("x", "monetary"), _spends)
