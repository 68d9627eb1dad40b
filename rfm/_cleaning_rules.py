"""The cleaning rules of :func:`rfm.clean_transactions`, shared by its in-memory and Dask
implementations (neither imports the other's module): which rules run on which columns,
applying them to a table, and the error when nothing is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rfm._inputs import check_role_columns, numeric_values, unparseable_dates
from rfm.columns import KEYWORDS, role_keywords

__all__ = [
    "NothingLeft",
    "apply_rules",
    "check_rule_columns",
    "missing_customer",
    "nothing_left",
    "rule_columns",
    "totals_lines",
    "totals_rows",
]

#: the column role each rule reads
RULE_ROLES = {
    "missing_customer": "customer",
    "bad_dates": "date",
    "cancelled": "invoice",
    "nonpositive_quantity": "quantity",
    "nonpositive_price": "price",
    "nonpositive_amount": "amount",
}


def missing_customer(values: pd.Series) -> np.ndarray:
    """NaN/None, and empty or blank strings, count as a missing customer id."""
    missing = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        blank = values.astype(str).str.strip() == ""
        missing = missing | blank.to_numpy(dtype=bool, na_value=False)
    return missing


def rule_columns(
    *,
    customer: str,
    invoice: str | None,
    date: str,
    quantity: str | None,
    price: str | None,
    amount: str | None,
    drop_missing_customer: bool,
    drop_cancelled: bool,
    drop_nonpositive_quantity: bool,
    drop_nonpositive_price: bool,
    drop_bad_dates: bool,
    drop_nonpositive_amount: bool,
) -> list[tuple[str, str]]:
    """The rules that run, in order, each with the column it reads."""
    rules = [
        ("missing_customer", customer if drop_missing_customer else None),
        ("bad_dates", date if drop_bad_dates else None),
        ("cancelled", invoice if drop_cancelled else None),
        ("nonpositive_quantity", quantity if drop_nonpositive_quantity else None),
        ("nonpositive_price", price if drop_nonpositive_price else None),
        ("nonpositive_amount", amount if drop_nonpositive_amount else None),
    ]
    return [(rule, col) for rule, col in rules if col is not None]


def check_rule_columns(
    df: Any, rules: list[tuple[str, str]], *, given_as: str, what: str = "transactions"
) -> None:
    """The columns the ``rules`` read must be in ``df`` (a message naming the roles as the
    caller takes them: ``given_as``, see :mod:`rfm.columns`)."""
    roles = {RULE_ROLES[rule]: col for rule, col in rules}
    needed = list(dict.fromkeys(col for _, col in rules))
    check_role_columns(df, roles, needed, given_as=given_as, what=what)


def apply_rules(
    df: pd.DataFrame, rules: list[tuple[str, str]], date: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Every row rule except duplicates: the kept rows (dates parsed) and the report rows."""
    keep, rows, parsed_dates = rule_marks(df, rules)
    out = df.loc[keep].copy()
    if parsed_dates is not None:
        out[date] = parsed_dates[keep].array  # (to_numpy would drop a time zone)
    return out, rows


def rule_marks(
    df: pd.DataFrame, rules: list[tuple[str, str]]
) -> tuple[np.ndarray, list[dict[str, Any]], pd.Series | None]:
    """Every row rule except duplicates, without copying a row: the mask of the rows kept,
    the report rows, and the dates as parsed (``None`` without a date rule)."""
    keep = np.ones(len(df), dtype=bool)
    rows: list[dict[str, Any]] = []
    parsed_dates: pd.Series | None = None
    for rule, col in rules:
        values = df[col]
        if rule == "missing_customer":
            bad = missing_customer(values)
        elif rule == "bad_dates":
            parsed_dates, _ = unparseable_dates(values)
            bad = parsed_dates.isna().to_numpy()
        elif rule == "cancelled":
            cancelled = values.astype(str).str.strip().str.startswith("C", na=False)
            bad = cancelled.to_numpy(dtype=bool, na_value=False) & values.notna().to_numpy()
        else:
            numbers = numeric_values(values, col)
            with np.errstate(invalid="ignore"):
                bad = ~(numbers > 0)
        removed = int((keep & bad).sum())
        keep[bad] = False
        rows.append({"rule": rule, "rows_removed": removed, "rows_left": int(keep.sum())})
    return keep, rows, parsed_dates


#: what the rows each rule removes are, for messages (the column it reads in ``{col!r}``)
RULE_WORDS = {
    "missing_customer": "without a customer id in {col!r}",
    "bad_dates": "without a date that reads in {col!r}",
    "cancelled": "cancelled, their invoice number in {col!r} starting with C",
    "nonpositive_quantity": "with a quantity of 0 or less, or none, in {col!r}",
    "nonpositive_price": "with a unit price of 0 or less, or none, in {col!r}",
    "nonpositive_amount": "with an amount of 0 or less, or none, in {col!r}",
    "duplicates": "repeating an earlier row",
    "totals_row": "of a totals row, not a customer",
}
#: the rules whose rows a switch keeps to some use (kept lines without a customer id or a
#: date cannot count towards any customer's recency)
KEEPABLE = ("cancelled", "nonpositive_quantity", "nonpositive_price", "nonpositive_amount")
#: the column role whose values decide a rule that no switch helps
RULE_ROLE_FIX = {"missing_customer": "customer", "bad_dates": "date"}


class NothingLeft(ValueError):
    """A cleaning removed every row: the per-rule ``report``, the column each rule read
    (``columns``: rule → column), and how the caller names the fixes: the column roles
    (``given_as``, :mod:`rfm.columns`) and the rule switches (``in_settings``: as
    :func:`rfm.run_pipeline` takes them, ``cleaning={'drop_cancelled': False}``, else as
    :func:`rfm.clean_transactions` does, ``drop_cancelled=False``). The command line says
    it in its flags, from :meth:`removed`."""

    def __init__(self, report: pd.DataFrame, columns: dict[str, str],
                 given_as: str = KEYWORDS, in_settings: bool = False) -> None:  # fmt: skip
        self.report = report
        self.columns = dict(columns)
        self.given_as = given_as
        super().__init__(self._message(in_settings))

    def removed(self) -> list[tuple[str, int, str | None]]:
        """``(rule, rows it removed, column it read)`` of each rule that removed rows, in
        the order they ran."""
        return [(str(rule), int(n), self.columns.get(str(rule)))
                for rule, n in zip(self.report["rule"], self.report["rows_removed"],
                                   strict=True) if n]  # fmt: skip

    def in_settings(self, given_as: str) -> NothingLeft:
        """The same error, its fixes named as :func:`rfm.run_pipeline` takes them."""
        return NothingLeft(self.report, self.columns, given_as, in_settings=True)

    def _message(self, in_settings: bool) -> str:
        removed = self.removed()
        said = "; ".join(f"{n:,} row(s) {RULE_WORDS[rule].format(col=col)} (rule {rule})"
                         for rule, n, col in removed)  # fmt: skip
        fixes = []
        keep = [f"drop_{rule}" for rule, _, _ in removed if rule in KEEPABLE]
        if keep:
            switches = (
                "cleaning={" + ", ".join(f"{k!r}: False" for k in keep) + "}"
                if in_settings else ", ".join(f"{k}=False" for k in keep)
            )
            fixes.append(f"keep those rows with {switches}")
        for rule, _, col in removed:
            if rule in RULE_ROLE_FIX:
                role = RULE_ROLE_FIX[rule]
                other = role_keywords(f"{role}='<column>'", self.given_as)
                fixes.append(f"check that {col!r} is the {role} column (or pass {other})")
        if not any(rule in RULE_ROLE_FIX for rule, _, _ in removed):
            fixes.append("check the column names")
        fix = "; or ".join(fixes)
        return (f"clean_transactions removed every row, so nothing is left to analyse: "
                f"{said}. {fix[0].upper()}{fix[1:]}.")


def nothing_left(report: pd.DataFrame, rules: list[tuple[str, str]],
                 given_as: str) -> NothingLeft:  # fmt: skip
    """The error for a cleaning that removed every row: the per-rule report, and the
    column each rule read (``rules``, as :func:`rule_columns` gives them)."""
    return NothingLeft(report, dict(rules), given_as)


#: customer ids that name a total (compared without case, spaces around or a final ":")
TOTAL_IDS = frozenset({
    "total", "totals", "grand total", "subtotal", "sub total", "sub-total", "sum", "summe",
    "gesamt", "gesamtsumme", "totaal", "totale", "somme", "suma",
})  # fmt: skip
#: how close a single order must come to the sum of the other customers' spend (as a
#: share of that sum) to read as their total: rounding, not a coincidence
TOTALS_TOLERANCE = 0.005
#: how :func:`rfm.run_pipeline` keeps a customer taken for a totals row (the command
#: line names its flag instead)
KEEP_TOTALS = "pass cleaning={'drop_totals_row': False} to keep it"
#: the same, for a run that applies a saved model (and cleans as the model's run did)
MODEL_KEEPS_TOTALS = "save the model from a run with --keep-totals-row to keep it"
#: the start of :meth:`TotalsRow.sentence`, as a ``warnings`` filter matches it
TOTALS_WARNING = r"Customer '.*' \(.*\) was left out as a totals row"
#: the fewest other customers for the spend alone to mark a totals row (among three
#: customers one may well have spent what the other two did)
TOTALS_MIN_OTHERS = 10


@dataclass(frozen=True)
class TotalsRow:
    """A customer of the customer table that is a totals row."""

    customer: Any
    spend: float
    #: why: its one order is worth the other customers' spend together (``"customers"``)
    #: or every other line of the file as read (``"lines"``, returns and cancellations
    #: included, as a spreadsheet's SUM adds them), or its id names a total and it has
    #: one order (``"id"``), or several orders (per-page totals) worth together the other
    #: customers' spend or lines (``"id_customers"``, ``"id_lines"``)
    reason: str
    #: the sum it matched (``"customers"``, ``"lines"``, ...; NaN for ``"id"``)
    others: float = float("nan")
    #: its orders (several for ``"id_customers"`` and ``"id_lines"``)
    orders: int = 1

    def sentence(self, keep: str = KEEP_TOTALS) -> str:
        """The warning: which id, its figure, why, and (``keep``) how to keep it."""
        why = {
            "customers": f"its one order is worth the spend of all the other customers "
                         f"together ({self.others:,.2f})",
            "lines": f"its one order is worth all the other order lines of the file "
                     f"together ({self.others:,.2f})",
            "id": "its id names a total and it has one order",
            "id_customers": f"its id names a total and its {self.orders} orders are worth the "
                            f"spend of all the other customers together ({self.others:,.2f})",
            "id_lines": f"its id names a total and its {self.orders} orders are worth all the "
                        f"other order lines of the file together ({self.others:,.2f})",
        }[self.reason]  # fmt: skip
        return (f"Customer '{self.customer}' ({self.spend:,.2f}) was left out as a totals "
                f"row, not a customer: {why}. If it is a real customer, {keep}.")


def lines_total(lines: Any, columns: Any) -> Any:
    """The money of every order line as read, added up as a spreadsheet's SUM would
    (missing values skipped; returns and cancellations included): a float, lazy on a
    Dask DataFrame, or ``None`` when a money column is not numeric. ``columns``: the
    :class:`rfm.TransactionColumns`."""
    meta = getattr(lines, "_meta", lines)
    money = list(columns.money)
    if not all(c in meta.columns for c in money) or not all(
            pd.api.types.is_numeric_dtype(meta[c].dtype) and not
            pd.api.types.is_bool_dtype(meta[c].dtype) for c in money):
        return None

    def added(df: pd.DataFrame) -> float:
        values = [numeric_values(df[c], c) for c in money]
        line = values[0] if len(values) == 1 else values[0] * values[1]
        return float(np.nansum(line))

    if hasattr(lines, "_meta"):  # Dask: one sum per partition, then theirs
        return lines.map_partitions(lambda df: pd.Series([added(df)]),
                                    meta=pd.Series([], dtype=np.float64)).sum()
    return added(lines)


def names_total(values: pd.Series | pd.Index) -> np.ndarray:
    """Which ``values`` name a total (:data:`TOTAL_IDS`, without case, spaces around or a
    final ":"); a missing value names none."""
    text = pd.Series(np.asarray(values, dtype=object))
    words = text.astype(str).str.strip().str.rstrip(":").str.strip().str.casefold()
    return words.isin(TOTAL_IDS).to_numpy() & text.notna().to_numpy()


def totals_lines(lines: Any, columns: Any) -> Any:
    """How many order lines are a totals line without a customer id: no customer, and an
    invoice number that names a total (``Total,,,<sum>,...``, as a spreadsheet's SUM row
    below the lines is exported). Such a line is no guest order. An int, lazy on a Dask
    DataFrame; 0 without an invoice column. ``columns``: the
    :class:`rfm.TransactionColumns`."""
    meta = getattr(lines, "_meta", lines)
    customer, invoice = columns.customer, columns.invoice
    if invoice is None or not {customer, invoice} <= set(meta.columns):
        return 0

    def counted(df: pd.DataFrame) -> int:
        return int((missing_customer(df[customer]) & names_total(df[invoice])).sum())

    if hasattr(lines, "_meta"):  # Dask: one count per partition, then theirs
        return lines.map_partitions(lambda df: pd.Series([counted(df)]),
                                    meta=pd.Series([], dtype=np.int64)).sum()
    return counted(lines)


def totals_rows(rfm: pd.DataFrame, lines_sum: float | None = None) -> list[TotalsRow]:
    """The customers of a customer table (``rfm``: indexed by customer, with ``frequency``
    and ``monetary``) that are a totals row a spreadsheet left below the order lines: a
    single order worth, to :data:`TOTALS_TOLERANCE`, the spend of all the other customers
    together, or all the other order lines of the file (``lines_sum``, from
    :func:`lines_total`: every line as read, this one included), with at least
    :data:`TOTALS_MIN_OTHERS` other customers; or a customer whose id names a total
    (:data:`TOTAL_IDS`: ``TOTAL``, ``Grand total``, ``Summe``, ...) with a single order,
    or with several (per-page totals, each with its date and number) worth together, to
    the same tolerance, the spend of the customers whose ids name no total, or the order
    lines of the file but theirs. Read as a customer, such a row doubles the revenue and
    becomes the best customer (or a new one)."""
    if not len(rfm):
        return []
    spend = rfm["monetary"].to_numpy(np.float64)
    once = rfm["frequency"].to_numpy() == 1
    found: dict[int, TotalsRow] = {}
    if len(rfm) > TOTALS_MIN_OTHERS:
        top = int(np.argmax(spend))
        sums = {"customers": float(spend.sum())}
        if lines_sum is not None and np.isfinite(lines_sum):
            sums["lines"] = float(lines_sum)
        for reason, whole in sums.items():
            others = whole - spend[top]
            if once[top] and others > 0 and abs(spend[top] - others) <= TOTALS_TOLERANCE * others:
                found[top] = TotalsRow(rfm.index[top], float(spend[top]), reason, others)
                break
    if not pd.api.types.is_numeric_dtype(rfm.index.dtype):  # (a number names no total)
        named = names_total(rfm.index)
        sums = {"id_customers": float(spend[~named].sum())}  # the customers named otherwise
        if lines_sum is not None and np.isfinite(lines_sum):
            sums["id_lines"] = float(lines_sum) - float(spend[named].sum())
        orders = rfm["frequency"].to_numpy()
        for i in np.flatnonzero(named):
            if once[i]:
                found.setdefault(int(i), TotalsRow(rfm.index[i], float(spend[i]), "id"))
                continue
            for reason, others in sums.items():
                if others > 0 and abs(spend[i] - others) <= TOTALS_TOLERANCE * others:
                    found.setdefault(int(i), TotalsRow(rfm.index[i], float(spend[i]), reason,
                                                       others, int(orders[i])))  # fmt: skip
                    break
    return [found[i] for i in sorted(found)]
