"""Segment migration: how customers moved between segments from one date to another.

:func:`migration` segments the customers twice, as they stood at the end of day
``before`` and at the end of day ``after``: each time with only the transactions up to the
end of that day, and recency measured from the next midnight (snapshot = D + 1 day). The
scores are recomputed at each date against the customers of that date, exactly as a
segmentation run on that day would have done.

A customer who dropped from "Champions" to "At Risk" stopped buying. A fall of the
R + F + M score sum (``direction == "down"``) alone does not say that: scores are ranks
among the customers of each date, so a customer who still buys, only less than others,
can fall too, and a score can fall within a segment (a Champion at 555 who is 455 now).
Those who fell *and* ordered nothing between the two dates (``orders_between == 0``) *and*
are now in a segment for customers slipping away (:func:`rfm.segments.lapsing_segments`)
are the ones to win back; the others keep their own segment's action.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from kmeans_np.dask_detect import is_dask_frame
from rfm._inputs import check_frame, parse_dates
from rfm._table_core import RETURNS_ONLY_SPEND
from rfm.io.export import CSV_DIGITS, round_significant
from rfm.scoring import check_q, rfm_scores
from rfm.segments import OTHERS, RuleSet, check_scale, resolve_rules, segment
from rfm.table import rfm_table

__all__ = ["GONE", "GONE_DIRECTION", "NEW", "Migration", "as_day", "compare_segments", "migration",
           "segmentation_at"]

#: row label of the matrix for customers who had not bought yet at ``before``
NEW = "(not yet a customer)"
#: column label of the matrix for customers of the earlier table missing from the later
#: one (two runs' files: a rolling window, or a customer filtered out; never between the
#: two dates of :func:`migration`, whose later table holds every earlier customer)
GONE = "(not in the later data)"
#: the ``direction`` of such a customer
GONE_DIRECTION = "gone"
#: the keywords of :func:`rfm.rfm_table` that :func:`migration` passes on (it sets the
#: snapshots itself)
TABLE_KEYWORDS = ("customer", "date", "invoice", "amount", "quantity", "price", "columns",
                  "allow_negative", "backend")  # fmt: skip


class Migration(NamedTuple):
    """Result of :func:`migration`."""

    customers: pd.DataFrame
    matrix: pd.DataFrame
    revenue: pd.DataFrame


def as_day(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a day (midnight), for the parameter ``name``: anything
    ``pd.Timestamp`` reads, but a date written with numbers is read as ``rfmseg`` reads
    ``--compare-to`` (:func:`rfm.io.dates.read_date_argument`: a day and month that could
    be swapped are refused); ``ValueError`` naming ``name`` otherwise."""
    from rfm.io.dates import read_date_argument

    ts = read_date_argument(value, name)
    if ts is not None:
        return ts.normalize()
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date such as '2024-06-30', got {value!r}.") from None
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date, got NaT.")
    return ts.normalize()


def _segment_at(
    tx: pd.DataFrame, dates: pd.Series, day: pd.Timestamp, q: int, ties: str, rules: Any,
    columns: dict[str, Any],
) -> pd.DataFrame:
    cutoff = day + pd.Timedelta(days=1)
    tz = getattr(dates.dtype, "tz", None)
    if tz is not None and cutoff.tzinfo is None:
        cutoff = cutoff.tz_localize(tz)
    if is_dask_frame(tx):  # filtered partition by partition; the table computes it
        keep = dates < cutoff
        before = tx[keep]
        if not bool(keep.any().compute()):
            raise ValueError(f"no transactions on or before {day:%Y-%m-%d}; pick a later date.")
    else:
        keep = (dates < cutoff).to_numpy()
        if not keep.any():
            raise ValueError(f"no transactions on or before {day:%Y-%m-%d}; pick a later date.")
        before = tx.loc[keep]
    table = rfm_table(before, snapshot=cutoff, **columns)
    if len(table) < q:  # rfm_scores would say so in terms of score levels, not of the date
        raise ValueError(
            f"only {len(table)} customer(s) had bought by {day:%Y-%m-%d}; scores on {q} "
            f"levels need at least {q}: pick a later date."
        )
    scores = rfm_scores(table, q=q, ties=ties)
    seg = segment(scores, rules)
    out = pd.DataFrame({"segment": seg["segment"], "rfm_sum": scores["rfm_sum"],
                        "monetary": table["monetary"], "frequency": table["frequency"]})
    if RETURNS_ONLY_SPEND in table.attrs:  # not customers then, yet their returns count
        out.attrs[RETURNS_ONLY_SPEND] = table.attrs[RETURNS_ONLY_SPEND]
    return out


def migration(
    transactions: pd.DataFrame,
    *,
    before: Any,
    after: Any,
    q: int = 5,
    ties: str = "thresholds",
    rules: Any = "ladder",
    **columns: Any,
) -> Migration:
    """Segment the customers at two dates and count who moved where.

    Parameters
    ----------
    transactions : DataFrame
        Cleaned order lines (:func:`rfm.clean_transactions`); left unchanged. A
        ``dask.dataframe.DataFrame`` (with datetime dates) gives the same result, each
        table computed on Dask (:func:`rfm.rfm_table`).
    before, after : date
        The two days (str, datetime or Timestamp; the time of day is ignored),
        ``before < after``. Each segmentation uses the transactions up to the end of its
        day, with the snapshot at the next midnight.
    q, ties : int, str
        Score levels and tie rule, as in :func:`rfm.rfm_scores` (default: equal values
        share a score).
    rules : str, list or RuleSet
        Segment rules, as in :func:`rfm.segment`.
    **columns
        Column keywords of :func:`rfm.rfm_table`: ``customer``, ``date``, ``invoice``,
        ``amount``, ``quantity``, ``price`` or ``columns`` (and ``allow_negative``,
        ``backend``).

    Returns
    -------
    Migration
        ``customers``: DataFrame indexed by customer (every customer at ``after``) with
        ``segment_before`` (NaN for customers whose first purchase came later),
        ``segment_after``, ``rfm_sum_before``, ``rfm_sum_after`` (R + F + M scores),
        ``direction`` ("new", "up", "down" or "same", from the score sum), ``revenue``
        (spend between the two dates) and ``orders_between`` (orders between them: 0 for
        a customer who has not ordered since ``before``). ``matrix``: customers by
        segment before (rows, plus "(not yet a customer)") and after (columns), in rule
        order with "Others" last. ``revenue``: the same layout, summing the spend
        between the two dates.

    Raises
    ------
    TypeError, ValueError
        Bad dates (``before >= after`` or no transaction by ``before``), a ``snapshot``
        keyword, a ``q`` that ``rules`` is not written for (said before any table is
        computed, naming ``q`` and ``rules``), or any error of :func:`rfm.rfm_table`,
        :func:`rfm.rfm_scores` or :func:`rfm.segment`.
    """
    d0, d1 = as_day(before, "before"), as_day(after, "after")
    if d0 >= d1:
        raise ValueError(f"before ({d0:%Y-%m-%d}) must be earlier than after ({d1:%Y-%m-%d}).")
    ruleset = _checked_scale(q, rules)
    dates = _checked_dates(transactions, columns)
    first = _segment_at(transactions, dates, d0, q, ties, ruleset, columns)
    second = _segment_at(transactions, dates, d1, q, ties, ruleset, columns)
    return compare_segments(first, second, ruleset)


def segmentation_at(
    transactions: pd.DataFrame,
    day: Any,
    *,
    q: int = 5,
    ties: str = "thresholds",
    rules: Any = "ladder",
    **columns: Any,
) -> pd.DataFrame:
    """The customers as they stood at the end of ``day``: the ``first`` (or ``second``)
    table of :func:`compare_segments`, as :func:`migration` makes it for each of its days.

    A run that has segmented its customers at the end of its data compares that with this
    table of an earlier day, so that the "now" of the comparison is the run's own
    segmentation (its snapshot, which may be the moment of the last order rather than the
    next midnight). Parameters as for :func:`migration`.

    Returns
    -------
    DataFrame
        Indexed by customer: ``segment``, ``rfm_sum``, ``monetary`` and ``frequency``.
    """
    ruleset = _checked_scale(q, rules)
    dates = _checked_dates(transactions, columns, "segmentation_at")
    return _segment_at(transactions, dates, as_day(day, "day"), q, ties, ruleset, columns)


def _checked_scale(q: Any, rules: Any) -> RuleSet:
    """The rule set ``rules`` names, after checking that ``q`` is one it is written for:
    said before any table is computed, in the caller's terms (its ``q`` and ``rules``),
    not in those of :func:`rfm.segment`, which the caller did not call."""
    ruleset = resolve_rules(rules)
    check_scale(ruleset, check_q(q), rules=rules)
    return ruleset


def _checked_dates(transactions: Any, columns: dict[str, Any], caller: str = "migration") -> Any:
    """The date column of ``transactions`` (parsed in memory; on Dask checked partition by
    partition later), after checking the table and the keywords."""
    on_dask = is_dask_frame(transactions)
    if not on_dask:
        check_frame(transactions)
    if "snapshot" in columns:
        raise TypeError(f"{caller} sets the snapshots itself (the day after each date); "
                        "do not pass snapshot.")
    unknown = [name for name in columns if name not in TABLE_KEYWORDS]
    if unknown:  # said here, not by rfm_table, which the user did not call
        raise TypeError(
            f"{caller}() got unexpected keyword argument(s) {unknown}; besides "
            f"{'before, after' if caller == 'migration' else 'day'}, q, ties and rules it "
            f"takes rfm_table's {', '.join(TABLE_KEYWORDS)}."
        )
    roles = columns.get("columns")  # a TransactionColumns, as rfm_table takes it
    date = roles.date if roles is not None else columns.get("date", "InvoiceDate")
    if on_dask:  # the dates of a Dask frame are checked partition by partition
        check_columns(transactions._meta, [date], what="transactions")
        return transactions[date]
    check_columns(transactions, [date], what="transactions")
    return parse_dates(transactions[date], date)


def _spend_between(now: pd.Series, then: pd.Series) -> np.ndarray:
    """Each customer's spend between the runs, ``now − then``, rounded to the last of
    ``CSV_DIGITS`` significant digits of the larger of the two: the difference of 978.26
    and 0 reads 978.26, that of 1,000.01 and 1,000 reads 0.01, not the
    0.009999999999990905 of subtracting the two doubles (nor 2104.0499999999975 for
    2104.05). A customer gone from the later data keeps NaN."""
    later = now.to_numpy(np.float64)
    earlier = then.to_numpy(np.float64)
    larger = np.maximum(np.abs(later), np.abs(earlier))
    return round_significant(later - earlier, CSV_DIGITS, scale_of=larger) + 0.0  # no -0


def _returns_alone(table: pd.DataFrame) -> pd.Series:
    """The spend of the customers a table left out because their lines were returns
    alone (``attrs``, :func:`rfm.rfm_table`), by id; empty when none or not known."""
    return pd.Series(table.attrs.get(RETURNS_ONLY_SPEND) or {}, dtype=np.float64)


def compare_segments(first: pd.DataFrame, second: pd.DataFrame, rules: Any) -> Migration:
    """Who moved where between two segmentations of (partly) the same customers.

    Parameters
    ----------
    first, second : DataFrame
        Indexed by customer, with ``segment``, ``rfm_sum`` (R + F + M scores) and
        ``monetary`` (spend so far), and optionally ``frequency`` (orders so far): the
        earlier and the later segmentation (two runs' ``segments.csv``, or
        :func:`migration`'s two dates).
    rules : str, list or RuleSet
        The rule set, for the order of the matrix' rows and columns.

    Returns
    -------
    Migration
        As :func:`migration`, over the customers of ``second``, then those of ``first``
        that ``second`` lacks: ``direction`` "gone", no segment, score sum, spend or
        orders after, and a matrix column :data:`GONE` (so each row adds up to the
        earlier segment's size). ``orders_between`` (``frequency`` after less before, 0
        before for a new customer) only when both tables have ``frequency``; it means
        orders between the two only where the later data continue the earlier (no
        customer's frequency falls, none is gone). The spend matrix leaves the gone out.
        ``revenue`` is spend after less spend before: a new customer's before is 0, or,
        for one whose lines before were returns alone (``first.attrs``, as
        :func:`rfm.rfm_table` counts them), those returns.
    """
    ruleset = resolve_rules(rules)
    # rows by position (one lookup of the ids: hashing text ids is most of the work)
    where = first.index.get_indexer(second.index)  # first's row of each later customer
    found = np.zeros(len(first), dtype=bool)
    found[where[where >= 0]] = True
    gone = np.flatnonzero(~found)
    everyone = second.index.append(first.index[gone]).rename(second.index.name)
    missing = np.full(len(gone), -1)
    old = first.reset_index(drop=True).reindex(np.concatenate([where, gone])).set_axis(everyone)
    now = second.reset_index(drop=True).reindex(
        np.concatenate([np.arange(len(second)), missing])).set_axis(everyone)
    seg_before, seg_after = old["segment"], now["segment"]
    diff = now["rfm_sum"] - old["rfm_sum"]
    # new and gone by the id lookup, not by a missing segment (a present customer's may be)
    is_new = np.concatenate([where < 0, np.zeros(len(gone), dtype=bool)])
    is_gone = np.concatenate([np.zeros(len(second), dtype=bool), np.ones(len(gone), dtype=bool)])
    direction = np.select(
        [is_new, is_gone, (diff > 0).to_numpy(), (diff < 0).to_numpy()],
        ["new", GONE_DIRECTION, "up", "down"],
        default="same",
    )  # fmt: skip
    table = {  # arrays, all in the order of ``everyone``: nothing to align again
        "segment_before": seg_before.array,
        "segment_after": seg_after.array,
        "rfm_sum_before": old["rfm_sum"].astype("Int64").array,
        "rfm_sum_after": (now["rfm_sum"].astype("Int64") if len(gone)
                          else second["rfm_sum"]).array,
        "direction": direction,
        # a customer gone from the later data has no spend there: none is claimed; one
        # new since then whose lines then were returns alone had that (negative) spend
        "revenue": _spend_between(now["monetary"], old["monetary"].fillna(
            _returns_alone(first).reindex(everyone)).fillna(0.0)),
    }
    if "frequency" in first and "frequency" in second:
        # orders are counted, not summed: exact, where a spend of 0 could be a rounding residue
        orders = now["frequency"] - old["frequency"].fillna(0)
        table["orders_between"] = (orders.astype("Int64") if len(gone)
                                   else orders.astype(np.int64)).array  # fmt: skip
    customers = pd.DataFrame(table, index=everyone)
    order = list(dict.fromkeys([r.name for r in ruleset.rules] + [OTHERS]))
    # the tables on plain arrays: on Series, pandas would align millions of text ids again
    before_named = ~is_new
    rows = seg_before.to_numpy(dtype=object, copy=True)
    rows[is_new] = NEW
    stayed = ~is_gone
    columns = seg_after.to_numpy(dtype=object, copy=True)
    columns[is_gone] = GONE
    seen_after, seen_before = set(pd.unique(columns[stayed])), set(pd.unique(rows[before_named]))
    present_after = [s for s in order if s in seen_after]
    present_before = [s for s in order if s in seen_before]
    present_before += [s for s in pd.unique(rows[before_named])
                       if s not in order and not pd.isna(s)]  # fmt: skip
    if not before_named.all():
        present_before.append(NEW)
    matrix = pd.crosstab(rows, columns).reindex(
        index=present_before, columns=present_after + ([GONE] if len(gone) else []),
        fill_value=0,
    )
    revenue = pd.crosstab(rows[stayed], columns[stayed],
                          values=customers["revenue"].to_numpy()[stayed],
                          aggfunc="sum").reindex(index=present_before, columns=present_after)
    for m in (matrix, revenue):
        m.index.name, m.columns.name = "before", "after"
    return Migration(customers=customers, matrix=matrix, revenue=revenue.fillna(0.0))
