"""`rfmseg segment FILE --clv MONTHS`: value ahead per customer, segment and persona.

The models themselves are checked against the published CDNOW figures and independent
integrals in tests/rfm/clv/. Here: the command's columns are the library's predictions
for the run's customers; the report's and the console's sums, likely-lost counts and
revenue at risk equal a groupby of segments.csv, per segment and per persona; the
parameters under the analysts' details are those of the models fitted directly to the
summary of the order lines (read with plain pandas); the holdout check's actual purchases
equal a count of purchase days made by hand; flags that do not go together are refused.
"""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli import assert_user_error, run_captured

import rfm
from rfm.app.pipeline import customer_table
from rfm.clv import (
    ConvergenceWarning,
    GammaGamma,
    ModifiedBetaGeo,
    UndefinedSpendWarning,
    customer_value,
    summary,
)
from rfm.columns import TransactionColumns
from rfm.datasets import make_transactions

SAMPLE_FLAGS = ("--no-header", "--names", "customer,sample_id,date,cds,dollar_value",
                "--customer", "sample_id", "--date", "date",
                "--amount", "dollar_value")  # fmt: skip
COLUMNS = TransactionColumns(customer="sample_id", invoice=None, date="date",
                             amount="dollar_value", quantity=None, price=None)  # fmt: skip


@pytest.fixture(scope="module")
def cdnow_run(cdnow_sample_path: Path, tmp_path_factory):
    out = tmp_path_factory.mktemp("clv") / "out"
    proc = run_captured("segment", str(cdnow_sample_path), *SAMPLE_FLAGS, "--clv", "12",
                        "--holdout", "273", "--out", str(out), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(out / "segments.csv", dtype={"customer": str})
    return proc, seg, (out / "report.html").read_text(encoding="utf-8")


def test_columns_are_the_librarys_predictions_for_the_runs_customers(
    cdnow_run, cdnow_sample_path: Path
) -> None:
    _, seg, _ = cdnow_run
    assert list(seg.columns[-3:]) == ["p_alive", "expected_purchases", "expected_value"]
    from rfm.io.loading import load_transactions
    from rfm.io.reading import ReadOptions

    loaded = load_transactions(
        cdnow_sample_path,
        options=ReadOptions(header=False, names=["customer", "sample_id", "date", "cds",
                                                 "dollar_value"]),
        customer="sample_id", date="date", amount="dollar_value",
    )  # fmt: skip
    clean = customer_table(loaded.frame, columns=loaded.columns).transactions
    want = customer_value(clean, columns=loaded.columns, horizon_months=12).table
    want.index = want.index.astype(str)
    got = seg.set_index("customer")
    for col in ("p_alive", "expected_purchases", "expected_value"):  # CSV: 12 digits
        np.testing.assert_allclose(got[col], want.loc[got.index, col], rtol=1e-10)
    assert got["p_alive"].between(0, 1).all() and (got["expected_value"] >= 0).all()


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _value_section(report: str) -> str:
    return report.split('<section id="value">')[1].split("</section>")[0]


def _table_rows(part: str) -> dict[str, list[str]]:
    """The body rows of the tables in ``part``: first cell -> the other cells, as text."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", part):
        cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


def _raw_purchases(path: Path) -> pd.DataFrame:
    """The CDNOW sample's purchases (amount above 0), read with plain pandas."""
    raw = pd.read_csv(path, sep=r"\s+", header=None,
                      names=["customer", "sample_id", "date", "cds", "dollar_value"])  # fmt: skip
    raw = raw[raw["dollar_value"] > 0].copy()
    raw["day"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw


def test_sums_lost_and_revenue_at_risk_are_a_groupby_of_segments_csv(cdnow_run) -> None:
    proc, seg, report = cdnow_run
    lost = seg["p_alive"] < 0.5
    total = seg["expected_value"].sum()
    sentences = [
        f"expected to spend {_money(total)}",
        f"{int(lost.sum()):,} customers ({lost.mean():.1%}) have probably stopped buying",
    ]
    q = int(seg["m_score"].max())
    risk = lost & (seg["m_score"] >= q - 1)
    spent = seg.loc[risk, "monetary"].sum()
    sentences.append(f"Revenue at risk: {int(risk.sum()):,} high-value customers")
    sentences.append(f"they spent {_money(spent)} ({spent / seg['monetary'].sum():.1%} of "
                     "all revenue)")  # fmt: skip
    # probably lost although more recent than most (over half the customers' last order
    # is longer ago, counted customer by customer), per segment
    recency = seg["recency"].to_numpy()
    longer = np.array([(recency > r).mean() for r in recency])
    quiet = seg[lost.to_numpy() & (longer > 0.5)]
    counts = quiet.groupby("segment").size()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    assert len(counts) > 1
    where = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    sentences.append(f"{len(quiet):,} customers whose last order is more recent than most "
                     f"customers' have probably stopped buying ({where})")  # fmt: skip
    for text in sentences:
        assert text in proc.stdout, text
        assert text in html.unescape(report), text
    assert "Caution" not in proc.stdout  # the sample's dropout is clear (a well above its SE)
    assert "(models: MBG/NBD for purchases, Gamma-Gamma for spend per purchase)\n" in proc.stdout
    assert "by past spend, not by the spend expected ahead." in html.unescape(report)
    # per segment, in the report's table
    section = _value_section(report)
    for name, group in seg.groupby("segment"):
        row = re.search(rf'<td class="text">{re.escape(name)}</td>(.*?)</tr>',
                        section.replace("&#x27;", "'"))  # fmt: skip
        assert row, name
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
        assert cells[0] == f"{len(group):,}"
        assert cells[1] == _money(group["expected_value"].sum())
        assert cells[3] == f"{int((group['p_alive'] < 0.5).sum()):,}"


def test_value_per_persona_is_a_groupby_of_segments_csv(cdnow_run) -> None:
    """The report's "By persona" table: customers, expected value and its share of the
    total, customers likely lost (P(alive) < 0.5) and their share, per persona."""
    _, seg, report = cdnow_run
    part = _value_section(report).split("<h3>By persona</h3>")[1]
    rows = _table_rows(part.split("<h3>")[0].split("<details")[0])
    total = seg["expected_value"].sum()
    groups = seg.assign(lost=seg["p_alive"] < 0.5).groupby("persona")
    assert set(rows) == set(groups.groups) and len(rows) > 1
    for name, group in groups:
        value = group["expected_value"].sum()
        assert rows[name] == [
            f"{len(group):,}",
            _money(value),
            f"{100 * value / total:.1f}%",
            f"{int(group['lost'].sum()):,}",
            f"{100 * group['lost'].mean():.1f}%",
        ], name


def test_parameters_under_details_are_the_models_fitted_to_the_summary(
    cdnow_run, cdnow_sample_path: Path
) -> None:
    """MBG/NBD (the default) and Gamma-Gamma fitted here to rfm.clv.summary of the same
    purchases (weeks, calibration to the last purchase day): every parameter with its
    standard error, and the log-likelihoods, inside the analysts' details block, to the
    digits shown (4 significant for values, 3 for standard errors)."""
    _, _, report = cdnow_run
    block = _value_section(report).split('<details class="analysts">')[-1]
    block = block.split("</details>")[0]
    assert "MBG/NBD (purchases) and Gamma-Gamma" in block
    raw = _raw_purchases(cdnow_sample_path).drop(columns="date").rename(columns={"day": "date"})
    s = summary(raw, columns=COLUMNS)
    fits = {"purchases": ModifiedBetaGeo().fit(s), "spend": GammaGamma().fit(s)}
    assert set(fits["purchases"].params_) == {"r", "alpha", "a", "b"}
    assert set(fits["spend"].params_) == {"p", "q", "gamma"}
    rows = _table_rows(block)
    shown = set()
    for what, model in fits.items():
        assert model.converged_
        for name, value in model.params_.items():
            label = f"{what}: {name}"
            text, se = rows[label]
            assert float(text) == pytest.approx(value, rel=5e-4), label
            assert float(se) == pytest.approx(model.standard_errors_[name], rel=5e-3), label
            assert 0 < float(se) < np.inf
            shown.add(label)
        ll, state = rows[f"{what}: log-likelihood"]
        assert float(ll.replace(",", "")) == pytest.approx(model.log_likelihood_, abs=0.005)
        assert state == "converged"
        shown.add(f"{what}: log-likelihood")
    assert set(rows) == shown


def test_holdout_check_counts_purchase_days_by_hand_beside_mbgnbds_predictions(
    cdnow_run, cdnow_sample_path: Path
) -> None:
    """The holdout check. Actual: each customer's distinct purchase days in the last 273
    days, for customers who bought before them, grouped by their repeat purchase days
    before (7 and more pooled), counted with plain pandas. Predicted: MBG/NBD (the run's
    model) fitted here to the summary of those purchases up to the cut, its expected
    purchases in the 273 days averaged over the same groups, and their total."""
    _, _, report = cdnow_run
    raw = _raw_purchases(cdnow_sample_path)
    end = raw["day"].max()
    cut = end - pd.Timedelta(days=273)
    days = raw[["sample_id", "day"]].drop_duplicates()
    before = days[days["day"] <= cut].groupby("sample_id")["day"].nunique() - 1  # repeats
    after = days[days["day"] > cut].groupby("sample_id")["day"].nunique()
    after = after.reindex(before.index, fill_value=0)
    group = before.clip(upper=7)
    actual = after.groupby(group).mean()
    # the predicted column: MBG/NBD (the run's model) fitted here to the calibration summary
    purchases = raw.drop(columns="date").rename(columns={"day": "date"})
    s = summary(purchases, columns=COLUMNS, calibration_end=cut, observation_end=end)
    mbg = ModifiedBetaGeo().fit(s)
    expected = mbg.expected_purchases(s, s.attrs["holdout_length"])
    assert len(s) == len(before) and s.attrs["holdout_length"] == pytest.approx(273 / 7)
    s_group = group.reindex(s.index)
    assert s_group.notna().all()  # the same customers, the same ids
    predicted = expected.groupby(s_group.to_numpy()).mean()
    section = _value_section(report)
    for x, mean in actual.items():
        label = str(x) if x < 7 else "7+"
        row = re.search(rf'<td class="text">{re.escape(label)}</td>(.*?)</tr>', section.split(
            "Does the model predict well?")[1])  # fmt: skip
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
        assert cells[0] == f"{(group == x).sum():,}"
        assert cells[1] == f"{mean:.2f}"
        assert cells[2] == f"{predicted[x]:.2f}", label
    # the verdict in words, written out here from the two totals and the spread of the
    # model's own total (its variance given each customer's history, summed): the report
    # and the console say it
    sd = _total_sd(mbg, s)
    assert sd > 1.5 * np.sqrt(expected.sum())  # customers who differ: well beyond Poisson
    said = _verdict_by_hand("the last 273 days", int(after.sum()), expected.sum(), sd)
    assert "a little" in said  # 16% too few: beyond chance, but below 20%
    assert html.escape(said) in section
    proc, _, _ = cdnow_run
    assert f"  {said}" in proc.stdout.splitlines()


def test_bgnbd_keeps_one_time_buyers_alive_and_bad_flags_are_refused(tmp_path: Path) -> None:
    tx = make_transactions(n_customers=300, n_rows=2500, random_state=4)
    src = tmp_path / "orders.csv"
    tx.to_csv(src, index=False)
    proc = run_captured("segment", str(src), "--clv", "6", "--clv-model", "bgnbd", "--out",
                        str(tmp_path / "o"), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(tmp_path / "o" / "segments.csv")
    # BG/NBD's defining property: no repeat purchase, no evidence of dropping out
    assert (seg.loc[seg["frequency"] == 1, "p_alive"] == 1.0).all()
    assert "BG/NBD" in proc.stdout and "Next 6 months" not in proc.stdout
    assert "Over the next 6 months" in proc.stdout
    assert_user_error(run_captured("segment", str(src), "--holdout", "30", "--out",
                                   str(tmp_path / "p")), "--holdout", "--clv")  # fmt: skip
    bad = run_captured("segment", str(src), "--clv", "0", "--out", str(tmp_path / "p"))
    assert bad.returncode == 2 and "--clv" in bad.stderr
    assert not (tmp_path / "p").exists()


def test_a_holdout_too_long_for_the_data_names_the_flag(tmp_path: Path) -> None:
    """--holdout longer than the orders, or leaving no repeat purchase before it: one line
    naming --holdout in plain words (not the library's calibration_end, nor "every x is
    0")."""
    tx = make_transactions(n_customers=300, n_rows=2500, random_state=4)
    src = tmp_path / "orders.csv"
    tx.to_csv(src, index=False)
    from rfm.io.loading import load_transactions

    loaded = load_transactions(src)
    dates = customer_table(loaded.frame, columns=loaded.columns).transactions["InvoiceDate"]
    first, last = dates.min().normalize(), dates.max().normalize()
    span = (last - first).days

    def refused(days: int, *fragments: str) -> str:
        proc = run_captured("segment", str(src), "--clv", "12", "--holdout", str(days),
                            "--out", str(tmp_path / "o"))  # fmt: skip
        assert_user_error(proc, f"--holdout {days}", "choose a shorter --holdout.", *fragments)
        error = proc.stderr.strip().splitlines()[-1]
        for word in ("calibration", "holdout_days", "every x", "rfm."):
            assert word not in error, word
        return error

    refused(span + 400, f"starts the holdout before the first purchase ({first.date()}; the "
            f"orders span {span} days up to {last.date()})")  # fmt: skip
    # the calibration period is the first day alone: nobody bought on a second day yet
    refused(span, "no customer repeated a purchase before the holdout (orders from "
            f"{first.date()} to {first.date()})")  # fmt: skip
    assert not (tmp_path / "o").exists()


def test_orders_of_a_single_day_name_the_flag_and_why(tmp_path: Path) -> None:
    """A one-day export where many customers placed two or three orders: the value models
    count purchase days, so nobody repeated a purchase. One line naming --clv, saying why
    in purchase days (the library's "every x is 0" and "calibration period" are no
    command-line terms), and no files."""
    rng = np.random.default_rng(5)
    orders = rng.integers(1, 4, 200)
    customer = np.repeat(np.arange(200), orders)
    tx = pd.DataFrame({"InvoiceNo": [f"N{i}" for i in range(customer.size)],
                       "CustomerID": customer + 1000, "InvoiceDate": "2024-03-15",
                       "Quantity": 1, "UnitPrice": rng.lognormal(3, 1, customer.size)})  # fmt: skip
    assert (orders > 1).sum() > 100  # repeat orders, all on the one day
    src = tmp_path / "oneday.csv"
    tx.to_csv(src, index=False)
    proc = run_captured("segment", str(src), "--clv", "6", "--out", str(tmp_path / "o"))
    assert_user_error(proc, "--clv: no customer bought on a second, later day",
                      "several orders on one day are one purchase", "Leave out --clv")  # fmt: skip
    error = proc.stderr.strip().splitlines()[-1]
    for word in ("calibration", "every x", "MBG/NBD"):
        assert word not in error, word
    assert not (tmp_path / "o").exists()



def test_orders_of_two_days_name_the_flag_and_why(tmp_path: Path) -> None:
    """Orders on two days only, every repeat buyer back on the last day: the value models
    see no one stop buying. One line naming --clv in purchase days, without the model's
    t_x = T or calibration period."""
    rng = np.random.default_rng(7)
    rows = [(f"N{c}a", c + 1000, "2024-03-14", 1, 20.0) for c in range(120)]
    rows += [(f"N{c}b", c + 1000, "2024-03-15", 1, 25.0) for c in range(0, 120, 2)]
    rows += [(f"M{c}", c + 2000, "2024-03-15", 1, float(rng.integers(5, 50))) for c in range(40)]
    src = tmp_path / "twoday.csv"
    pd.DataFrame(rows, columns=["InvoiceNo", "CustomerID", "InvoiceDate", "Quantity",
                                "UnitPrice"]).to_csv(src, index=False)  # fmt: skip
    proc = run_captured("segment", str(src), "--clv", "6", "--out", str(tmp_path / "o"))
    assert_user_error(proc, "--clv: every customer who bought on a second day bought last on "
                      "the last day of the data", "Leave out --clv")  # fmt: skip
    error = proc.stderr.strip().splitlines()[-1]
    for word in ("t_x", "calibration", "MBG/NBD", "likelihood"):
        assert word not in error, word


def test_a_single_repeat_customer_names_the_flag_and_why(tmp_path: Path) -> None:
    """Eight customers, one of whom came back on a later day (counted here with plain
    pandas): the purchase model can be fitted, the spend model cannot (it needs two repeat
    customers). One line naming --clv, in purchase days, and what to do, as the other
    value-model errors say it; not the library's "Gamma-Gamma" or "x > 0"."""
    tx = pd.DataFrame({
        "CustomerID": list("AABCDEFG"), "InvoiceNo": range(1, 9),
        "InvoiceDate": ["2024-01-02", "2024-03-05", "2024-01-10", "2024-02-11",
                        "2024-02-20", "2024-04-01", "2024-04-20", "2024-05-30"],
        "Amount": [10, 12, 20, 30, 25, 15, 18, 22]})  # fmt: skip
    repeat = (tx.groupby("CustomerID")["InvoiceDate"].nunique() > 1).sum()
    assert repeat == 1
    src = tmp_path / "one_repeat.csv"
    tx.to_csv(src, index=False)
    proc = run_captured("segment", str(src), "--clv", "6", "--out", str(tmp_path / "o"))
    assert_user_error(proc, (
        f"--clv: only {repeat} customer bought on a second, later day, and the spend model "
        "needs at least two to learn how customers differ in what they spend per purchase "
        "(it counts purchase days: several orders on one day are one purchase). Leave out "
        "--clv, or use orders over a longer period."))  # fmt: skip
    error = proc.stderr.strip().splitlines()[-1]
    for word in ("Gamma-Gamma", "x > 0", "got 1"):
        assert word not in error, word
    assert not (tmp_path / "o").exists()


def _bgnbd_by_hand(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weeks: float
                   ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """BG/NBD fitted and evaluated from its published closed forms (Fader, Hardie & Lee
    2005, equations 6, 10 and 13), with scipy alone: the log-likelihood maximised by
    Nelder-Mead on log parameters, then each customer's P(alive) and expected purchases
    in the next ``weeks``."""
    from scipy.optimize import minimize
    from scipy.special import gammaln, hyp2f1

    repeat = x > 0

    def minus_ll(theta: np.ndarray) -> float:
        r, alpha, a, b = np.exp(theta)
        head = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + gammaln(a + b)
                + gammaln(b + x) - gammaln(b) - gammaln(a + b + x))  # fmt: skip
        alive = -(r + x) * np.log(alpha + T)
        gone = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0))
                        - (r + x) * np.log(alpha + t_x), -np.inf)  # fmt: skip
        return -float(np.sum(head + np.logaddexp(alive, gone)))

    fit = minimize(minus_ll, np.zeros(4), method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20_000,
                            "maxfev": 20_000})  # fmt: skip
    r, alpha, a, b = np.exp(fit.x)
    odds = np.where(repeat, a / np.where(repeat, b + x - 1, 1.0)
                    * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)  # fmt: skip
    p_alive = 1 / (1 + odds)
    z = weeks / (alpha + T + weeks)
    if_alive = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + weeks)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    )
    return p_alive, if_alive * p_alive


def test_value_ahead_is_as_of_the_snapshot_as_recency_is(cdnow_sample_path: Path,
                                                         tmp_path: Path) -> None:  # fmt: skip
    """--snapshot half a year after the CDNOW sample's last purchase (1998-06-30): recency
    counts from it, and so must the value ahead. Worked here from the purchases read
    with plain pandas: each customer's x and t_x, and T from the first purchase to the
    last whole day before the snapshot, 1998-12-30 (weeks); BG/NBD fitted and evaluated
    by its closed forms with scipy. The run's p_alive and expected purchases over 12
    months must be those, and each customer's quiet time T - t_x must be its recency
    less the snapshot's own day, as with the default snapshot (the most recent customers
    have recency 1 and T = t_x)."""
    snapshot = pd.Timestamp("1998-12-31")
    out = tmp_path / "o"
    proc = run_captured("segment", str(cdnow_sample_path), *SAMPLE_FLAGS, "--clv", "12",
                        "--clv-model", "bgnbd", "--snapshot", "1998-12-31", "--out", str(out),
                        "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "calibration_end" not in proc.stdout + proc.stderr  # the run's own choice
    seg = pd.read_csv(out / "segments.csv", dtype={"customer": str}).set_index("customer")
    raw = _raw_purchases(cdnow_sample_path)
    days = raw.groupby("sample_id")["day"].agg(["min", "max", "nunique"])
    days = days.loc[seg.index.astype(int)]  # the ids as numbers (the file pads them)
    x = days["nunique"].to_numpy() - 1.0
    t_x = (days["max"] - days["min"]).dt.days.to_numpy() / 7
    T = (snapshot - pd.Timedelta(days=1) - days["min"]).dt.days.to_numpy() / 7
    np.testing.assert_array_equal(np.round((T - t_x) * 7), seg["recency"] - 1)  # one "as of"
    p_alive, purchases = _bgnbd_by_hand(x, t_x, T, 12 * 30.4375 / 7)
    np.testing.assert_allclose(seg["p_alive"], p_alive, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(seg["expected_purchases"], purchases, rtol=1e-5, atol=1e-9)
    lost = int((p_alive < 0.5).sum())
    assert f"{lost:,} customers ({lost / len(seg):.1%}) have probably stopped" in proc.stdout


def test_a_snapshot_written_as_a_date_gives_the_defaults_figures(
    cdnow_sample_path: Path, tmp_path: Path
) -> None:
    """The CDNOW sample's last purchase is on 1998-06-30, its dates have no time of day:
    the default snapshot ("max+1d") is 1998-07-01 00:00, and --snapshot 1998-07-01 is the
    same instant. Same recency, so the same value ahead, to the last digit (it took the
    snapshot's own day as a day without purchases: 37,565 against 37,793). Likewise in the
    library, on order lines with a time of day: the snapshot 24 hours after the last line
    is "max+1d"."""
    runs = {}
    for name, extra in (("default", ()), ("date", ("--snapshot", "1998-07-01"))):
        out = tmp_path / name
        proc = run_captured("segment", str(cdnow_sample_path), *SAMPLE_FLAGS, "--clv", "6",
                            *extra, "--out", str(out), "-q")  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        runs[name] = (proc.stdout, pd.read_csv(out / "segments.csv"))
    (said, seg), (said_date, seg_date) = runs["default"], runs["date"]
    pd.testing.assert_frame_equal(seg, seg_date, check_exact=True)
    value = [text.split("Value ahead:")[1].split("\n\n")[0] for text in (said, said_date)]
    assert value[0] == value[1] and "expected to spend 37,793" in value[0]
    tx = make_transactions(n_customers=300, n_rows=3000, random_state=2)
    last = tx["InvoiceDate"].max()
    assert last != last.normalize()  # a time of day
    default = rfm.run_pipeline(tx, clv=6, k=3)
    same = rfm.run_pipeline(tx, clv=6, k=3, snapshot=last + pd.Timedelta(days=1))
    assert same.rfm["recency"].equals(default.rfm["recency"])
    pd.testing.assert_frame_equal(same.value.table, default.value.table, check_exact=True)


def test_a_snapshot_after_the_data_says_the_value_ahead_falls(
    cdnow_run, cdnow_sample_path: Path, tmp_path: Path
) -> None:
    """--snapshot a year after the CDNOW sample's last purchase (read here with plain
    pandas): the value models count the days in between as days without purchases, so
    the spend ahead falls well below the default run's (the module's run, same flags but
    the snapshot) and more customers look lost. One caution says so in the console and
    the report, right after the forecast; the holdout check, which tests the model on
    the orders alone, says it is not about those figures, and its caution speaks of a
    forecast made at the data's end. Nothing of the kind in the default run."""
    last = _raw_purchases(cdnow_sample_path)["day"].max()
    snapshot = pd.Timestamp("1999-06-30")
    after, between = (snapshot - last).days, (snapshot - last).days - 1
    assert (after, between) == (365, 364)
    out = tmp_path / "o"
    proc = run_captured("segment", str(cdnow_sample_path), *SAMPLE_FLAGS, "--clv", "12",
                        "--holdout", "273", "--snapshot", str(snapshot.date()), "--out",
                        str(out), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    caution = (f"Caution: the snapshot, {snapshot.date()}, is {after} days after the last "
               f"order line ({last.date()}), and the value ahead counts the {between} days "
               "in between as days in which no customer bought, so it falls, and more "
               "customers look lost, the later the snapshot.")  # fmt: skip
    lines = proc.stdout.split("Value ahead:\n")[1].split("\n\n")[0].splitlines()
    assert lines[1] == f"  {caution}"
    seg = pd.read_csv(out / "segments.csv")
    default_proc, default_seg, default_report = cdnow_run
    assert seg["expected_value"].sum() < default_seg["expected_value"].sum() / 2
    assert (seg["p_alive"] < 0.5).sum() > (default_seg["p_alive"] < 0.5).sum()
    not_these = (f"This check tests the model on the orders up to the last one ({last.date()}), "
                 f"not the figures above, which also count the {between} days after it as "
                 "days without purchases.")  # fmt: skip
    holdout = [line for line in lines if "held out" in line]
    assert len(holdout) == 1 and holdout[0].endswith(not_these)
    assert "spend ahead is likely" not in holdout[0]
    if "Caution: the model" in holdout[0]:
        assert "so a forecast made at the data's end would likely be too" in holdout[0]
    section = html.unescape(_value_section((out / "report.html").read_text(encoding="utf-8")))
    assert caution in section and not_these in section
    for text in (default_proc.stdout, html.unescape(default_report)):
        assert "Caution: the snapshot" not in text and "This check tests" not in text


def test_a_spend_model_that_did_not_converge_is_not_stated_flatly(
    cdnow_sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gamma-Gamma allowed a single quasi-Newton step on the CDNOW sample does not
    converge (the library warns). The spend ahead, worked out here from that model
    fitted to the summary of the purchases (its expected spend per purchase,
    p(γ + x·m)/(p·x + q - 1), times each customer's expected purchases in the run's
    segments.csv), is given in a caution saying it is not reliable, after the purchases
    expected; the details say the fit did not converge. The purchase model's sentences
    stay (it converged)."""

    class OneStep(GammaGamma):
        def __init__(self) -> None:
            super().__init__(max_iter=1)

    monkeypatch.setattr(rfm.clv.value, "GammaGamma", OneStep)
    raw = _raw_purchases(cdnow_sample_path).drop(columns="date").rename(columns={"day": "date"})
    s = summary(raw, columns=COLUMNS)
    with pytest.warns(ConvergenceWarning):
        spend = OneStep().fit(s)
    assert not spend.converged_
    p, q, g = (spend.params_[k] for k in ("p", "q", "gamma"))
    per_purchase = p * (g + s["x"] * s["monetary"]) / (p * s["x"] + q - 1)
    out = tmp_path / "o"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        proc = run_captured("segment", str(cdnow_sample_path), *SAMPLE_FLAGS, "--clv", "6",
                            "--out", str(out), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(out / "segments.csv", dtype={"customer": str}).set_index("customer")
    per_purchase.index = per_purchase.index.astype(int)
    total = float((seg["expected_purchases"] * per_purchase.loc[seg.index.astype(int)]
                   .to_numpy()).sum())  # fmt: skip
    lines = proc.stdout.split("Value ahead:\n")[1].split("\n\n")[0].splitlines()
    assert lines[0] == (f"  Over the next 6 months the {len(seg):,} customers are expected to "
                        f"make {seg['expected_purchases'].sum():,.0f} purchases.")  # fmt: skip
    assert lines[1] == (
        "  Caution: the spend model could not be fitted reliably to these data (see the "
        "details for analysts), so what they will spend is not reliable; by it, they would "
        f"spend {total:,.0f} (not discounted).")  # fmt: skip
    assert "expected to spend" not in proc.stdout
    assert "have probably stopped buying: their chance" in lines[2]
    section = html.unescape(_value_section((out / "report.html").read_text(encoding="utf-8")))
    assert lines[1].strip() in section and "expected to spend" not in section
    assert _table_rows(section)["spend: log-likelihood"][1] == "did not converge"


def _verdict_by_hand(days: str, actual: int, predicted: float, sd: float) -> str:
    """The holdout verdict, by its rules written out: the band is the prediction ±
    1.96 standard deviations (chance alone, were the model right); the gap is the
    percentage the prediction is above or below the actual count; a caution only when
    the count is outside the band and the gap above 20%; a band wider than 20% of the
    prediction around a count inside it: too few purchases to judge by."""
    low, high = max(predicted - 1.96 * sd, 0), predicted + 1.96 * sd
    band = f"{low:,.0f} to {high:,.0f}"
    gap = (predicted - actual) / actual
    said = (f"In {days}, held out, the model predicted {predicted:,.0f} purchases against "
            f"{actual:,} actual, {abs(gap):.0%} {'above' if gap > 0 else 'below'} the actual "
            "count")  # fmt: skip
    if low <= actual <= high:
        if 1.96 * sd > 0.2 * predicted:
            return (f"{said}: too few purchases to judge the model by. Were it right, chance "
                    f"alone would put the count anywhere from {band} (95%).")
        return f"{said}: within what chance alone would give were the model right ({band}, 95%)."
    said += f": further off than chance alone would put it were the model right ({band}, 95%)."
    how = "over" if gap > 0 else "under"
    if abs(gap) <= 0.2:
        return f"{said} The model {how}-predicts a little on these data."
    return (f"{said} Caution: the model {how}-predicts on these data, so the expected spend "
            f"ahead is likely too {'high' if gap > 0 else 'low'} by about as much.")


def _simulated_total_sd(model: ModifiedBetaGeo, s: pd.DataFrame, sims: int, seed: int
                        ) -> float:  # fmt: skip
    """The standard deviation of all customers' purchases in the holdout, were the model
    right, by seeded simulation of its story, customer by customer given the history:
    alive with its P(alive); then λ ~ Gamma(r + x, α + T), p ~ Beta(a, b + x + 1), and
    purchases at rate λ, each followed by dropping out with probability p."""
    r, alpha, a, b = (model.params_[k] for k in ("r", "alpha", "a", "b"))
    x, T = s["x"].to_numpy(), s["T"].to_numpy()
    length = s.attrs["holdout_length"]
    alive = np.asarray(model.p_alive(s))
    rng = np.random.default_rng(seed)
    shape = (sims, len(x))
    lam = rng.gamma(r + x, 1 / (alpha + T), shape)
    p = rng.beta(a, b + x + 1, shape)
    buying = rng.random(shape) < alive
    count, left = np.zeros(shape), np.full(shape, length)
    while buying.any():
        wait = rng.exponential(1 / np.where(buying, lam, 1.0))
        bought = buying & (wait < left)
        count += bought
        left -= np.where(bought, wait, 0.0)
        buying = bought & (rng.random(shape) >= p)
    return float(count.sum(axis=1).std())


def _holdout_counts(purchases: pd.DataFrame, customer: str, days: int
                    ) -> tuple[int, float, ModifiedBetaGeo, pd.DataFrame]:  # fmt: skip
    """Actual purchase days in the last ``days`` days of customers who bought before
    them, counted with plain pandas; and the MBG/NBD prediction for them (the run's
    model, fitted here to the summary of the purchases up to the cut), the model and
    that summary."""
    end = purchases["date"].max().normalize()
    cut = end - pd.Timedelta(days=days)
    day = purchases.assign(date=purchases["date"].dt.normalize())[[customer, "date"]]
    day = day.drop_duplicates()
    before = set(day.loc[day["date"] <= cut, customer])
    actual = int(((day["date"] > cut) & day[customer].isin(before)).sum())
    cols = TransactionColumns(customer=customer, invoice=None, date="date",
                              amount="amount", quantity=None, price=None)  # fmt: skip
    s = summary(purchases, columns=cols, calibration_end=cut, observation_end=end)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ModifiedBetaGeo().fit(s)
    predicted = float(model.expected_purchases(s, s.attrs["holdout_length"]).sum())
    return actual, predicted, model, s


def _total_sd(model: ModifiedBetaGeo, s: pd.DataFrame) -> float:
    """The standard deviation of all customers' holdout purchases, were the model right:
    its variance given each customer's history (checked against the purchase-count
    distribution and simulation in tests/rfm/clv), summed."""
    return float(np.sqrt(model.purchases_variance(s, s.attrs["holdout_length"]).sum()))


def test_a_holdout_of_too_few_purchases_gives_the_counts_and_no_verdict(
    cdnow_sample_path: Path, tmp_path: Path
) -> None:
    """--holdout 1 on the CDNOW sample: the last day holds 2 purchase days, against 6
    predicted. If the model were right, chance alone would put the count within 6 ±
    1.96 standard deviations (95%), so the gap proves nothing: the counts, why, and no
    verdict on a 12-month forecast; "the last day", not "the last 1 days"."""
    raw = _raw_purchases(cdnow_sample_path).drop(columns="date")
    raw = raw.rename(columns={"day": "date", "dollar_value": "amount"})
    actual, predicted, model, s = _holdout_counts(raw, "sample_id", 1)
    assert actual == 2 and round(predicted) == 6
    said = _verdict_by_hand("the last day", actual, predicted, _total_sd(model, s))
    assert "too few purchases to judge the model by" in said
    out = tmp_path / "o"
    proc = run_captured("segment", str(cdnow_sample_path), *SAMPLE_FLAGS, "--clv", "12",
                        "--holdout", "1", "--out", str(out), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"  {said}" in proc.stdout.splitlines()
    section = _value_section((out / "report.html").read_text(encoding="utf-8"))
    assert f"<p>{html.escape(said)}</p>" in section
    assert "asked how often each customer would buy on the last day." in section
    for text in (proc.stdout, section):
        assert "1 days" not in text and "Caution: the model" not in text


def test_a_holdout_gap_beyond_chance_keeps_its_verdict(cdnow_sample_path: Path,
                                                        tmp_path: Path) -> None:  # fmt: skip
    """--holdout 7 on the CDNOW sample: 28 purchase days against 43 predicted, further
    apart than chance alone would put them were the model right (43 ± 1.96 standard
    deviations of its total, 95%; the standard deviation checked against a seeded
    simulation of the model) and 54% above the actual count: the caution stays."""
    raw = _raw_purchases(cdnow_sample_path).drop(columns="date")
    raw = raw.rename(columns={"day": "date", "dollar_value": "amount"})
    actual, predicted, model, s = _holdout_counts(raw, "sample_id", 7)
    sd = _total_sd(model, s)
    assert sd == pytest.approx(_simulated_total_sd(model, s, 2000, seed=7), rel=0.07)
    assert model.converged_ and abs(predicted - actual) > 1.96 * sd
    gap = (predicted - actual) / actual
    assert gap > 0.2
    said = _verdict_by_hand("the last 7 days", actual, predicted, sd)
    assert said.endswith("Caution: the model over-predicts on these data, so the expected "
                         "spend ahead is likely too high by about as much.")
    proc = run_captured("segment", str(cdnow_sample_path), *SAMPLE_FLAGS, "--clv", "12",
                        "--holdout", "7", "--out", str(tmp_path / "o"), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"  {said}" in proc.stdout.splitlines()


def _never_stopping_shop(seed: int = 0, n: int = 400, span: int = 540) -> pd.DataFrame:
    """Customers who buy at their own steady rate from their first day to the end and
    never stop: nothing for the model's dropout to fit (its fit runs to a → 0)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n):
        t = float(rng.integers(0, span // 2))
        rate = rng.gamma(2.0, 1 / 40)  # purchases per day
        while t < span:
            rows.append((f"N{c}-{t:.3f}", 1000 + c,
                         pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(t)), 1,
                         round(float(rng.gamma(3, 8)), 2)))  # fmt: skip
            t += 1 + rng.exponential(1 / rate)
    return pd.DataFrame(rows, columns=["InvoiceNo", "CustomerID", "InvoiceDate", "Quantity",
                                       "UnitPrice"])  # fmt: skip


def test_a_holdout_fit_that_did_not_converge_gives_no_verdict(tmp_path: Path) -> None:
    """A shop whose customers never stop: the model fitted on the orders before the last
    60 days does not converge (a → 0; the library warns). The check says so and gives no
    verdict, whatever the gap between the counts, which are counted here by hand."""
    tx = _never_stopping_shop()
    src = tmp_path / "steady.csv"
    tx.to_csv(src, index=False)
    lines = tx.assign(amount=tx["Quantity"] * tx["UnitPrice"]).rename(
        columns={"InvoiceDate": "date"})
    actual, predicted, model, _ = _holdout_counts(lines, "CustomerID", 60)
    assert not model.converged_
    said = (f"In the last 60 days, held out, the model predicted {predicted:,.0f} purchases "
            f"against {actual:,} actual, but it could not be fitted reliably to the orders "
            "before those days (its fit did not converge), so this check cannot tell how "
            "well it predicts.")  # fmt: skip
    out = tmp_path / "o"
    proc = run_captured("segment", str(src), "--clv", "12", "--holdout", "60", "--out",
                        str(out), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"  {said}" in proc.stdout.splitlines()
    section = _value_section((out / "report.html").read_text(encoding="utf-8"))
    assert f"<p>{html.escape(said)}</p>" in section
    assert "Caution: the model" not in proc.stdout + section


def _heavy_tailed_shop() -> pd.DataFrame:
    """The generated shop, but a tenth of its customers spend 100 times as much per line
    (money: quantity × price)."""
    tx = make_transactions(n_customers=400, n_rows=4000, random_state=0)
    tx = tx.drop(columns="TotalAmount")
    ids = tx["CustomerID"].drop_duplicates()
    big = np.random.default_rng(0).choice(ids, size=40, replace=False)
    return tx.assign(UnitPrice=tx["UnitPrice"].where(~tx["CustomerID"].isin(big),
                                                     tx["UnitPrice"] * 100))  # fmt: skip


def _gamma_gamma_q_by_hand(tx: pd.DataFrame) -> float:
    """Gamma-Gamma's q, fitted here with scipy (Fader & Hardie 2013, the density of a
    customer's mean repeat spend m given x) to repeat customers' purchase days counted
    with plain pandas."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    day = tx.assign(day=tx["InvoiceDate"].dt.normalize(),
                    amount=tx["Quantity"] * tx["UnitPrice"])  # fmt: skip
    per_day = day.groupby(["CustomerID", "day"])["amount"].sum().reset_index()
    first = per_day.groupby("CustomerID")["day"].transform("min")
    repeat = per_day[per_day["day"] > first].groupby("CustomerID")["amount"]
    x, m = repeat.size().to_numpy(float), repeat.mean().to_numpy()

    def minus_ll(theta: np.ndarray) -> float:
        p, q, g = np.exp(theta)
        return -float(np.sum(gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g)
                             + p * x * np.log(x) + (p * x - 1) * np.log(m)
                             - (p * x + q) * np.log(g + x * m)))  # fmt: skip

    fit = minimize(minus_ll, np.log([1.0, 2.0, m.mean()]), method="Nelder-Mead",
                   options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 20_000})  # fmt: skip
    return float(np.exp(fit.x[1]))


def _spend_near_the_edge(q: float = 1.1, seed: int = 2, n: int = 800) -> pd.DataFrame:
    """Customers drawn from the models' own story over two years: a purchase rate
    λ ~ Gamma(0.8, 1/20) a day, a dropout chance p ~ Beta(1, 4) after each purchase,
    and each purchase worth Gamma(4, ν) with ν ~ Gamma(q, 1/50) per customer: q near 1
    gives a few customers who spend far more per purchase than the rest."""
    rng = np.random.default_rng(seed)
    start, rows = pd.Timestamp("2022-01-01"), []
    for c in range(n):
        t = rng.uniform(0, 300)
        lam, p, nu = rng.gamma(0.8, 1 / 20.0), rng.beta(1.0, 4.0), rng.gamma(q, 1 / 50.0)
        while t < 730:
            rows.append((f"C{c:04d}", f"I{len(rows):06d}", start + pd.Timedelta(days=int(t)),
                         round(rng.gamma(4, 1 / nu), 2)))  # fmt: skip
            if rng.random() < p:
                break
            t += rng.exponential(1 / lam) + 1
    tx = pd.DataFrame(rows, columns=["CustomerID", "InvoiceNo", "InvoiceDate", "Amount"])
    return tx[tx["Amount"] > 0]


def _gamma_gamma_by_hand(tx: pd.DataFrame, money: str) -> tuple[np.ndarray, np.ndarray,
                                                                 float]:  # fmt: skip
    """Gamma-Gamma fitted with scipy (Fader & Hardie 2013's density of a customer's mean
    repeat spend) to the repeat purchase days counted with plain pandas: (p, q, γ), their
    standard errors from a finite-difference Hessian of that log-likelihood, and the
    mean spend of the repeat purchase days."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    day = tx.assign(day=tx["InvoiceDate"].dt.normalize())
    per_day = day.groupby(["CustomerID", "day"])[money].sum().reset_index()
    first = per_day.groupby("CustomerID")["day"].transform("min")
    later = per_day[per_day["day"] > first]
    repeat = later.groupby("CustomerID")[money]
    x, m = repeat.size().to_numpy(float), repeat.mean().to_numpy()

    def ll(theta: np.ndarray) -> float:
        p, q, g = theta
        return float(np.sum(gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g)
                            + p * x * np.log(x) + (p * x - 1) * np.log(m)
                            - (p * x + q) * np.log(g + x * m)))  # fmt: skip

    fit = minimize(lambda z: -ll(np.exp(z)), np.log([1.0, 2.0, m.mean()]),
                   method="Nelder-Mead", options={"xatol": 1e-11, "fatol": 1e-11,
                                                  "maxiter": 20_000})  # fmt: skip
    theta = np.exp(fit.x)
    h, eye, H = 1e-4 * theta, np.eye(3), np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            a, b = eye[i] * h[i], eye[j] * h[j]
            H[i, j] = (ll(theta + a + b) - ll(theta + a - b) - ll(theta - a + b)
                       + ll(theta - a - b)) / (4 * h[i] * h[j])  # fmt: skip
    return theta, np.sqrt(np.diag(np.linalg.inv(-H))), float(later[money].mean())


def test_a_spend_model_near_an_infinite_mean_cautions_on_the_spend_ahead(
    cdnow_run, tmp_path: Path
) -> None:
    """Spend drawn with q = 1.1: Gamma-Gamma's q, fitted here with scipy, is just above 1
    and its 95% interval (q ± 1.96 standard errors, from a finite-difference Hessian)
    reaches 1, where the mean spend per purchase pγ/(q-1), given to every one-time
    buyer, would be infinite. The spend ahead is followed by a caution saying it is very
    uncertain, with that mean and the repeat purchases' own, both worked out here; the
    details give q's interval. The CDNOW sample (q far from 1) has no such caution."""
    tx = _spend_near_the_edge()
    (p, q, g), se, seen = _gamma_gamma_by_hand(tx, "Amount")
    low, high = q - 1.96 * se[1], q + 1.96 * se[1]
    assert 1 < q < 1.1 and low < 1
    src = tmp_path / "edge.csv"
    tx.to_csv(src, index=False)
    out = tmp_path / "o"
    proc = run_captured("segment", str(src), "--amount", "Amount", "--clv", "6", "--out",
                        str(out), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    caution = ("Caution: the spend ahead is very uncertain, because a few very large orders "
               f"dominate it: the spend model expects {p * g / (q - 1):,.0f} per purchase "
               "from a customer who has bought only once, while the repeat purchases seen "
               f"average {seen:,.0f}.")  # fmt: skip
    lines = proc.stdout.split("Value ahead:\n")[1].splitlines()
    assert lines[0].startswith("  Over the next 6 months the 800 customers are expected to "
                               "spend ") and lines[1] == f"  {caution}"  # fmt: skip
    section = html.unescape(_value_section((out / "report.html").read_text(encoding="utf-8")))
    assert caution in section
    assert (f"Gamma-Gamma's q is {q:.4g} with standard error {se[1]:.3g}: its 95% interval, "
            f"{low:.3g} to {high:.3g}, reaches 1") in section
    default_proc, _, default_report = cdnow_run
    assert "very uncertain" not in default_proc.stdout + default_report
    assert "95% interval" not in default_report


def test_heavy_tailed_spend_leaves_out_the_spend_ahead_not_the_run(tmp_path: Path) -> None:
    """A tenth of the customers spend 100 times as much per purchase: Gamma-Gamma's q,
    fitted here with scipy, is below 1, so its mean spend per purchase is infinite and
    no spend ahead is defined. The run goes on: its files, the purchases and p_alive,
    no expected_value, and a warning saying why and what to do (no Python words); the
    library's customer_value gives the same p_alive with expected_value NaN, and warns."""
    tx = _heavy_tailed_shop()
    assert _gamma_gamma_q_by_hand(tx) < 1
    src = tmp_path / "heavy.csv"
    tx.to_csv(src, index=False)
    out = tmp_path / "o"
    proc = run_captured("segment", str(src), "--clv", "12", "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(out / "segments.csv")
    assert list(seg.columns[-2:]) == ["p_alive", "expected_purchases"]
    assert "expected_value" not in seg and (out / "report.html").exists()
    assert (f"Over the next 12 months the 400 customers are expected to make "
            f"{seg['expected_purchases'].sum():,.0f} purchases; what they will spend is not "
            "given") in proc.stdout  # fmt: skip
    warning = [line for line in proc.stdout.splitlines() if line.startswith("warning: No spend")]
    assert len(warning) == 1
    for words in ("so heavy-tailed", "no expected value", "Check the largest spends"):
        assert words in warning[0]
    for word in ("q =", "Gamma-Gamma", "customer_value", "rfm.", "NaN"):
        assert word not in warning[0] + proc.stderr, word
    report = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    assert warning[0].removeprefix("warning: ") in report
    # nothing else speaks of a spend ahead as if it were given
    assert ("(models: MBG/NBD for purchases, Gamma-Gamma for spend per purchase, which "
            "gives no spend ahead on these data)") in proc.stdout
    assert "not by the spend expected ahead" not in report
    assert ("Gamma-Gamma's q is at most 1 on these data: the spend per purchase then has "
            "no finite mean, so no spend ahead is given.") in report
    with pytest.warns(UndefinedSpendWarning, match=r"q = 0\.\d+ ≤ 1"):
        value = customer_value(tx, horizon_months=12).table
    assert value["expected_value"].isna().all()
    got = seg.set_index("CustomerID" if "CustomerID" in seg else "customer")
    np.testing.assert_allclose(got["p_alive"], value.loc[got.index, "p_alive"], rtol=1e-10)


def test_returns_kept_with_clv_name_the_flags_that_kept_them(tmp_path: Path) -> None:
    """Returns kept by --keep-* flags cannot go into the value models (they count
    purchases; a return is none). One line naming --clv, the flags that kept them, the
    lines worth less than 0 (counted here by hand) and what to do; no files. The
    library's run_pipeline says the same with its cleaning switches."""
    tx = make_transactions(n_customers=300, n_rows=2500, random_state=4)
    tx = tx.drop(columns="TotalAmount")
    rng = np.random.default_rng(0)
    returned = tx.iloc[rng.choice(len(tx), 30, replace=False)].assign(
        Quantity=lambda d: -d["Quantity"], InvoiceNo=lambda d: "R" + d["InvoiceNo"])
    cancelled = tx.iloc[rng.choice(len(tx), 20, replace=False)].assign(
        Quantity=lambda d: -d["Quantity"], InvoiceNo=lambda d: "C" + d["InvoiceNo"])
    lines = pd.concat([tx, returned, cancelled], ignore_index=True)
    src = tmp_path / "returns.csv"
    lines.to_csv(src, index=False)
    below = lines["Quantity"] * lines["UnitPrice"] < 0
    cancel = lines["InvoiceNo"].str.startswith("C")
    for flags, n, named, which in (
        (["--keep-cancelled", "--keep-nonpositive-quantity"], int(below.sum()),
         "--keep-cancelled and --keep-nonpositive-quantity", "those flags"),
        (["--keep-nonpositive-quantity"], int((below & ~cancel).sum()),
         "--keep-nonpositive-quantity", "that flag"),
    ):  # fmt: skip
        proc = run_captured("segment", str(src), *flags, "--scaling", "minmax", "--clv", "6",
                            "--out", str(tmp_path / "o"))  # fmt: skip
        assert_user_error(proc, (
            f"--clv: the value models count purchases, and {n:,} order lines kept by "
            f"{named} are worth less than 0 (returns or cancellations); leave out {which} "
            "to predict the value ahead, or leave out --clv."))  # fmt: skip
        assert "clean_transactions" not in proc.stderr
        assert not (tmp_path / "o").exists()
    with pytest.raises(ValueError) as caught:
        rfm.run_pipeline(lines, clv=6, scaling="minmax", cleaning={
            "drop_nonpositive_quantity": False})  # fmt: skip
    assert str(caught.value) == (
        f"clv: the value models count purchases, and {int((below & ~cancel).sum()):,} order "
        "lines kept by cleaning={'drop_nonpositive_quantity': False} are worth less than 0 "
        "(returns or cancellations); switch those rules back on to predict the value "
        "ahead, or leave out clv.")  # fmt: skip


def test_free_lines_kept_with_clv_name_the_flags_that_kept_them(tmp_path: Path) -> None:
    """Free lines (price 0) kept by --keep-nonpositive-price: on a day of their own they
    are a purchase worth 0, which the spend model refused with its own row number, or
    took into a customer's mean spend silently. Refused like returns: one line naming
    --clv, the flags that kept them and the lines worth 0 and less than 0, counted here
    by hand; no files. On Dask the count is the same."""
    tx = make_transactions(n_customers=300, n_rows=2500, random_state=4)
    tx = tx.drop(columns="TotalAmount")
    rng = np.random.default_rng(1)
    free = tx.iloc[rng.choice(len(tx), 12, replace=False)].assign(UnitPrice=0.0)
    alone = tx.iloc[[0]].assign(UnitPrice=0.0, InvoiceNo="F1",  # a day of its own
                                InvoiceDate=tx["InvoiceDate"].max() + pd.Timedelta(days=3))
    returned = tx.iloc[rng.choice(len(tx), 7, replace=False)].assign(
        Quantity=lambda d: -d["Quantity"], InvoiceNo=lambda d: "R" + d["InvoiceNo"])
    lines = pd.concat([tx, free, alone, returned], ignore_index=True)
    src = tmp_path / "free.csv"
    lines.to_csv(src, index=False)
    worth = lines["Quantity"] * lines["UnitPrice"]
    zero, below = int((worth == 0).sum()), int((worth < 0).sum())
    assert (zero, below) == (13, 7)
    for flags, said in (
        (["--keep-nonpositive-price"],
         f"{zero:,} order lines kept by --keep-nonpositive-price are worth 0 (free lines); "
         "leave out that flag"),
        (["--keep-nonpositive-price", "--keep-nonpositive-quantity"],
         f"{zero + below:,} order lines kept by --keep-nonpositive-quantity and "
         "--keep-nonpositive-price are worth 0 or less "
         f"({zero:,} free, {below:,} returns or cancellations); leave out those flags"),
    ):  # fmt: skip
        proc = run_captured("segment", str(src), *flags, "--scaling", "minmax", "--clv", "6",
                            "--out", str(tmp_path / "o"))  # fmt: skip
        assert_user_error(proc, f"--clv: the value models count purchases, and {said} to "
                          "predict the value ahead, or leave out --clv.")  # fmt: skip
        error = proc.stderr.strip().splitlines()[-1]
        assert "row " not in error and "monetary" not in error
        assert not (tmp_path / "o").exists()
    message = (f"clv: the value models count purchases, and {zero:,} order lines kept by "
               "cleaning={'drop_nonpositive_price': False} are worth 0 (free lines); switch "
               "those rules back on to predict the value ahead, or leave out clv.")  # fmt: skip
    with pytest.raises(ValueError) as caught:
        rfm.run_pipeline(lines, clv=6, scaling="minmax",
                         cleaning={"drop_nonpositive_price": False})  # fmt: skip
    assert str(caught.value) == message
    import dask.dataframe as dd

    from rfm.app.value import _refuse_nonpositive
    from rfm.settings import CleaningRules

    kept = lines[worth >= 0]
    cleaning = CleaningRules(drop_nonpositive_price=False)
    for frame in (kept, dd.from_pandas(kept, npartitions=3)):
        with pytest.raises(ValueError) as caught:
            _refuse_nonpositive(frame, TransactionColumns(), cleaning)
        assert str(caught.value) == message


def test_a_model_for_the_value_ahead_without_clv_is_refused(tmp_path: Path) -> None:
    """--clv-model chooses the purchase model of --clv; without --clv it did nothing,
    silently (exit 0), while --holdout without --clv is refused. Now refused the same
    way, with either model, before any file is read; the library likewise refuses
    clv_model without clv (also when given to replace beside clv=None), and a run with
    clv alone fits MBG/NBD."""
    src = tmp_path / "orders.csv"
    make_transactions(n_customers=300, n_rows=2500, random_state=4).to_csv(src, index=False)
    for model in ("bgnbd", "mbgnbd"):
        proc = run_captured("segment", str(src), "--clv-model", model, "--out",
                            str(tmp_path / "o"))  # fmt: skip
        assert_user_error(proc, "--clv-model chooses the purchase model of the value "
                          "predictions: it needs --clv MONTHS.")  # fmt: skip
        assert "reading" not in proc.stderr and not (tmp_path / "o").exists()
        message = ("clv_model chooses the purchase model of the value ahead: it needs clv "
                   "(months).")  # fmt: skip
        with pytest.raises(ValueError) as caught:
            rfm.run_pipeline(pd.read_csv(src), clv_model=model)
        assert str(caught.value) == message
        with pytest.raises(ValueError) as caught:
            rfm.Settings(clv=6).replace(clv=None, clv_model=model)
        assert str(caught.value) == message
    assert rfm.Settings(clv=6).purchase_model == "mbgnbd"
    assert rfm.Settings().clv_model is None
