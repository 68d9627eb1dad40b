"""Each error names what the called function takes: run_pipeline its ``columns=`` and
settings, rfm.clv.summary its ``columns=``, migration its own keywords, cluster its ``k``;
rfm_table and clean_transactions keep their keyword advice, and rfmseg its flags.

Every expected message is written out by hand.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rfm
from rfm.clv import summary
from rfm.datasets import make_transactions

COLUMNS_FOUND = "['cust', 'InvoiceNo', 'InvoiceDate', 'Quantity', 'UnitPrice']"


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    frame = make_transactions(n_customers=50, n_rows=400, random_state=0)
    return frame[["CustomerID", "InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice"]]


def _quiet_run(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # unstable clusters on tiny data
        return rfm.run_pipeline(*args, **kwargs)


def test_run_pipeline_names_columns_for_a_missing_column(tx) -> None:
    renamed = tx.rename(columns={"CustomerID": "cust"})
    with pytest.raises(ValueError) as caught:
        rfm.run_pipeline(renamed)
    assert str(caught.value) == (
        f"transactions is missing column(s) ['CustomerID']; columns found: {COLUMNS_FOUND}. "
        "Name the right ones with columns=rfm.TransactionColumns(customer='<column>')."
    )
    # doing what it says
    done = _quiet_run(renamed, columns=rfm.TransactionColumns(customer="cust"), k=3)
    assert len(done.rfm) == tx["CustomerID"].nunique()
    # rfm_table given keywords keeps its advice; given columns= it names columns=
    with pytest.raises(ValueError, match=r"\. Pass the right names as keyword arguments\.$"):
        rfm.rfm_table(renamed)
    with pytest.raises(ValueError, match=r"\. Name the right ones with "
                       r"columns=rfm\.TransactionColumns\(customer='<column>'\)\.$"):
        rfm.rfm_table(renamed, columns=rfm.TransactionColumns())
    with pytest.raises(ValueError, match=r"\. Pass the right names as keyword arguments\.$"):
        rfm.clean_transactions(renamed)


def test_run_pipeline_names_invoice_none_in_columns(tx) -> None:
    gap = tx.copy()
    gap.loc[3, "InvoiceNo"] = np.nan
    with pytest.raises(ValueError) as caught:
        rfm.run_pipeline(gap)
    assert str(caught.value) == (
        "invoice column 'InvoiceNo' has 1 missing value(s); fill or drop them, or pass "
        "columns=rfm.TransactionColumns(invoice=None) to count purchase days."
    )
    done = _quiet_run(gap, columns=rfm.TransactionColumns(invoice=None), k=3)
    assert done.columns.invoice is None
    with pytest.raises(ValueError, match=r"fill or drop them, or pass invoice=None to count"):
        rfm.rfm_table(gap)
    # a missing default invoice column: invoice= inside columns=
    no_invoice = tx.drop(columns="InvoiceNo")
    with pytest.raises(ValueError, match=r"Name the right ones with columns=rfm\."
                       r"TransactionColumns\(invoice='<column>'\) \(or invoice=None: an order "
                       r"is then a customer's purchase day\)\.$"):
        rfm.run_pipeline(no_invoice)


def test_run_pipeline_names_the_rule_sets_scale_not_q(tx) -> None:
    three = tx[tx["CustomerID"].isin(tx["CustomerID"].unique()[:3])]
    with pytest.raises(ValueError) as caught:
        rfm.run_pipeline(three)
    assert str(caught.value) == (
        "3 customer(s) cannot fill 5 score levels; the scores run on the scale of the "
        "rule set (rules='codes': 4 levels, the other built-in sets 5): give at least 5 "
        "customers."
    )
    four = tx[tx["CustomerID"].isin(tx["CustomerID"].unique()[:4])]
    with pytest.raises(ValueError, match=r"give at least 5 customers, or rules='codes' "
                       r"\(4 levels\)\.$"):
        rfm.run_pipeline(four)
    # rfm_scores takes q: its message names q
    with pytest.raises(ValueError, match=r"use a smaller q or more customers"):
        rfm.rfm_scores(rfm.rfm_table(three), q=5)


@pytest.mark.parametrize(
    ("k", "error", "message"),
    [
        (0, ValueError, "k must be at least 2 to form segments, got 0."),
        (1, ValueError, "k must be at least 2 to form segments, got 1."),
        (4.0, TypeError, "k must be 'auto' or an integer >= 2, got 4.0."),
        (True, TypeError, "k must be 'auto' or an integer >= 2, got True."),
        ("5", ValueError, "k must be 'auto' or an integer >= 2, got '5'."),
    ],
)
def test_k_is_named_k(tx, k, error, message) -> None:
    with pytest.raises(error) as caught:
        rfm.run_pipeline(tx, k=k)
    assert str(caught.value) == message
    table = rfm.rfm_table(tx)
    with pytest.raises(error) as caught:
        rfm.cluster(table, k=k)
    assert str(caught.value) == message


def test_cluster_names_k_for_too_many_clusters() -> None:
    table = pd.DataFrame({"recency": [1, 5, 9, 20], "frequency": [3, 2, 1, 7],
                          "monetary": [10.0, 20.0, 30.0, 5.0]})  # fmt: skip
    for k in (4, 5):
        with pytest.raises(ValueError) as caught:
            rfm.cluster(table, k=k)
        assert str(caught.value) == (
            f"k={k} is too many clusters for the 4 customers; give k=3 or fewer, or k='auto'."
        )


def test_a_cleaning_that_removes_everything_names_the_switch_as_taken(tx) -> None:
    """One plain message, in the caller's terms: what each rule removed (counted by hand
    with pandas) from which column, and the switch that keeps those rows; for rows
    without a customer id no switch helps, so the customer column is what it names."""
    cancelled = tx.assign(InvoiceNo="C" + tx["InvoiceNo"].astype(str))
    said = (f"clean_transactions removed every row, so nothing is left to analyse: "
            f"{len(tx):,} row(s) cancelled, their invoice number in 'InvoiceNo' starting "
            "with C (rule cancelled). Keep those rows with ")
    with pytest.raises(ValueError) as caught:
        rfm.run_pipeline(cancelled)
    assert str(caught.value) == (said + "cleaning={'drop_cancelled': False}; or check the "
                                 "column names.")
    with pytest.raises(ValueError) as caught:
        rfm.clean_transactions(cancelled)
    assert str(caught.value) == said + "drop_cancelled=False; or check the column names."
    assert "\n" not in str(caught.value)  # no table dumped
    done = _quiet_run(cancelled, cleaning={"drop_cancelled": False}, k=3)
    assert done.settings["rows_clean"] > 0
    # every id missing, and the returns of the others
    guests = tx.assign(CustomerID=np.where(tx.index % 2 == 0, None, tx["CustomerID"]),
                       Quantity=-tx["Quantity"].abs())  # fmt: skip
    n_guests = int(guests["CustomerID"].isna().sum())
    with pytest.raises(ValueError) as caught:
        rfm.run_pipeline(guests)
    assert str(caught.value) == (
        f"clean_transactions removed every row, so nothing is left to analyse: {n_guests:,} "
        "row(s) without a customer id in 'CustomerID' (rule missing_customer); "
        f"{len(tx) - n_guests:,} row(s) with a quantity of 0 or less, or none, in 'Quantity' "
        "(rule nonpositive_quantity). Keep those rows with cleaning={'drop_nonpositive_"
        "quantity': False}; or check that 'CustomerID' is the customer column (or pass "
        "columns=rfm.TransactionColumns(customer='<column>'))."
    )


def test_clv_summary_names_columns_and_no_allow_negative(cdnow_sample_path: Path) -> None:
    cd = rfm.datasets.load_cdnow(cdnow_sample_path)
    with pytest.raises(ValueError) as caught:
        summary(cd)
    assert str(caught.value).startswith(
        "cannot tell how much each line is worth: pass "
        "columns=rfm.TransactionColumns(amount='<column>') or "
        "columns=rfm.TransactionColumns(quantity='<column>', price='<column>') (no "
        "TotalAmount column and no Quantity/UnitPrice pair found; columns found: "
    )
    cols = rfm.TransactionColumns(customer="customer", invoice=None, date="date",
                                  amount="amount", quantity=None, price=None)  # fmt: skip
    negative = cd.assign(amount=cd["amount"] - 20)
    n_negative = int((negative["amount"] < 0).sum())
    with pytest.raises(ValueError) as caught:
        summary(negative, columns=cols)
    assert str(caught.value) == (
        f"column 'amount' has {n_negative} negative line amount(s) (returns or "
        "cancellations?). Remove them with clean_transactions."
    )
    # rfm_table takes allow_negative: it keeps offering it
    with pytest.raises(ValueError, match=r"or pass allow_negative=True to let them"):
        rfm.rfm_table(negative, customer="customer", invoice=None, date="date",
                      amount="amount")  # fmt: skip
    # doing what it says
    assert len(summary(cd, columns=rfm.TransactionColumns(customer="customer", date="date",
                                                         amount="amount"))) > 0  # fmt: skip


def test_migration_names_its_own_keywords(tx) -> None:
    with pytest.raises(TypeError) as caught:
        rfm.migration(tx, before="2024-12-31", after="2025-06-30", custmer="CustomerID")
    assert str(caught.value) == (
        "migration() got unexpected keyword argument(s) ['custmer']; besides before, after, "
        "q, ties and rules it takes rfm_table's customer, date, invoice, amount, quantity, "
        "price, columns, allow_negative, backend."
    )


def test_the_command_keeps_naming_its_flags(cli, tmp_path: Path, tx, dask_address: str) -> None:
    """rfmseg translates the library's advice into flags: the same lines as before. (On
    Dask, on the cluster the Dask tests share: the message names the file, whichever
    cluster runs it.)"""
    three = tx[tx["CustomerID"].isin(tx["CustomerID"].unique()[:3])]
    src = tmp_path / "three.csv"
    three.to_csv(src, index=False)
    proc = cli("segment", str(src), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "rfmseg: error: 3 customer(s) cannot fill 5 score levels; --rules codes needs 4 "
        "customers, the others 5."
    )
    cancelled = tmp_path / "cancelled.csv"
    tx.assign(InvoiceNo="C" + tx["InvoiceNo"].astype(str)).to_csv(cancelled, index=False)
    proc = cli("segment", str(cancelled), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last == (f"rfmseg: error: cleaning removed every order line: {len(tx):,} "
                    "cancelled, their invoice number in 'InvoiceNo' starting with C "
                    "(--keep-cancelled keeps them)."), last
    # a missing invoice number: no Python call, the fix is in the file
    gap = tmp_path / "gap.csv"
    tx.assign(InvoiceNo=tx["InvoiceNo"].astype(str).where(tx.index != 3, "")).to_csv(
        gap, index=False)
    for args, where in (((), ""), (("--dask", dask_address), "gap.csv: ")):
        proc = cli("segment", str(gap), "--out", str(tmp_path / "o"), *args)
        assert proc.returncode == 2
        assert proc.stderr.strip().splitlines()[-1] == (
            f"rfmseg: error: {where}invoice column 'InvoiceNo' has 1 missing value(s); fill "
            "them in, or drop those lines from the file."), proc.stderr


def test_a_cleaning_that_removes_every_line_names_only_flags_that_keep_them(
    cli, tmp_path: Path, dask_address: str
) -> None:
    """rfmseg: one line, no table and no Python name, counting what each rule removed
    (counted by hand below); lines without a customer id name the column read as the id
    and --customer, and no --keep-* flag (none keeps them usefully); amounts that are
    empty or 0 or less name --keep-nonpositive-amount, which exists (see --help), and not
    the quantity and price flags of another kind of file. The same in memory and on Dask
    (the cluster the Dask tests share: the cleaning and its message are the same on any)."""
    guests = tmp_path / "guests.csv"
    guests.write_text("InvoiceNo,CustomerID,InvoiceDate,Amount\n1,,2024-01-02,5\n"
                      "2,,2024-01-03,7\n", encoding="utf-8")  # fmt: skip
    amounts = tmp_path / "amounts.csv"
    amounts.write_text("Order,Client,Day,Total\nA1,x,2024-01-02,0\nA2,y,2024-01-03,\n"
                       "A3,z,2024-01-04,-2.5\n", encoding="utf-8")  # fmt: skip
    expected = {
        guests: "2 without a customer id in 'CustomerID' ('CustomerID' is the column read "
                "as the customer id; --customer COL reads the ids from another).",
        amounts: "3 with an amount of 0 or less, or none, in 'Total' "
                 "(--keep-nonpositive-amount keeps those of 0 or less).",
    }  # fmt: skip
    assert "--keep-nonpositive-amount" in cli("segment", "--help").stdout
    for src, said in expected.items():
        roles = ("--customer", "Client", "--invoice", "Order", "--date", "Day", "--amount",
                 "Total") if src == amounts else ()  # fmt: skip
        for dask in ((), ("--dask", dask_address)):
            proc = cli("segment", str(src), *roles, *dask, "--out", str(tmp_path / "o"))
            assert proc.returncode == 2, proc.stderr
            lines = proc.stderr.strip().splitlines()
            assert lines[-1] == f"rfmseg: error: cleaning removed every order line: {said}"
            assert not any("rows_removed" in line or "clean_transactions" in line
                           for line in lines)  # fmt: skip
    # the flag it names does keep those lines: kept, they are then refused for what
    # they are (an empty amount), not for being removed
    proc = cli("segment", str(amounts), "--customer", "Client", "--invoice", "Order",
               "--date", "Day", "--amount", "Total", "--keep-nonpositive-amount",
               "--out", str(tmp_path / "o"))  # fmt: skip
    assert "removed every order line" not in proc.stderr
    assert "'Total' has 1 missing value(s)" in proc.stderr.strip().splitlines()[-1]
    # apply cleans as the model's run did, and takes no --customer or --keep-* flag
    good = tmp_path / "good.csv"
    good.write_text("InvoiceNo,CustomerID,InvoiceDate,Amount\n" + "".join(
        f"{i},{c},2024-0{1 + i % 6}-1{i % 10},{10 + 3 * i}\n"
        for i, c in enumerate("abcdefghijabcdefabc")), encoding="utf-8")  # fmt: skip
    model = tmp_path / "m.json"
    proc = cli("segment", str(good), "--k", "2", "--save-model", str(model), "--out",
               str(tmp_path / "m"), "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = cli("apply", str(model), str(guests), "--out", str(tmp_path / "a"))
    assert proc.stderr.strip().splitlines()[-1] == (
        "rfmseg: error: cleaning removed every order line: 2 without a customer id in "
        "'CustomerID'; the model reads the file with the columns and cleaning rules of the "
        "run that saved it.")


def test_on_dask_the_same_messages_name_columns(tx) -> None:
    dd = pytest.importorskip("dask.dataframe")
    renamed = dd.from_pandas(tx.rename(columns={"CustomerID": "cust"}), npartitions=2)
    expected = (f"transactions is missing column(s) ['CustomerID']; columns found: "
                f"{COLUMNS_FOUND}. Name the right ones with "
                "columns=rfm.TransactionColumns(customer='<column>').")  # fmt: skip
    for call in (lambda: rfm.run_pipeline(renamed),
                 lambda: rfm.clean_transactions(renamed, columns=rfm.TransactionColumns()),
                 lambda: rfm.rfm_table(renamed, columns=rfm.TransactionColumns())):  # fmt: skip
        with pytest.raises(ValueError) as caught:
            call()
        assert str(caught.value) == expected
    gap = tx.assign(InvoiceNo=tx["InvoiceNo"].where(tx.index != 3, None))
    with pytest.raises(ValueError, match=r"has 1 missing value\(s\); fill or drop them, or "
                       r"pass columns=rfm\.TransactionColumns\(invoice=None\) to count"):
        rfm.run_pipeline(dd.from_pandas(gap, npartitions=2))


def _with_a_big_return(tx: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """``tx`` and a cancelled return line whose customer's spend ends below 0."""
    who = tx["CustomerID"].iloc[0]
    spend = float((tx.loc[tx["CustomerID"] == who, "Quantity"]
                   * tx.loc[tx["CustomerID"] == who, "UnitPrice"]).sum())  # fmt: skip
    line = tx.iloc[[0]].assign(InvoiceNo="C999999", Quantity=-1, UnitPrice=spend + 50.0)
    return pd.concat([tx, line], ignore_index=True), who


def test_kept_returns_under_the_default_scaling_name_the_scalings_that_take_them(tx) -> None:
    returns, who = _with_a_big_return(tx)
    keep = {"drop_nonpositive_quantity": False, "drop_cancelled": False}
    with pytest.raises(ValueError) as caught:
        rfm.run_pipeline(returns, cleaning=keep)
    assert str(caught.value) == (
        "scaling='log-minmax' needs non-negative values but column(s) ['monetary'] have "
        "negative ones; clean returns first, or use scaling='minmax' or scaling='zscore', "
        "which take negative values."
    )
    # doing what it says: both scalings take the negative spend (-50, by construction)
    for scaling in ("minmax", "zscore"):
        done = _quiet_run(returns, cleaning=keep, scaling=scaling, k=3)
        assert done.rfm.loc[who, "monetary"] == pytest.approx(-50.0)


def test_kept_returns_name_the_scaling_flag_from_the_command_line(cli, tmp_path: Path,
                                                                  tx) -> None:  # fmt: skip
    returns, _ = _with_a_big_return(tx)
    src = tmp_path / "returns.csv"
    returns.to_csv(src, index=False)
    flags = ("--keep-nonpositive-quantity", "--keep-cancelled", "--out", str(tmp_path / "o"))
    proc = cli("segment", str(src), *flags)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "rfmseg: error: --scaling log-minmax needs non-negative values but some customers "
        "spent less than nothing (their returns outweigh their purchases); drop the returns "
        "(leave out the "
        "--keep-nonpositive-* flags), or use --scaling minmax or --scaling zscore, which take "
        "negative values."
    )
    assert cli("segment", str(src), *flags, "--scaling", "minmax", "-q").returncode == 0
    helped = cli("segment", "--help").stdout
    flat = re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(helped.split()))  # (log-\nminmax)
    for flag in ("--keep-nonpositive-quantity", "--keep-nonpositive-price",
                 "--keep-nonpositive-amount"):  # fmt: skip
        after = flat[flat.index(f"{flag} keep"):]
        own = after[:after.index(")") + 1]  # the flag's help, to its closing parenthesis
        assert own.endswith("which can then be negative: the default --scaling log-minmax "
                            "refuses that, add --scaling minmax or --scaling zscore)"), own


def test_the_librarys_warnings_name_the_flag_on_the_command_line() -> None:
    """A library warning that advises a keyword (the k choice's "try
    scaling='log-minmax'") reaches the console with the flag instead; each warning once,
    on one line, and none the summary already shows."""
    import warnings

    from rfm.app.cli import _say_warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hint = ("no k in [2, 3] gives clusters of at least 5% of the customers (k=2: smallest "
                "1.0%); kept the elbow's k=2. Heavy-tailed data separates a few extreme\n"
                "customers: try scaling='log-minmax'.")  # fmt: skip
        warnings.warn(hint, UserWarning, stacklevel=1)
        warnings.warn(hint, UserWarning, stacklevel=1)
        warnings.warn("shown by the summary", UserWarning, stacklevel=1)
    said: list[str] = []
    _say_warnings(said.append, caught, {"shown by the summary"})
    assert said == [
        "warning: no k in [2, 3] gives clusters of at least 5% of the customers (k=2: "
        "smallest 1.0%); kept the elbow's k=2. Heavy-tailed data separates a few extreme "
        "customers: try --scaling log-minmax."]
