"""What each customer will be worth: discounted lifetime value, and the one-call recipe.

:func:`lifetime_value` combines a purchase model (how many purchases, and when) with a
spend model (what each is worth)::

    CLV_i = Σ_{k=1..H}  E[spend_i] · (E[X_i(k·Δ)] - E[X_i((k-1)·Δ)]) / (1 + d)^k

period by period: ``Δ`` is one period of ``unit``, ``H`` the horizon in periods and
``d`` the discount rate per period, the purchases expected in period ``k`` being
discounted ``k`` periods. Since ``E[X_i(t)] = P(alive)_i · E[X(t) | alive, x_i, T_i]``
and the second factor depends on ``(x, T)`` only, the sum is computed once per distinct
``(x, T)`` for all periods at once (a matrix product), then multiplied per customer —
no loop over customers, none over periods.

:func:`customer_value` is the whole recipe from cleaned order lines to one row per
customer (``p_alive``, ``expected_purchases``, ``expected_value``), indexed like
:func:`rfm.rfm_table`, in memory or on Dask.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import is_integer
from rfm.clv._estimator import as_output, check_same_unit, is_dask, summary_unit
from rfm.clv._summary_core import DAYS_PER_UNIT, check_unit
from rfm.clv.beta_geo import BetaGeo, ModifiedBetaGeo
from rfm.clv.customer_summary import summary
from rfm.clv.gamma_gamma import GammaGamma
from rfm.clv.inputs import PurchaseHistory
from rfm.columns import COLUMNS, TransactionColumns

__all__ = ["MODELS", "CustomerValue", "UndefinedSpendWarning", "customer_value",
           "lifetime_value"]

#: purchase model names accepted by :func:`customer_value`
MODELS = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo}
#: the columns of :attr:`CustomerValue.table`
VALUE_COLUMNS = ("p_alive", "expected_purchases", "expected_value")


class UndefinedSpendWarning(UserWarning):
    """The spend model gives the spend per purchase no finite mean (its ``q ≤ 1``: a
    few customers spend far more per purchase than the rest), so
    :func:`customer_value` leaves ``expected_value`` NaN."""


def _spend_defined(spend_model: GammaGamma) -> bool:
    """Whether the fitted spend model's mean spend per purchase is finite (``q > 1``)."""
    return bool(np.isfinite(spend_model.mean_spend_))


def _warn_undefined_spend(spend_model: GammaGamma, stacklevel: int = 3) -> None:
    """Say that ``expected_value`` is left NaN, and why (:class:`UndefinedSpendWarning`)."""
    q = spend_model.params_["q"]
    warnings.warn(
        f"the spend per purchase is so heavy-tailed (a few customers spend far more per "
        f"purchase than the rest) that the Gamma-Gamma spend model gives it no finite mean "
        f"(q = {q:.4g} ≤ 1), so expected_value is NaN; p_alive and expected_purchases are "
        "given. Check the largest spends for errors, or fit the customers who spend far "
        "more per purchase than the rest apart from the others.",
        UndefinedSpendWarning, stacklevel=stacklevel,
    )  # fmt: skip


def _check_models(purchase_model: Any, spend_model: Any) -> None:
    if not isinstance(purchase_model, BetaGeo):
        raise TypeError("purchase_model must be a fitted BetaGeo or ModifiedBetaGeo, got "
                        f"{type(purchase_model).__name__}.")
    if not isinstance(spend_model, GammaGamma):
        raise TypeError(f"spend_model must be a fitted GammaGamma, got "
                        f"{type(spend_model).__name__}.")


def _summary_unit(summary: Any, purchase_model: BetaGeo, given: str | None) -> str:
    """The time unit of the summary's ``t_x`` and ``T``: ``given`` (``summary_unit``), its
    ``attrs["unit"]`` or the purchase model's; refused when two of them differ."""
    recorded = summary_unit(summary)
    if given is not None:
        check_unit(given, "summary_unit")
        if recorded is not None and given != recorded:
            raise ValueError(
                f"summary_unit={given!r} but the summary records attrs['unit']="
                f"{recorded!r}; leave summary_unit out (it is for a summary without a unit)."
            )
    check_same_unit(purchase_model, given or recorded, given=given is not None)
    unit = given or recorded or purchase_model.unit_
    if unit is None:
        raise ValueError(
            "the summary's time unit is unknown: pass summary_unit='W' (or 'D', 'M'), or "
            "build the summary with rfm.clv.summary, which records it."
        )
    return check_unit(unit, "summary_unit")


def lifetime_value(
    purchase_model: BetaGeo,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    horizon: int = 12,
    unit: str = "M",
    discount_rate: float = 0.0,
    *,
    summary_unit: str | None = None,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over ``horizon`` periods.

    Parameters
    ----------
    purchase_model : BetaGeo or ModifiedBetaGeo
        Fitted (or built with known parameters) on the summary's time unit.
    spend_model : GammaGamma
        Fitted spend model.
    summary : DataFrame
        Columns ``x``, ``t_x``, ``T``, ``monetary`` (:func:`rfm.clv.summary`).
    horizon : int
        Number of periods ahead (≥ 1).
    unit : {"M", "W", "D"}
        Length of a period: months (30.4375 days), weeks or days.
    discount_rate : float
        Discount rate per period (``0.01`` a month is about 12.7 % a year); ≥ 0.
    summary_unit : {"W", "D", "M"}, optional
        The time unit of the summary's ``t_x`` and ``T``, when neither
        ``summary.attrs["unit"]`` nor the purchase model records it.

    Returns
    -------
    Series
        ``lifetime_value`` per customer, on the summary's index.

    Raises
    ------
    TypeError, ValueError
        Wrong models, invalid summary rows (named), horizon or rate, unknown time unit.
    """
    _check_models(purchase_model, spend_model)
    if not is_integer(horizon) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods ≥ 1, got {horizon!r}.")
    unit = check_unit(unit)
    if isinstance(discount_rate, bool) or not isinstance(discount_rate, (int, float)) \
            or not np.isfinite(discount_rate) or discount_rate < 0:
        raise ValueError(f"discount_rate must be a finite number ≥ 0, got {discount_rate!r}.")
    base = _summary_unit(summary, purchase_model, summary_unit)
    h = PurchaseHistory.from_input(summary)
    spend = np.asarray(spend_model.expected_spend(summary), dtype=np.float64)
    step = DAYS_PER_UNIT[unit] / DAYS_PER_UNIT[base]
    periods = np.arange(1, int(horizon) + 1)
    discount = (1.0 + float(discount_rate)) ** -periods.astype(np.float64)
    # Σ_k d_k (E_k - E_{k-1}) = Σ_k E_k (d_k - d_{k+1}), with E_0 = 0 and d_{H+1} = 0
    coef = discount - np.r_[discount[1:], 0.0]
    purchases = purchase_model._p_alive(h) * purchase_model._if_alive(
        h.x, h.T, periods * step, coef
    )
    return as_output(purchases * spend, h.index, "lifetime_value")


@dataclass(frozen=True)
class CustomerValue:
    """The result of :func:`customer_value`.

    Attributes
    ----------
    table : DataFrame
        One row per customer, indexed like :func:`rfm.rfm_table`: ``p_alive``,
        ``expected_purchases`` (over the horizon) and ``expected_value`` (their
        discounted value).
    summary : DataFrame
        The customer summary the models were fitted on (:func:`rfm.clv.summary`).
    purchase_model : BetaGeo or ModifiedBetaGeo
        The fitted purchase model (``params_``, ``standard_errors_`` …).
    spend_model : GammaGamma
        The fitted spend model.
    horizon_months : int
        The horizon of ``expected_purchases`` and ``expected_value``.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    purchase_model: BetaGeo
    spend_model: GammaGamma
    horizon_months: int


def _value_table(part: pd.DataFrame, purchase_model: BetaGeo, spend_model: GammaGamma,
                 months: int, discount_rate: float, unit: str) -> pd.DataFrame:
    """The three value columns of one piece of the summary (``expected_value`` NaN when
    the spend model gives no finite mean spend)."""
    if len(part) == 0:
        return pd.DataFrame({c: pd.Series([], dtype=np.float64) for c in VALUE_COLUMNS},
                            index=part.index)
    t = months * DAYS_PER_UNIT["M"] / DAYS_PER_UNIT[unit]
    value = (lifetime_value(purchase_model, spend_model, part, months, "M", discount_rate,
                            summary_unit=unit)
             if _spend_defined(spend_model) else np.nan)  # fmt: skip
    return pd.DataFrame({
        "p_alive": purchase_model.p_alive(part),
        "expected_purchases": purchase_model.expected_purchases(part, t),
        "expected_value": value,
    }, index=part.index)


def customer_value(
    transactions: Any,
    *,
    columns: TransactionColumns | None = None,
    horizon_months: int = 12,
    model: str = "mbgnbd",
    calibration_end: Any = None,
    discount_rate: float = 0.0,
    unit: str = "W",
    backend: str = "auto",
) -> CustomerValue:
    """Who is still a customer and what each will be worth, from cleaned order lines.

    The one call the pipeline needs: :func:`rfm.clv.summary` → the purchase model
    (``model``) and :class:`GammaGamma` fitted by maximum likelihood →
    ``p_alive``, ``expected_purchases`` and ``expected_value`` over the next
    ``horizon_months`` months for every customer.

    Parameters
    ----------
    transactions : DataFrame or dask.dataframe.DataFrame
        Cleaned order lines (:func:`rfm.clv.summary` says what is refused). On Dask the
        summary stays on the workers (persisted), the fits receive its distinct rows,
        and the value table is computed per partition.
    columns : TransactionColumns, optional
        Customer, date and money columns (default as in :func:`rfm.clv.summary`).
    horizon_months : int
        How far ahead, in months of 30.4375 days.
    model : {"mbgnbd", "bgnbd"}
        The purchase model. The default is MBG/NBD: in BG/NBD every customer who bought
        only once is certainly alive (P(alive) = 1 however long ago), and one-time buyers
        are often most of a shop's customers; MBG/NBD lets their P(alive) fall with the
        time since their purchase, and fits the CDNOW data as well (log-likelihood
        −9,582.1 against −9,582.4).
    calibration_end : date, optional
        The end of the period the models learn from (default: the last purchase day;
        later purchases are ignored). A later day than the last purchase counts the
        days in between as days in which no customer bought (a ``DataEndWarning``
        says so).
    discount_rate : float
        Monthly discount rate of ``expected_value`` (0: undiscounted).
    unit : {"W", "D", "M"}
        Time unit of the summary and the fitted parameters (weeks, as in the papers).
    backend : {"auto", "numpy", "numba"}
        Implementation of the summary's per-customer reduction.

    Returns
    -------
    CustomerValue
        ``table`` (indexed by customer, sorted like :func:`rfm.rfm_table`: the same
        customers unless ``calibration_end`` leaves out those who first bought after
        it — reindex to add them), ``summary``, ``purchase_model``, ``spend_model``,
        ``horizon_months``.

    Raises
    ------
    ValueError
        Anything :func:`rfm.clv.summary` or the fits refuse (no repeat purchase, fewer
        than two repeat customers for the spend model, …), an unknown ``model``, a
        horizon that is not a whole number of months ≥ 1.

    Warns
    -----
    UndefinedSpendWarning
        The spend per purchase is so heavy-tailed that the spend model gives it no
        finite mean (``q ≤ 1``): ``expected_value`` is NaN, the other columns are given.
    DataEndWarning
        ``calibration_end`` after the last purchase (:func:`rfm.clv.summary`).
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}.")
    if not is_integer(horizon_months) or horizon_months < 1:
        raise ValueError(f"horizon_months must be a whole number ≥ 1, got {horizon_months!r}.")
    if isinstance(discount_rate, bool) or not isinstance(discount_rate, (int, float)) \
            or not np.isfinite(discount_rate) or discount_rate < 0:
        raise ValueError(f"discount_rate must be a finite number ≥ 0, got {discount_rate!r}.")
    months = int(horizon_months)
    table_args = dict(columns=columns, calibration_end=calibration_end, unit=unit,
                      backend=backend)
    if is_dask(transactions):
        return _customer_value_dask(transactions, table_args, model, months,
                                    float(discount_rate))
    s = summary(transactions, **table_args)
    purchases = MODELS[model]().fit(s)
    spend = GammaGamma().fit(s)
    if not _spend_defined(spend):
        _warn_undefined_spend(spend)
    table = _value_table(s, purchases, spend, months, float(discount_rate), unit)
    return CustomerValue(table, s, purchases, spend, months)


def _customer_value_dask(transactions: Any, table_args: dict, model: str, months: int,
                         discount_rate: float) -> CustomerValue:
    """:func:`customer_value` on Dask: the summary is persisted on the workers, the fits
    receive its distinct rows, the value columns are computed beside it per partition."""
    import dask

    from rfm.clv._summary_core import Periods
    from rfm.clv.customer_summary_dask import finish, lazy_last_line_day, lazy_summary

    unit = table_args["unit"]
    periods = Periods.resolve(table_args["calibration_end"], None, unit)
    cols = TransactionColumns.resolve(transactions.columns, table_args["columns"],
                                      given_as=COLUMNS)  # fmt: skip
    lazy, last_day, spec = lazy_summary(transactions, columns=cols, periods=periods,
                                        backend=table_args["backend"])
    lazy, last_day, last_line = dask.persist(  # one pass over the order lines
        lazy, last_day, lazy_last_line_day(transactions, spec, periods))
    purchases = MODELS[model]().fit(lazy)
    spend = GammaGamma().fit(lazy)
    purchases.unit_ = spend.unit_ = unit
    if not _spend_defined(spend):
        _warn_undefined_spend(spend, stacklevel=4)

    def with_values(part: pd.DataFrame) -> pd.DataFrame:
        return part.join(_value_table(part, purchases, spend, months, discount_rate, unit))

    meta = lazy._meta.join(_value_table(lazy._meta, purchases, spend, months, discount_rate,
                                        unit))
    both, last, last_line = dask.compute(lazy.map_partitions(with_values, meta=meta),
                                         last_day, last_line)  # fmt: skip
    both = finish(both, last, spec, periods, last_line)
    s = both[list(lazy.columns)]
    s.attrs = dict(both.attrs)
    return CustomerValue(both[list(VALUE_COLUMNS)], s, purchases, spend, months)
