"""Customer lifetime value: ``rfm.clv`` against lifetimes, side by side in one run.

Contenders, all on the same data:

* **fit** — BG/NBD by maximum likelihood on simulated customers (summary level: each
  customer's ``λ ~ Gamma(0.24, 4.4)`` per week and ``p ~ Beta(0.79, 2.4)``, the CDNOW
  estimates, first purchases spread over 78 weeks, purchase times floored to whole days,
  so ``t_x`` and ``T`` lie on a day grid, as in real summaries):

  - ``rfm.clv BetaGeo`` — ours: the distinct ``(x, t_x, T)`` rows with their counts
    (collapsing is timed), log-space likelihood with analytic gradients, L-BFGS-B then
    Newton;
  - ``lifetimes BetaGeoFitter`` — one row per customer, its defaults;
  - ``lifetimes, distinct rows`` — the same fitter given our distinct rows and its
    ``weights`` argument (the collapse itself not timed): how much of the gap is the
    collapse and how much the rest.

  Parameter agreement is the largest relative difference of the four parameters to
  ours (the target is 1e-3).
* **summary** — from order lines (``benchmarks.bench_rfm.synthetic``: string customer
  ids, datetimes, amounts) to ``x``, ``t_x``, ``T``, ``monetary``: ``rfm.clv.summary``
  against ``lifetimes.utils.summary_data_from_transaction_data(freq="D",
  freq_multiplier=7)``; the two tables must agree.
* **10M customers** — our fit alone (lifetimes would take minutes and gigabytes), its
  time and its extra peak memory, measured in a fresh process.

lifetimes 0.11.3 (archived in 2024) installs with this project's numpy 2 and pandas 3 from
the ``bench`` extra; it warns about pandas options it sets, which are silenced here.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from benchmarks._runner import measure_peak_in_child, median, report, time_interleaved

PARAMS = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
COHORT_WEEKS = 78
SIZES_FULL = {"fit": 1_000_000, "summary": 1_000_000, "large": 10_000_000}
SIZES_QUICK = {"fit": 20_000, "summary": 100_000, "large": 200_000}


def simulate(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, t_x, T)`` in weeks of ``n`` BG/NBD customers on a day grid (vectorised)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(PARAMS["r"], 1 / PARAMS["alpha"], n)
    p = rng.beta(PARAMS["a"], PARAMS["b"], n)
    T_days = rng.integers(1, COHORT_WEEKS * 7 + 1, n)
    T = T_days / 7
    events = rng.poisson(lam * T)
    x = np.minimum(events, rng.geometric(p))
    t_x = np.zeros(n)
    some = x > 0
    t_x[some] = T[some] * rng.beta(x[some], events[some] - x[some] + 1)
    return x.astype(np.float64), np.floor(t_x * 7) / 7, T


def _lifetimes() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lifetimes
    except ImportError:
        return None
    return lifetimes


def _quiet(fn):
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()

    return run


def _ours_fit(x, t_x, T):
    from rfm.clv import BetaGeo

    return BetaGeo().fit(x, t_x, T)


def _agreement(params: dict[str, float], ours: dict[str, float]) -> float:
    return max(abs(params[k] - v) / abs(v) for k, v in ours.items())


def fit_case(n: int) -> Any:
    """A zero-argument callable fitting ours on ``n`` simulated customers (peak probe)."""
    x, t_x, T = simulate(n)
    return lambda: _ours_fit(x, t_x, T)


def bench_fit(n: int, repeats: int) -> list[dict[str, Any]]:
    from rfm.clv.distinct import distinct_rows

    x, t_x, T = simulate(n)
    ours = _ours_fit(x, t_x, T)
    rows = [_row("fit BG/NBD", n, "rfm.clv BetaGeo", None, ours.params_, ours.params_,
                 f"{ours.n_rows_:,} distinct rows, LL {ours.log_likelihood_:,.2f}")]
    contenders = {"rfm.clv BetaGeo": lambda: _ours_fit(x, t_x, T)}
    lt = _lifetimes()
    if lt is not None:
        distinct = distinct_rows(x, t_x, T)
        dx, dt, dT = distinct.values

        def lt_full():
            return lt.BetaGeoFitter().fit(x, t_x, T)

        def lt_distinct():
            return lt.BetaGeoFitter().fit(dx, dt, dT, weights=distinct.weight)

        contenders["lifetimes BetaGeoFitter"] = _quiet(lt_full)
        contenders["lifetimes, distinct rows"] = _quiet(lt_distinct)
        for name in ("lifetimes BetaGeoFitter", "lifetimes, distinct rows"):
            fitted = contenders[name]()
            params = {k: float(v) for k, v in fitted.params_.items()}
            ll = type(ours).from_params(**params).log_likelihood(x, t_x, T)
            rows.append(_row("fit BG/NBD", n, name, None, params, ours.params_,
                             f"LL at its parameters {ll:,.2f}"))
    times = time_interleaved(contenders, repeats=repeats)
    t_ours = median(times["rfm.clv BetaGeo"])
    for row in rows:
        t = median(times[row["method"]])
        row["median s"], row["× ours"] = t, t / t_ours
    if lt is None:
        rows.append({"task": "fit BG/NBD", "customers": f"{n:,}",
                     "method": "lifetimes BetaGeoFitter", "median s": float("nan"),
                     "× ours": float("nan"), "max rel. param diff": "",
                     "note": "lifetimes not installed (pip install -e '.[bench]')"})
    return rows


def _row(task: str, n: int, method: str, t: float | None, params: dict, ours: dict,
         note: str) -> dict[str, Any]:
    return {"task": task, "customers": f"{n:,}", "method": method,
            "median s": t if t is not None else float("nan"), "× ours": float("nan"),
            "max rel. param diff": f"{_agreement(params, ours):.1e}", "note": note}


def bench_summary(n_rows: int, repeats: int) -> list[dict[str, Any]]:
    from benchmarks.bench_rfm import synthetic
    from rfm import TransactionColumns
    from rfm.clv import summary

    df = synthetic(n_rows)
    cols = TransactionColumns(amount="TotalAmount", quantity=None, price=None)

    def ours():
        return summary(df, columns=cols)

    contenders = {"rfm.clv summary": ours}
    lt = _lifetimes()
    note = ""
    if lt is not None:
        def theirs():
            return lt.utils.summary_data_from_transaction_data(
                df, "CustomerID", "InvoiceDate", monetary_value_col="TotalAmount",
                freq="D", freq_multiplier=7)

        contenders["lifetimes summary_data_from_transaction_data"] = _quiet(theirs)
        a, b = ours(), contenders["lifetimes summary_data_from_transaction_data"]()
        b = b.loc[a.index]
        same = (np.array_equal(a["x"], b["frequency"]) and np.allclose(a["t_x"], b["recency"])
                and np.allclose(a["T"], b["T"])
                and np.allclose(a["monetary"], b["monetary_value"], rtol=1e-9))
        if not same:
            raise AssertionError("lifetimes' summary differs from rfm.clv.summary")
        note = "tables agree"
    times = time_interleaved(contenders, repeats=repeats)
    t_ours = median(times["rfm.clv summary"])
    n_cust = len(ours())
    return [{"task": "summary", "customers": f"{n_cust:,} ({n_rows:,} lines)", "method": name,
             "median s": median(ts), "× ours": median(ts) / t_ours, "max rel. param diff": "",
             "note": note} for name, ts in times.items()]


def bench_large(n: int) -> list[dict[str, Any]]:
    x, t_x, T = simulate(n)
    t0 = time.perf_counter()
    fitted = _ours_fit(x, t_x, T)
    seconds = time.perf_counter() - t0
    del x, t_x, T
    peak = measure_peak_in_child("benchmarks.bench_clv:fit_case", {"n": n})
    return [{"task": "fit BG/NBD", "customers": f"{n:,}", "method": "rfm.clv BetaGeo",
             "median s": seconds, "× ours": 1.0,
             "max rel. param diff": f"{_agreement(fitted.params_, PARAMS):.1e} (to truth)",
             "note": f"{fitted.n_rows_:,} distinct rows; extra peak "
                     f"{peak / 2**20:,.0f} MiB (one run, fresh process)"}]


def main(quick: bool = False) -> None:
    sizes = SIZES_QUICK if quick else SIZES_FULL
    repeats = 2 if quick else 3
    rows = bench_fit(sizes["fit"], repeats)
    rows += bench_summary(sizes["summary"], repeats)
    rows += bench_large(sizes["large"])
    report("clv", "Customer lifetime value: rfm.clv vs lifetimes", rows,
           notes=(__doc__ or "").split("\n\n", 1)[1])


if __name__ == "__main__":
    main(quick=True)
