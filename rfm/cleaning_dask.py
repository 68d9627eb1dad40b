""":func:`rfm.clean_transactions` on a Dask DataFrame: same rules, same report.

Every rule but one looks at a single row, so it runs partition by partition with the
in-memory code, and its count in the report is the sum over partitions. Duplicates are
different: two equal rows may sit in different partitions (files). To find them exactly,
the kept rows, tagged with their (partition, position), are shuffled on *all* their
columns, so that equal rows meet in one task; there they are ordered by tag and every
row equal to an earlier one is marked. Only the marks (one small row per duplicate) come
back to the client; the cleaned frame then drops them partition by partition, keeping
the first copy in partition order, exactly as the in-memory call keeps the first copy.
The shuffle moves the kept data once; ``drop_duplicates=False`` skips it.

The customers whose every line the rules removed are counted without another pass: the
task that counts a partition's removed rows also sends back the distinct ids of those
rows, and the ids that no kept line has (the customer table's ids) are the customers
left out (:func:`customers_left_out`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from rfm._cleaning_rules import (
    apply_rules,
    check_rule_columns,
    missing_customer,
    nothing_left,
    rule_columns,
    rule_marks,
)
from rfm._dask_parts import partition_name, shuffle_method
from rfm.columns import KEYWORDS

__all__ = ["clean_graph", "clean_transactions_dask", "customers_left_out"]

PART, POS = "_rfm_partition", "_rfm_position"
#: the column of the per-partition counts that holds the distinct ids of the rows removed
REMOVED_IDS = "_rfm_removed_ids"


def _kept(pdf: pd.DataFrame, rules: list, date: str, partition_info: dict | None = None):
    """One partition after the row rules, tagged with (partition, position) columns."""
    where = partition_name(pdf, partition_info)
    try:
        check_columns(pdf, list(dict.fromkeys(col for _, col in rules)), what=where)
        out, _ = apply_rules(pdf.reset_index(drop=True), rules, date)
    except (ValueError, TypeError) as exc:
        if str(exc).startswith(where):
            raise
        raise type(exc)(f"{where}: {exc}") from None
    number = partition_info["number"] if partition_info else 0
    out.index = pdf.index[out.index.to_numpy()]
    out[PART] = np.int64(number)
    out[POS] = np.arange(len(out), dtype=np.int64)
    return out


def _counts(
    pdf: pd.DataFrame, rules: list, customer: str, partition_info: dict | None = None,
) -> pd.DataFrame:
    """The partition's removed-row count per rule, and in :data:`REMOVED_IDS` the distinct
    ids (missing ones aside) of the rows removed: one row."""
    where = partition_name(pdf, partition_info)
    try:
        check_columns(pdf, list(dict.fromkeys([customer, *(col for _, col in rules)])),
                      what=where)  # fmt: skip
        keep, rows, _ = rule_marks(pdf, rules)
    except (ValueError, TypeError) as exc:
        if str(exc).startswith(where):
            raise
        raise type(exc)(f"{where}: {exc}") from None
    ids = pdf[customer][~keep]
    counts = pd.DataFrame(
        [[len(pdf), *(r["rows_removed"] for r in rows)]],
        columns=["rows", *(rule for rule, _ in rules)],
    )
    counts[REMOVED_IDS] = [ids[~missing_customer(ids)].unique()]
    return counts


def _duplicates(rows: pd.DataFrame, columns: list) -> pd.DataFrame:
    """Tags of the rows equal to an earlier row (in partition, then position order)."""
    if len(rows) == 0:
        return rows[[PART, POS]]
    rows = rows.sort_values([PART, POS], kind="stable")
    dup = rows[columns].duplicated().to_numpy()
    return rows.loc[dup, [PART, POS]].reset_index(drop=True)


def _drop(pdf: pd.DataFrame, marks: dict, partition_info: dict | None = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    drop = marks.get(number)
    if drop is not None:
        keep = np.ones(len(pdf), dtype=bool)
        keep[drop] = False
        pdf = pdf.loc[keep]
    return pdf.drop(columns=[PART, POS])


def _rules_applied(
    ddf: Any, date: str, options: dict[str, Any], given_as: str
) -> tuple[list, Any, Any, Any]:
    """The row rules, and lazily: the rows they keep (with partition and position marks),
    their meta, and the per-partition counts of rows each rule removes. ``given_as``: how
    the caller takes the column roles, for the message naming a missing one."""
    rules = rule_columns(date=date, **options)
    check_rule_columns(ddf._meta, rules, given_as=given_as)
    meta = _kept(ddf._meta, rules, date)
    kept = ddf.map_partitions(_kept, rules, date, meta=meta, enforce_metadata=False)
    counts_meta = pd.DataFrame(
        {c: pd.Series([], dtype=np.int64) for c in ["rows", *(r for r, _ in rules)]}
    )
    counts_meta[REMOVED_IDS] = pd.Series([], dtype=object)
    counts = ddf.map_partitions(_counts, rules, options["customer"], meta=counts_meta,
                                enforce_metadata=False)  # fmt: skip
    return rules, meta, kept, counts


def clean_graph(
    ddf: Any, *, date: str, given_as: str = KEYWORDS, **options: Any
) -> tuple[Any, Any, Any]:
    """The lazy halves of :func:`clean_transactions_dask` without duplicates dropped: the
    cleaned frame, the per-partition rule counts, and the function that turns the computed
    counts into the report (raising, as the in-memory call does, when nothing is left).
    Compute the counts together with the work that reads the cleaned frame, and the order
    lines are read and cleaned once; the computed counts also give
    :func:`customers_left_out`."""
    rules, meta, kept, counts = _rules_applied(ddf, date, options, given_as)
    clean = kept.map_partitions(_drop, {}, meta=meta.drop(columns=[PART, POS]),
                                enforce_metadata=False)
    return clean, counts, lambda computed: _report(computed, rules, given_as)[0]


def _report(counts: pd.DataFrame, rules: list, given_as: str) -> tuple[pd.DataFrame, int]:
    """The report rows of the row rules from the per-partition counts, and the rows left
    (``given_as``: how the caller takes the column roles, for the error when none is)."""
    per_rule = counts[["rows", *(rule for rule, _ in rules)]].sum()
    left = int(per_rule["rows"])
    if left == 0:
        raise ValueError("transactions is empty (0 rows); there is nothing to compute.")
    rows = []
    for rule, _ in rules:
        left -= int(per_rule[rule])
        rows.append({"rule": rule, "rows_removed": int(per_rule[rule]), "rows_left": left})
    report = pd.DataFrame(rows, columns=["rule", "rows_removed", "rows_left"])
    if left == 0:
        raise nothing_left(report, rules, given_as)
    return report, left


def customers_left_out(counts: pd.DataFrame, kept: pd.Index) -> int:
    """Customers with an id whose every line the cleaning removed (the in-memory run's
    count: distinct ids of the lines read, missing ones aside, less those of the lines kept).

    Parameters
    ----------
    counts : DataFrame
        The per-partition counts of :func:`clean_graph`, computed.
    kept : Index
        The ids of the lines kept (the customer table's index).

    Returns
    -------
    int
        The distinct ids of removed lines, over all partitions, that no kept line has.
    """
    parts = [pd.Series(ids) for ids in counts[REMOVED_IDS]]
    if not parts:
        return 0
    removed = pd.concat(parts, ignore_index=True).drop_duplicates()
    return int((~removed.isin(kept)).sum())


def clean_transactions_dask(
    ddf: Any, *, drop_duplicates: bool, date: str, given_as: str = KEYWORDS, **options: Any
) -> tuple[Any, pd.DataFrame]:
    """:func:`rfm.clean_transactions` of a Dask DataFrame (see the module docstring)."""
    import dask

    if not drop_duplicates:
        clean, counts, report = clean_graph(ddf, date=date, given_as=given_as, **options)
        return clean, report(counts.compute())
    rules, meta, kept, counts = _rules_applied(ddf, date, options, given_as)
    columns = list(ddf.columns)
    shuffled = kept.shuffle(
        on=columns, npartitions=max(1, ddf.npartitions), shuffle_method=shuffle_method()
    )
    duplicates = shuffled.map_partitions(
        _duplicates, columns, meta=meta[[PART, POS]], enforce_metadata=False
    )
    per_partition, dups = dask.compute(counts, duplicates)
    report, left = _report(per_partition, rules, given_as)
    duplicates_row = pd.DataFrame([{"rule": "duplicates", "rows_removed": len(dups),
                                    "rows_left": left - len(dups)}])  # fmt: skip
    report = pd.concat([report, duplicates_row], ignore_index=True)
    if left - len(dups) == 0:
        raise nothing_left(report, rules, given_as)
    marks: dict[int, np.ndarray] = {}
    for part, group in dups.groupby(PART, sort=False)[POS]:
        marks[int(part)] = np.sort(group.to_numpy())
    clean = kept.map_partitions(_drop, marks, meta=meta.drop(columns=[PART, POS]),
                                enforce_metadata=False)
    return clean, report
