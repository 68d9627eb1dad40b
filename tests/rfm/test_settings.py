"""One set of defaults: rfm.Settings, the rfmseg flags and every library function agree."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rfm
from rfm.app.cli import build_parser, settings_of
from rfm.datasets import make_transactions
from rfm.settings import CleaningRules, Settings


def _default(func, name: str):
    return inspect.signature(func).parameters[name].default


def test_the_commands_defaults_are_the_settings_defaults() -> None:
    args = build_parser().parse_args(["segment", "orders.csv"])
    assert settings_of(args, rfm.TransactionColumns()) == Settings()


def test_every_library_function_defaults_like_the_settings() -> None:
    s = Settings()
    assert s.rules == "ladder" and s.ties == "thresholds" and s.scaling == "log-minmax"
    assert s.k == "auto" and s.snapshot == "max+1d" and s.random_state == 0
    assert _default(rfm.rfm_scores, "ties") == s.ties
    assert _default(rfm.segment, "rules") == s.rules
    assert _default(rfm.check_rules, "rules") == s.rules
    assert _default(rfm.migration, "rules") == s.rules
    assert _default(rfm.migration, "ties") == s.ties
    assert _default(rfm.cluster, "scaling") == s.scaling
    assert _default(rfm.cluster, "k") == s.k
    assert _default(rfm.rfm_table, "snapshot") == s.snapshot
    # column roles: the same names everywhere (the invoice included)
    cols = s.columns
    for func in (rfm.rfm_table, rfm.clean_transactions):
        assert _default(func, "customer") == cols.customer
        assert _default(func, "invoice") == cols.invoice
        assert _default(func, "date") == cols.date
    # cleaning: clean_transactions' switches default as CleaningRules
    for name, on in CleaningRules().row_rules().items():
        assert _default(rfm.clean_transactions, name) == on, name
    assert CleaningRules().drop_duplicates is False
    # the run's own rule, beyond clean_transactions: a totals row is left out
    assert set(CleaningRules().as_dict()) - set(CleaningRules().row_rules()) == {
        "drop_totals_row"}
    assert CleaningRules().drop_totals_row is True


def test_settings_check_their_input() -> None:
    with pytest.raises(TypeError, match="TransactionColumns"):
        Settings(columns={"customer": "id"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown cleaning rule"):
        Settings(cleaning={"drop_everything": True})
    with pytest.raises(TypeError, match="unknown setting"):
        Settings().replace(amount="TotalAmount")
    assert Settings(cleaning={"drop_cancelled": False}).cleaning == CleaningRules(
        drop_cancelled=False
    )


#: (field, bad value, error, message written out by hand, the run's own check of it)
BAD_FIELDS = [
    ("k", "many", ValueError, "k must be 'auto' or an integer >= 2, got 'many'.",
     lambda v: rfm.cluster(pd.DataFrame({"recency": [1, 2, 3], "frequency": [1, 2, 3],
                                         "monetary": [1.0, 2.0, 3.0]}), k=v)),
    ("k", 1, ValueError, "k must be at least 2 to form segments, got 1.", None),
    ("k", 4.0, TypeError, "k must be 'auto' or an integer >= 2, got 4.0.", None),
    ("scaling", "z", ValueError,
     "scaling must be one of ('zscore', 'minmax', 'log-minmax'), got 'z'.",
     lambda v: rfm.cluster(pd.DataFrame({"recency": [1, 2, 3], "frequency": [1, 2, 3],
                                         "monetary": [1.0, 2.0, 3.0]}), scaling=v)),
    ("rules", "nope", ValueError,
     "unknown rule set 'nope'; built-in sets are ['codes', 'customer-types', 'ladder', "
     "'rfm'], or pass your own list of (name, ranges, action).",
     lambda v: rfm.check_rules(v)),
    ("ties", "x", ValueError, "ties must be one of ('first', 'thresholds'), got 'x'.",
     lambda v: rfm.rfm_scores(pd.DataFrame({"recency": [1, 2], "frequency": [1, 2],
                                            "monetary": [1.0, 2.0]}), q=2, ties=v)),
    ("snapshot", "yesterday", ValueError,
     "snapshot 'yesterday' is neither 'max+1d', 'max' nor a date that parses (", None),
    ("snapshot", 3, TypeError,
     "snapshot must be 'max+1d', 'max' or a date (str, datetime, Timestamp), got int.", None),
    ("random_state", -1, ValueError, "random_state must be >= 0, got -1.", None),
    ("random_state", "0", TypeError, "random_state must be an int, got '0'.", None),
    ("compare_to", "nope", ValueError,
     "compare_to must be a date such as '2024-06-30', got 'nope'.", None),
]  # fmt: skip


@pytest.mark.parametrize(("field", "value", "error", "message", "run_check"), BAD_FIELDS)
def test_every_field_is_checked_when_the_settings_are_made(field, value, error, message,
                                                           run_check) -> None:  # fmt: skip
    """A bad k, scaling, rules, ties, snapshot, random_state or compare_to fails when the
    Settings are made (and by replace, and by run_pipeline's keywords), with the message
    the run gives (they were taken until the run)."""
    for make in (lambda: Settings(**{field: value}), lambda: Settings().replace(**{field: value}),
                 lambda: rfm.run_pipeline(pd.DataFrame(), **{field: value})):  # fmt: skip
        with pytest.raises(error) as caught:
            make()
        assert str(caught.value).startswith(message), str(caught.value)
    if run_check is not None:  # the function the run calls says the same
        with pytest.raises(error) as caught:
            run_check(value)
        assert str(caught.value) == message


def test_good_fields_are_kept_as_given() -> None:
    s = Settings(k=4, scaling="zscore", rules="codes", ties="first", snapshot="2011-12-10",
                 random_state=3, compare_to="2011-06-30")  # fmt: skip
    assert (s.k, s.scaling, s.rules, s.ties, s.snapshot, s.random_state, s.compare_to) == (
        4, "zscore", "codes", "first", "2011-12-10", 3, "2011-06-30")
    assert s.q == 4
    assert Settings(snapshot=pd.Timestamp("2011-12-10"), k=np.int64(3)).k == 3
    assert Settings(rules="codes").q == 4 and Settings().q == 5


def test_switching_the_value_ahead_off_clears_what_only_serves_it() -> None:
    """replace(clv=None) switches the value ahead off: the purchase model and the holdout
    it was given go with it (they would be refused without clv), and are kept the same
    as the defaults; given in the same call without clv, they are still refused."""
    on = Settings(clv=6, clv_model="bgnbd", holdout_days=91, k=4)
    off = on.replace(clv=None)
    assert (off.clv, off.clv_model, off.holdout_days, off.k) == (None, None, None, 4)
    assert off == Settings(k=4)
    assert on.replace(clv=12) == Settings(clv=12, clv_model="bgnbd", holdout_days=91, k=4)
    for kept in ({"clv_model": "bgnbd"}, {"holdout_days": 91}):
        with pytest.raises(ValueError, match="needs clv"):
            on.replace(clv=None, **kept)
    assert on.replace(clv=None, clv_model=None, holdout_days=None) == off


def test_column_keywords_are_refused_with_the_way_to_name_columns() -> None:
    tx = make_transactions(n_customers=50, n_rows=300, random_state=1)
    with pytest.raises(TypeError, match=r"unknown setting\(s\) \['amount'\]"):
        rfm.run_pipeline(tx, amount="TotalAmount")


def test_library_and_command_give_the_same_run_by_default(cli, tmp_path: Path) -> None:
    """run_pipeline with no settings and `rfmseg segment FILE` with no flags: the same
    customers, scores, segments, clusters, personas and actions."""
    tx = make_transactions(n_customers=400, n_rows=3000, random_state=3)
    # the UCI names: quantity × price is the money, as the default columns say
    tx = tx.assign(Quantity=1, UnitPrice=tx["TotalAmount"]).drop(columns="TotalAmount")
    src = tmp_path / "orders.csv"
    tx.to_csv(src, index=False)
    proc = cli("segment", str(src), "--out", str(tmp_path / "out"), "-q")
    assert proc.returncode == 0, proc.stderr
    from_cli = pd.read_csv(tmp_path / "out" / "segments.csv").set_index("customer")
    res = rfm.run_pipeline(tx)
    assert res.clusters.k == from_cli["cluster"].nunique()
    lib = res.scores.join(res.segments[["segment"]])
    lib = lib.assign(cluster=res.clusters.labels, persona=res.clusters.labels.map(res.personas),
                     action=res.actions.astype(str))  # fmt: skip
    lib = lib.sort_index()
    from_cli = from_cli.sort_index()
    assert list(lib.index) == list(from_cli.index)
    for col in ("r_score", "f_score", "m_score", "segment", "cluster", "persona", "action"):
        assert lib[col].tolist() == from_cli[col].tolist(), col


def test_library_and_command_take_the_money_from_the_same_column(cli, tmp_path: Path) -> None:
    """A table with TotalAmount beside Quantity and UnitPrice (here a discounted total, so
    the two differ): rfmseg, rfm_table and run_pipeline all take TotalAmount, by the one
    money rule; the monetary values are summed here by hand from the file."""
    tx = make_transactions(n_customers=300, n_rows=3000, random_state=0)
    tx = tx[["CustomerID", "InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice"]].copy()
    discount = np.where(tx["Quantity"] >= 3, 0.5, 1.0)
    tx["TotalAmount"] = (tx["Quantity"] * tx["UnitPrice"] * discount).round(2)
    src = tmp_path / "orders.csv"
    tx.to_csv(src, index=False)
    proc = cli("segment", str(src), "--out", str(tmp_path / "out"), "-q")
    assert proc.returncode == 0, proc.stderr
    from_cli = pd.read_csv(tmp_path / "out" / "segments.csv").set_index("customer").sort_index()
    by_hand = tx.groupby("CustomerID")["TotalAmount"].sum().sort_index()
    res = rfm.run_pipeline(tx)
    assert res.columns.money == ("TotalAmount",)
    np.testing.assert_allclose(res.rfm["monetary"].sort_index(), by_hand, rtol=1e-12)
    np.testing.assert_allclose(rfm.rfm_table(tx)["monetary"].sort_index(), by_hand, rtol=1e-12)
    np.testing.assert_allclose(from_cli["monetary"], by_hand.to_numpy(), rtol=1e-11)
    lib = res.scores.join(res.segments[["segment"]]).sort_index()
    for col in ("m_score", "segment"):
        assert lib[col].tolist() == from_cli[col].tolist(), col
    # quantity × price named, by the user, even under the default names: it is the money,
    # from the library and from the command's --quantity/--price alike
    q_times_p = (tx["Quantity"] * tx["UnitPrice"]).groupby(tx["CustomerID"]).sum().sort_index()
    named = rfm.run_pipeline(tx, columns=rfm.TransactionColumns(quantity="Quantity",
                                                                price="UnitPrice"))
    assert named.columns.money == ("Quantity", "UnitPrice")
    np.testing.assert_allclose(named.rfm["monetary"].sort_index(), q_times_p, rtol=1e-12)
    proc = cli("segment", str(src), "--out", str(tmp_path / "qp"), "-q", "--quantity",
               "Quantity", "--price", "UnitPrice")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    flagged = pd.read_csv(tmp_path / "qp" / "segments.csv").set_index("customer").sort_index()
    np.testing.assert_allclose(flagged["monetary"], q_times_p.to_numpy(), rtol=1e-11)


def test_an_amount_alone_needs_no_quantity_or_price_columns() -> None:
    """README's TransactionColumns(amount="TotalAmount") on a table without Quantity and
    UnitPrice: the cleaning rules that need them are off, the money is the amount."""
    tx = make_transactions(n_customers=100, n_rows=1000, random_state=0)
    only = tx[["CustomerID", "InvoiceNo", "InvoiceDate", "TotalAmount"]]
    res = rfm.run_pipeline(only, columns=rfm.TransactionColumns(amount="TotalAmount"), k=3)
    by_hand = only.groupby("CustomerID")["TotalAmount"].sum()
    np.testing.assert_allclose(res.rfm["monetary"].sort_index(), by_hand.sort_index())
    assert set(res.cleaning["rule"]) >= {"nonpositive_amount"}
    assert not set(res.cleaning["rule"]) & {"nonpositive_quantity", "nonpositive_price"}
    clean, report = rfm.clean_transactions(only, amount="TotalAmount")
    assert len(clean) == len(only) and "nonpositive_quantity" not in set(report["rule"])
    # a quantity named otherwise must exist
    with pytest.raises(ValueError, match="Qty"):
        rfm.clean_transactions(only, amount="TotalAmount", quantity="Qty")


def test_ids_read_as_numbers_give_the_command_lines_clusters(cli, tmp_path: Path) -> None:
    """The command reads ids as text (zero-padded ids stay whole), pandas as numbers: the
    customers then come in another order ("10" < "9" as text), which must not change k,
    the clusters or the personas."""
    tx = make_transactions(n_customers=300, n_rows=3000, random_state=0)
    tx = tx[["CustomerID", "InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice"]]
    tx = tx.assign(CustomerID=tx["CustomerID"].str[1:].astype(int))
    src = tmp_path / "orders.csv"
    tx.to_csv(src, index=False)
    proc = cli("segment", str(src), "--out", str(tmp_path / "out"), "-q")
    assert proc.returncode == 0, proc.stderr
    from_cli = pd.read_csv(tmp_path / "out" / "segments.csv").set_index("customer").sort_index()
    res = rfm.run_pipeline(pd.read_csv(src, parse_dates=["InvoiceDate"]))
    assert res.rfm.index.dtype.kind == "i"  # ids as numbers here
    assert res.clusters.k == from_cli["cluster"].nunique()
    lib = pd.DataFrame({"cluster": res.clusters.labels,
                        "persona": res.clusters.labels.map(res.personas)}).sort_index()
    assert lib["cluster"].tolist() == from_cli["cluster"].tolist()
    assert lib["persona"].tolist() == from_cli["persona"].tolist()


def test_the_api_reference_lists_every_field_with_its_default() -> None:
    """docs/API.md writes Settings' signature out: every field, in order, with its
    default (it once left out clv, clv_model and holdout_days)."""
    import dataclasses
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "API.md").read_text(encoding="utf-8")
    written = re.search(r"`Settings\((.*?)\)` \(frozen", text).group(1)
    expected = []
    for f in dataclasses.fields(Settings):
        if f.default is not dataclasses.MISSING:
            expected.append(f"{f.name}={f.default!r}".replace("'", '"'))
        else:  # a default factory: written as the call that makes it
            expected.append(f"{f.name}={f.default_factory.__name__}()")
    assert written == ", ".join(expected)
