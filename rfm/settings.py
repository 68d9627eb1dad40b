"""Every choice of a segmentation run, with the one set of defaults the library and the
``rfmseg`` command share: :class:`Settings` and its cleaning rules, :class:`CleaningRules`.

:func:`rfm.run_pipeline`, :class:`rfm.SegmentModel` and ``rfmseg segment`` read their
choices from one :class:`Settings`; the command builds it from its flags, so a flag left out
and a keyword left out mean the same thing. The defaults, and why:

==============  ====================  ====================================================
setting         default               why
==============  ====================  ====================================================
columns         the UCI names         ``CustomerID``, ``InvoiceNo``, ``InvoiceDate``,
                                      ``Quantity`` × ``UnitPrice`` (:class:`rfm.TransactionColumns`)
cleaning        drop guests, bad      returns, free lines and cancellations are not
                dates, cancelled,     purchases, nor is a spreadsheet's totals row; exact
                quantity/price ≤ 0,   duplicate lines are *kept* (and counted): the UCI
                a totals row          figures everyone quotes (397,884 rows) keep them,
                                      and a repeated line may be real
snapshot        ``"max+1d"``          recency counted from 24 hours after the last order
                                      (whole 24-hour periods), so the most recent
                                      customers have recency 1
rules           ``"ladder"``          segment names that follow value (see
                                      :mod:`rfm.segments`): a director reads names literally
ties            ``"thresholds"``      equal values get equal scores
k               ``"auto"``            chosen by elbow and silhouette
scaling         ``"log-minmax"``      robust to the long tail of real spend, where z-scores
                                      let a few big spenders form clusters of their own
random_state    ``0``                 the same answer every run
clv             ``None``              no value ahead unless asked: months to predict
clv_model       ``None``              with clv, MBG/NBD (:data:`DEFAULT_CLV_MODEL`): one-time
                                      buyers are not certainly alive (in BG/NBD they are,
                                      however long ago they bought); given without clv it
                                      is refused, as holdout_days is
holdout_days    ``None``              no calibration/holdout check unless asked
==============  ====================  ====================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from rfm._table_core import check_snapshot
from rfm.clustering import check_k, check_random_state, check_scaling
from rfm.columns import TransactionColumns
from rfm.migration import as_day
from rfm.scoring import check_ties
from rfm.segments import resolve_rules

__all__ = ["DEFAULT_CLV_MODEL", "CleaningRules", "Settings"]

#: the purchase model of ``clv`` when ``clv_model`` is not given
DEFAULT_CLV_MODEL = "mbgnbd"


@dataclass(frozen=True)
class CleaningRules:
    """Which rows :func:`rfm.clean_transactions` drops (each rule on or off).

    The defaults are :func:`rfm.clean_transactions`' own: every rule on but duplicates.
    ``drop_totals_row`` is a rule of the run, not of :func:`rfm.clean_transactions`: a
    customer that is a totals row (:func:`rfm._cleaning_rules.totals_rows`: a single
    order worth the sum of every other customer's spend, or an id such as ``TOTAL`` with
    one order, or with several worth that sum together) is left out, with a warning,
    once the customer table shows it.
    """

    drop_missing_customer: bool = True
    drop_bad_dates: bool = True
    drop_cancelled: bool = True
    drop_nonpositive_quantity: bool = True
    drop_nonpositive_price: bool = True
    drop_nonpositive_amount: bool = True
    drop_duplicates: bool = False
    drop_totals_row: bool = True

    @classmethod
    def of(cls, value: CleaningRules | Mapping[str, bool] | None) -> CleaningRules:
        """Rules from a :class:`CleaningRules`, a mapping of switches (others default) or
        ``None`` (the defaults); unknown switch names are an error."""
        if value is None:
            return cls()
        if isinstance(value, CleaningRules):
            return value
        if not isinstance(value, Mapping):
            raise TypeError(f"cleaning must be a dict of rule switches, got {value!r}.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown cleaning rule(s) {unknown}; known: {sorted(known)}.")
        return cls(**{name: bool(on) for name, on in value.items()})

    def as_dict(self) -> dict[str, bool]:
        """Every switch, ``{"drop_cancelled": True, ...}``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def row_rules(self) -> dict[str, bool]:
        """The switches :func:`rfm.clean_transactions` takes (all but ``drop_totals_row``)."""
        return {k: v for k, v in self.as_dict().items() if k != "drop_totals_row"}

    @property
    def allow_negative(self) -> bool:
        """Whether kept lines may be worth less than 0 (a ``drop_nonpositive_*`` rule off:
        returns then reduce the customer's spend)."""
        return not (
            self.drop_nonpositive_quantity and self.drop_nonpositive_price
            and self.drop_nonpositive_amount
        )  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """The choices of one segmentation run (module docstring: the defaults and why).

    Parameters
    ----------
    columns : TransactionColumns
        The column of each role in the order lines.
    cleaning : CleaningRules or dict
        The cleaning rules (a dict of switches is turned into :class:`CleaningRules`).
    snapshot : {"max+1d", "max"} or date
        The day recency is measured from (:func:`rfm.rfm_table`), and the value ahead
        (``clv``) predicted from: a date after the last order counts the days in
        between as days in which no customer bought, for both.
    rules : str or rules
        A built-in rule set of :func:`rfm.segment` or your own rules.
    ties : {"thresholds", "first"}
        :func:`rfm.rfm_scores`' tie rule.
    k : int or "auto"
        Number of clusters.
    scaling : {"log-minmax", "minmax", "zscore"}
        How R, F, M are scaled before K-means (:func:`rfm.cluster`).
    random_state : int
        Seed of K-means.
    compare_to : date, optional
        Also segment the customers as they stood at the end of this day, and show who
        moved (:func:`rfm.migration`).
    clv : int, optional
        Predict each customer's purchases and spend this many months ahead, and P(alive)
        (:mod:`rfm.app.value`, :mod:`rfm.clv`).
    clv_model : {"mbgnbd", "bgnbd"}, optional
        The purchase model of ``clv`` (default: :data:`DEFAULT_CLV_MODEL`); it needs
        ``clv``. :attr:`purchase_model` is the one a run uses.
    holdout_days : int, optional
        With ``clv``: also fit the purchase model up to this many days before the end,
        and set its predictions for those days against what the customers did.
    """

    columns: TransactionColumns = field(default_factory=TransactionColumns)
    cleaning: CleaningRules = field(default_factory=CleaningRules)
    snapshot: Any = "max+1d"
    rules: Any = "ladder"
    ties: str = "thresholds"
    k: int | str = "auto"
    scaling: str = "log-minmax"
    random_state: int = 0
    compare_to: Any = None
    clv: int | None = None
    clv_model: str | None = None
    holdout_days: int | None = None

    def __post_init__(self) -> None:
        """Every field checked once, here (and so by :meth:`replace`), by the checks the
        run makes, with their messages: a bad choice fails when it is made, not minutes
        into a run."""
        if not isinstance(self.columns, TransactionColumns):
            raise TypeError(
                f"columns must be a rfm.TransactionColumns, got {type(self.columns).__name__}."
            )
        object.__setattr__(self, "cleaning", CleaningRules.of(self.cleaning))
        check_snapshot(self.snapshot)  # rfm_table's (the data's own checks come later)
        resolve_rules(self.rules)  # segment's
        check_ties(self.ties)  # rfm_scores'
        check_k(self.k)  # cluster's (the number of customers is checked in the run)
        check_scaling(self.scaling)
        check_random_state(self.random_state)
        if self.compare_to is not None:
            as_day(self.compare_to, "compare_to")  # the day the migration starts from
        for name in ("clv", "holdout_days"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):  # fmt: skip
                raise ValueError(f"{name} must be a whole number >= 1 or None, got {value!r}.")
        if self.clv_model is not None and self.clv_model not in ("mbgnbd", "bgnbd"):
            raise ValueError(f"clv_model must be 'mbgnbd' or 'bgnbd', got {self.clv_model!r}.")
        if self.clv_model is not None and self.clv is None:
            raise ValueError("clv_model chooses the purchase model of the value ahead: it "
                             "needs clv (months).")  # fmt: skip
        if self.holdout_days is not None and self.clv is None:
            raise ValueError("holdout_days checks the value models: it needs clv (months).")

    @property
    def purchase_model(self) -> str:
        """The purchase model a run with ``clv`` fits: ``clv_model``, or
        :data:`DEFAULT_CLV_MODEL` when it is not given."""
        return self.clv_model or DEFAULT_CLV_MODEL

    @property
    def q(self) -> int:
        """The score scale the rule set is written for (scores run from 1 to q)."""
        from rfm.segments import resolve_rules

        return resolve_rules(self.rules).q or 5

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (unknown names are an error, as in ``dataclasses.replace``).

        ``clv=None`` switches the value ahead off, and with it the choices that only
        serve it: ``clv_model`` and ``holdout_days`` are cleared too, unless given in
        the same call (then they are checked, and refused without ``clv``)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; settings are {sorted(known)}.")
        if "clv" in changes and changes["clv"] is None:
            for name in ("clv_model", "holdout_days"):
                changes.setdefault(name, None)
        return replace(self, **changes)
