"""CRM export: one row per customer with everything a campaign tool needs.

The file has the customer id, R, F, M, and — when given — the R/F/M scores and code, the
named segment, the K-means cluster, its persona and the customer's silhouette (seed 002:
"the CRM platform can flag borderline assignments for manual review"; a silhouette near 0
or below means the customer sits between two clusters). Rows keep the RFM table's order.

CSV needs nothing extra; ``format="xlsx"`` needs ``openpyxl`` (``pip install openpyxl``).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np._checks import check_columns
from rfm._inputs import RFM_COLUMNS
from rfm.profiles import align_labels

__all__ = ["FORMATS", "export", "export_table"]

FORMATS = ("csv", "xlsx")
SCORE_COLUMNS = ("r_score", "f_score", "m_score", "rfm_code")


def _per_customer(values: Any, index: pd.Index, name: str) -> pd.Series:
    """A Series or array of one value per customer, aligned on ``index``."""
    if isinstance(values, pd.DataFrame):
        check_columns(values, [name], what=name)
        values = values[name]
    if isinstance(values, pd.Series):
        if not values.index.equals(index):
            if index.difference(values.index).size:
                raise ValueError(f"{name} does not cover every customer of the rfm table.")
            values = values.reindex(index)
        return pd.Series(values.to_numpy(), index=index, name=name)
    arr = np.asarray(values)
    if arr.ndim != 1 or len(arr) != len(index):
        raise ValueError(f"{name} must have one value per customer ({len(index)}).")
    return pd.Series(arr, index=index, name=name)


def export_table(
    rfm: pd.DataFrame,
    labels: Any,
    *,
    scores: pd.DataFrame | None = None,
    segments: pd.DataFrame | pd.Series | None = None,
    personas: Mapping[Any, str] | pd.Series | None = None,
    silhouette: Any = None,
    actions: Any = None,
) -> pd.DataFrame:
    """The table :func:`export` writes (same parameters), as a DataFrame.

    Columns: ``customer``, ``recency``, ``frequency``, ``monetary``, then ``r_score``,
    ``f_score``, ``m_score``, ``rfm_code`` (with ``scores``), ``segment`` (with
    ``segments``), ``cluster``, ``persona`` (with ``personas``), ``action`` (with
    ``actions``), ``silhouette`` (with ``silhouette``).
    """
    if not isinstance(rfm, pd.DataFrame):
        raise TypeError(f"rfm must be a DataFrame, got {type(rfm).__name__}.")
    check_columns(rfm, list(RFM_COLUMNS), what="rfm table")
    index = rfm.index
    lab = align_labels(labels, index)
    out = pd.DataFrame({"customer": index.to_numpy()}, index=index)
    for col in RFM_COLUMNS:
        out[col] = rfm[col].to_numpy()
    if scores is not None:
        if not isinstance(scores, pd.DataFrame):
            raise TypeError("scores must be the DataFrame of rfm.rfm_scores.")
        check_columns(scores, list(SCORE_COLUMNS), what="scores")
        for col in SCORE_COLUMNS:
            out[col] = _per_customer(scores[col], index, col).to_numpy()
    if segments is not None:
        out["segment"] = _per_customer(segments, index, "segment").to_numpy()
    out["cluster"] = lab.to_numpy()
    if personas is not None:
        mapping = dict(personas.items()) if isinstance(personas, pd.Series) else dict(personas)
        names = lab.map(mapping)
        if names.isna().any():
            missing = sorted(set(lab[names.isna()].tolist()))
            raise ValueError(
                f"personas has no name for cluster(s) {missing}; pass name_personas(profile)."
            )
        out["persona"] = names.to_numpy()
    if actions is not None:
        out["action"] = _per_customer(actions, index, "action").to_numpy()
    if silhouette is not None:
        out["silhouette"] = _per_customer(silhouette, index, "silhouette").to_numpy(
            dtype=np.float64
        )
    return out.reset_index(drop=True)


def export(
    path: str | os.PathLike[str],
    rfm: pd.DataFrame,
    labels: Any,
    *,
    scores: pd.DataFrame | None = None,
    segments: pd.DataFrame | pd.Series | None = None,
    personas: Mapping[Any, str] | pd.Series | None = None,
    silhouette: Any = None,
    format: str = "csv",
    actions: Any = None,
) -> Path:
    """Write the per-customer CRM table to ``path``.

    Parameters
    ----------
    path : str or PathLike
        File to write (its folder must exist).
    rfm : DataFrame
        RFM table indexed by customer (:func:`rfm.rfm_table`).
    labels : Series or array
        Cluster per customer (``cluster(...).labels``).
    scores : DataFrame, optional
        :func:`rfm.rfm_scores` output (``r_score, f_score, m_score, rfm_code``).
    segments : DataFrame or Series, optional
        :func:`rfm.segment` output (its ``segment`` column) or a Series of names.
    personas : Series or dict, optional
        Cluster id → persona name (:func:`rfm.name_personas`).
    silhouette : Series or array, optional
        Silhouette value per customer (:func:`validation.silhouette_samples`).
    format : {"csv", "xlsx"}
        File format; ``"xlsx"`` needs openpyxl.
    actions : Series or array, optional
        The one recommended action per customer (:func:`rfm.customer_actions`).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")
    if format == "xlsx" and importlib.util.find_spec("openpyxl") is None:
        raise ImportError(
            "format='xlsx' needs the openpyxl package: pip install openpyxl (or use format='csv')."
        )
    table = export_table(
        rfm, labels, scores=scores, segments=segments, personas=personas, silhouette=silhouette,
        actions=actions,
    )
    path = Path(path)
    if not path.parent.exists():
        raise ValueError(f"folder {str(path.parent)!r} does not exist; create it first.")
    if format == "csv":
        table.to_csv(path, index=False, float_format="%.12g")
    else:
        table.to_excel(path, index=False, sheet_name="customers")
    return path
