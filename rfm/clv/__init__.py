"""rfm.clv — who is still a customer, and what each customer will be worth.

RFM describes the past; the customer-base models of the marketing literature predict
the future from the same order lines, by maximum likelihood on numpy and scipy:

summary             One row per customer: ``x`` (repeat purchase occasions = distinct
                    purchase days after the first), ``t_x`` (first to last occasion),
                    ``T`` (first occasion to the end of calibration), ``monetary`` (mean
                    repeat spend); with a holdout period ``x_holdout`` and
                    ``monetary_holdout``. Time in weeks, days or months. Also on Dask.
from_lifetimes      The same table from lifetimes-style columns (``frequency``,
                    ``recency``, ``T``, ``monetary_value``).
BetaGeo             BG/NBD (Fader, Hardie & Lee 2005): P(alive), expected purchases
                    (conditional and for a new customer) and their variance, P(no
                    purchase ahead).
ModifiedBetaGeo     MBG/NBD (Batislam, Denizel & Filiztekin 2007): the same, and one-time
                    buyers are not certainly alive.
GammaGamma          Expected spend per purchase (Fader & Hardie 2013).
lifetime_value      Discounted value over a horizon, period by period.
customer_value      The whole recipe from cleaned order lines to ``p_alive``,
                    ``expected_purchases`` and ``expected_value`` per customer.
holdout_check       Predicted against actual purchases in a holdout period, by number
                    of calibration purchases (the papers' check).
ConvergenceWarning  Raised (as a warning) when a fit does not reach a proper maximum.
DataEndWarning      Raised (as a warning) when ``calibration_end`` or ``observation_end``
                    comes after the last purchase in the data.
UndefinedSpendWarning  Raised (as a warning) by ``customer_value`` when the spend per
                    purchase is too heavy-tailed for a finite mean (``expected_value``
                    is then NaN).

Every estimator has ``fit(summary)`` (or ``fit(x, t_x, T)``), ``params_``,
``log_likelihood_`` (summed, in the summary's time unit: the papers' figure),
``standard_errors_`` (observed information), ``converged_``. Fits run on the distinct
``(x, t_x, T)`` rows weighted by their counts: the same likelihood, far fewer rows.

Modules: ``customer_summary`` (+ ``_dask``) and ``occasions`` (+ ``_numba``) build the
summary; ``inputs`` checks histories and ``distinct`` (+ ``_numba``, ``distinct_dask``)
collapses them to weighted distinct rows; ``likelihood`` derives and computes the BG/NBD
and MBG/NBD likelihoods; ``mle`` maximises; ``beta_geo``, ``gamma_gamma`` and ``value``
hold the models and values; the kernels hash with :mod:`rfm._grouping.hash_numba`.
"""

from __future__ import annotations

from rfm.clv._summary_core import DataEndWarning
from rfm.clv.beta_geo import BetaGeo, ModifiedBetaGeo
from rfm.clv.customer_summary import summary
from rfm.clv.gamma_gamma import GammaGamma
from rfm.clv.holdout import holdout_check
from rfm.clv.inputs import from_lifetimes
from rfm.clv.mle import ConvergenceWarning
from rfm.clv.value import CustomerValue, UndefinedSpendWarning, customer_value, lifetime_value

__all__ = [
    "BetaGeo",
    "ConvergenceWarning",
    "CustomerValue",
    "DataEndWarning",
    "GammaGamma",
    "ModifiedBetaGeo",
    "UndefinedSpendWarning",
    "customer_value",
    "from_lifetimes",
    "holdout_check",
    "lifetime_value",
    "summary",
]
