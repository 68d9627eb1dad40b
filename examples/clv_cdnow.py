"""Customer lifetime value on CDNOW: the published figures, reproduced from the order lines.

CDNOW's 1-in-10 sample (2,357 customers who first bought in the first quarter of 1997) is
the data of Fader, Hardie & Lee (2005). This script goes from its purchase lines to:

1. the customer summary over the 39-week calibration period (1997-01-01 to 1997-09-30):
   repeat purchase days ``x``, ``t_x`` and ``T`` in weeks;
2. BG/NBD by maximum likelihood, beside the published r = 0.243, α = 4.414, a = 0.793,
   b = 2.426 and log-likelihood −9,582.4, with standard errors;
3. the published conditional expectation: a customer with x = 2, t_x = 30.43,
   T = 38.86 makes 1.226 purchases in the next 39 weeks;
4. MBG/NBD on the same data, and P(alive) of a few histories under both (BG/NBD says a
   one-time buyer is alive for sure; MBG/NBD does not);
5. the calibration/holdout check of the paper: purchases in the 39 holdout weeks
   (1997-10-01 to 1998-06-30) predicted against actual, by number of calibration
   purchases;
6. Gamma-Gamma on the 946 repeat customers, beside the published p = 6.25, q = 3.74,
   γ = 15.44, and each customer's 12-month discounted value.

Usage::

    python examples/clv_cdnow.py CDNOW_sample.txt OUT

It writes OUT/customer_value.csv and OUT/holdout_check.svg.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _common import output_folder, parser

from rfm import TransactionColumns
from rfm.clv import (
    BetaGeo,
    GammaGamma,
    ModifiedBetaGeo,
    holdout_check,
    lifetime_value,
    summary,
)
from rfm.datasets import load_cdnow
from rfm.report.plots import holdout_plot, save

COLUMNS = TransactionColumns(customer="customer", invoice=None, date="date", amount="amount",
                             quantity=None, price=None)
PUBLISHED_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def show_fit(title: str, model, published: dict[str, float] | None) -> None:
    print(f"\n{title}")
    print(f"  {'parameter':<10}{'ours':>10}{'s.e.':>9}{'published':>11}")
    for name, value in model.params_.items():
        ref = f"{published[name]:>11.3f}" if published else ""
        print(f"  {name:<10}{value:>10.4f}{model.standard_errors_[name]:>9.4f}{ref}")
    print(f"  log-likelihood {model.log_likelihood_:,.2f}   converged: {model.converged_}")


def main() -> None:
    p = parser(__doc__.split("\n", 1)[0])
    p.add_argument("cdnow", metavar="CDNOW", help="CDNOW_sample.txt (or the master file)")
    args = p.parse_args(_reorder())
    out = output_folder(args.out)
    tx = load_cdnow(args.cdnow)
    s = summary(tx, columns=COLUMNS, calibration_end="1997-09-30",
                observation_end="1998-06-30")
    print(f"{len(s):,} customers; {int(s['x'].sum()):,} repeat purchase days in the "
          f"calibration period; {(s['x'] == 0).mean():.2%} made none")

    bg = BetaGeo().fit(s)
    show_fit("BG/NBD (Fader, Hardie & Lee 2005)", bg, PUBLISHED_BG)
    one = (np.array([2.0]), np.array([30.43]), np.array([38.86]))
    print(f"  E[purchases in 39 weeks | x = 2, t_x = 30.43, T = 38.86] = "
          f"{bg.expected_purchases(one, 39)[0]:.3f}   published 1.226")

    mbg = ModifiedBetaGeo().fit(s)
    show_fit("MBG/NBD (Batislam, Denizel & Filiztekin 2007)", mbg, None)
    histories = (np.array([0.0, 0.0, 1.0, 5.0]), np.array([0.0, 0.0, 2.0, 30.0]),
                 np.array([10.0, 38.0, 38.0, 38.0]))
    print("\n  P(alive)       x  t_x     T   BG/NBD  MBG/NBD")
    for i, (a, b) in enumerate(zip(bg.p_alive(histories), mbg.p_alive(histories),
                                   strict=True)):
        x, t_x, T = (h[i] for h in histories)
        print(f"  {'':<12}{x:>3.0f}{t_x:>5.0f}{T:>6.0f}{a:>9.3f}{b:>9.3f}")

    table = holdout_check(bg, s)
    print("\nCalibration/holdout check (39 holdout weeks):")
    print(table.round(3).to_string())
    total_pred = float(bg.expected_purchases(s, s.attrs["holdout_length"]).sum())
    print(f"  all customers: predicted {total_pred:,.0f}, actual {int(s['x_holdout'].sum()):,}")

    gg = GammaGamma().fit(s)
    show_fit(f"Gamma-Gamma (Fader & Hardie 2013), {gg.n_customers_} repeat customers", gg,
             PUBLISHED_GG)
    value = lifetime_value(bg, gg, s, 12, "M", 0.01)
    result = pd.DataFrame({"p_alive": bg.p_alive(s), "expected_spend": gg.expected_spend(s),
                           "value_12_months": value})
    result.to_csv(out / "customer_value.csv")
    print(f"\n12-month value (1 % a month discount): total ${value.sum():,.0f}, "
          f"median ${value.median():,.2f}; per customer in {out / 'customer_value.csv'}")
    save(holdout_plot(table, model="BG/NBD"), out, "holdout_check.svg")
    print(f"figure: {out / 'holdout_check.svg'}")


def _reorder() -> list[str]:
    """``CDNOW OUT`` on the command line; the shared parser declares OUT first."""
    import sys

    argv = sys.argv[1:]
    positional = [a for a in argv if not a.startswith("-")]
    if len(positional) == 2:
        cdnow, out = positional
        return [out, cdnow, *[a for a in argv if a.startswith("-")]]
    return argv


if __name__ == "__main__":
    main()
