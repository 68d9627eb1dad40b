"""The rfmseg command end to end, run in process: files, columns, exit codes, messages."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from _cli import OUTPUTS, SEGMENTS_COLUMNS, assert_user_error

from rfm.datasets import make_transactions


def test_demo_small_writes_every_file(cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = cli("demo", "--customers", "300", "--rows", "3000", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    seg = pd.read_csv(out / "segments.csv")
    assert list(seg.columns) == SEGMENTS_COLUMNS
    # an independent groupby of the same generated data
    tx = make_transactions(n_customers=300, n_rows=3000, random_state=0)
    g = tx.groupby("CustomerID")
    ref = pd.DataFrame({"frequency": g["InvoiceNo"].nunique(), "monetary": g["TotalAmount"].sum()})
    seg = seg.set_index("customer").sort_index()
    assert list(seg.index) == list(ref.index)
    assert (seg["frequency"] == ref["frequency"]).all()
    pd.testing.assert_series_equal(seg["monetary"], ref["monetary"], check_names=False, rtol=1e-9)
    prof = pd.read_csv(out / "profile.csv", index_col="cluster")
    assert prof["customers"].sum() == len(seg)
    assert set(prof["persona"]) == set(seg["persona"])
    # cluster -> persona is one-to-one
    assert (seg.groupby("cluster")["persona"].nunique() == 1).all()
    val = pd.read_csv(out / "validation.csv")
    assert {
        "silhouette",
        "anova_F",
        "calinski_harabasz",
        "davies_bouldin",
        "stability_mean_ari",
    } <= set(val["metric"])
    assert val.loc[val["metric"] == "silhouette", "value"].iloc[0] == pytest.approx(
        seg["silhouette"].mean(), abs=1e-9
    )
    elbow = pd.read_csv(out / "elbow.csv")
    assert list(elbow.columns) == ["k", "inertia", "drop", "drop_pct", "suggested"]
    assert "customers" in proc.stdout and "Personas" in proc.stdout


def test_demo_progress_on_stderr_and_fixed_k(cli, tmp_path: Path) -> None:
    proc = cli(
        "demo",
        "--customers",
        "200",
        "--rows",
        "1500",
        "--out",
        str(tmp_path),
        "--k",
        "4",
        "--scaling",
        "minmax",
        "--rules",
        "codes",
    )
    assert proc.returncode == 0, proc.stderr
    assert "rfmseg: " in proc.stderr and "clustering" in proc.stderr
    assert "k = 4 clusters" in proc.stdout
    seg = pd.read_csv(tmp_path / "segments.csv")
    assert seg["cluster"].nunique() == 4
    assert seg[["r_score", "f_score", "m_score"]].max().max() == 4  # quartiles for "codes"


def test_segment_with_column_flags(cli, tmp_path: Path) -> None:
    tx = make_transactions(n_customers=150, n_rows=1200, random_state=5)
    tx = tx.rename(
        columns={
            "CustomerID": "client",
            "InvoiceNo": "ticket",
            "InvoiceDate": "when",
            "TotalAmount": "spend",
        }
    )
    src = tmp_path / "orders.csv.gz"
    tx[["client", "ticket", "when", "spend"]].to_csv(src, index=False)
    out = tmp_path / "out"
    proc = cli(
        "segment",
        str(src),
        "--customer",
        "client",
        "--invoice",
        "ticket",
        "--date",
        "when",
        "--amount",
        "spend",
        "--snapshot",
        "max",
        "--out",
        str(out),
        "-q",
    )
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(out / "segments.csv").set_index("customer").sort_index()
    ref = tx.groupby("client")["spend"].sum()
    pd.testing.assert_series_equal(seg["monetary"], ref, check_names=False, rtol=1e-9)
    last = pd.to_datetime(tx["when"]).groupby(tx["client"]).max()
    snapshot = pd.to_datetime(tx["when"]).max()
    assert (seg["recency"] == (snapshot - last).dt.days).all()


@pytest.mark.skipif(importlib.util.find_spec("openpyxl") is None, reason="openpyxl missing")
def test_segment_xlsx_output(cli, tmp_path: Path) -> None:
    proc = cli(
        "demo",
        "--customers",
        "100",
        "--rows",
        "600",
        "--out",
        str(tmp_path),
        "--format",
        "xlsx",
        "-q",
    )
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_excel(tmp_path / "segments.xlsx")
    assert list(seg.columns) == SEGMENTS_COLUMNS


def test_online_retail_needs_no_flags(online_retail_run) -> None:
    proc, out = online_retail_run
    seg = pd.read_csv(out / "segments.csv")
    assert list(seg.columns) == SEGMENTS_COLUMNS
    # figures of shared/data/README.md (computed independently of this project), whose
    # recency counts from the last invoice; the default snapshot is one day later
    assert len(seg) == 4338
    assert (seg["recency"].min(), seg["recency"].median(), seg["recency"].max()) == (
        0 + 1, 50 + 1, 373 + 1)
    assert (seg["frequency"].median(), seg["frequency"].max()) == (2, 209)
    # default cleaning is the documented one: the 5,192 exact duplicate lines are kept
    # (and reported), giving the standard 397,884 rows and monetary median 674.48
    assert seg["monetary"].median() == pytest.approx(674.48, abs=0.01)
    assert "kept 397,884" in proc.stdout
    assert "5,192 rows are exact duplicates" in proc.stdout
    assert seg["customer"].astype(str).str.fullmatch(r"\d{5}").all()  # 17850, not 17850.0
    assert "reading" in proc.stderr


def test_help_explains_every_flag(cli) -> None:
    proc = cli("segment", "--help")
    assert proc.returncode == 0
    for flag in (
        "--customer",
        "--invoice",
        "--date",
        "--amount",
        "--quantity",
        "--price",
        "--snapshot",
        "--k",
        "--scaling",
        "--rules",
        "--out",
        "--format",
        "--quiet",
    ):
        assert flag in proc.stdout
    demo = cli("demo", "--help")
    assert "--customers" in demo.stdout and "--rows" in demo.stdout


# -- user mistakes: exit 2, one line, no traceback ----------------------------------------


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "orders.csv"
    make_transactions(n_customers=50, n_rows=300, random_state=1).to_csv(path, index=False)
    return path


def test_missing_column_lists_the_columns_found(cli, small_csv: Path, tmp_path: Path) -> None:
    proc = cli("segment", str(small_csv), "--customer", "Client", "--out", str(tmp_path))
    assert_user_error(proc, "'Client'", "columns found", "CustomerID")


def test_unrecognised_columns(cli, tmp_path: Path) -> None:
    src = tmp_path / "x.csv"
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(src, index=False)
    assert_user_error(cli("segment", str(src), "--out", str(tmp_path)), "columns found")


def test_unreadable_file(cli, tmp_path: Path) -> None:
    src = tmp_path / "broken.csv.gz"
    src.write_bytes(b"this is not gzip data at all\x00\xff" * 20)
    assert_user_error(cli("segment", str(src), "--out", str(tmp_path)), "broken.csv.gz")
    assert_user_error(cli("segment", str(tmp_path / "nope.csv")), "not found")
    odd = tmp_path / "data.json"
    odd.write_text("{}")
    assert_user_error(cli("segment", str(odd)), "unknown file type")


def test_empty_file(cli, tmp_path: Path) -> None:
    src = tmp_path / "empty.csv"
    src.write_text("")
    assert_user_error(cli("segment", str(src)), "empty")
    header_only = tmp_path / "header.csv"
    header_only.write_text("CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n")
    assert_user_error(cli("segment", str(header_only)), "no rows")
    gz = tmp_path / "empty.csv.gz"
    with gzip.open(gz, "wb"):
        pass
    assert_user_error(cli("segment", str(gz)), "empty")


def test_non_numeric_amount(cli, small_csv: Path, tmp_path: Path) -> None:
    df = pd.read_csv(small_csv)
    df["TotalAmount"] = df["TotalAmount"].astype(str)
    df.loc[3, "TotalAmount"] = "twelve pounds"
    src = tmp_path / "bad_amount.csv"
    df.to_csv(src, index=False)
    proc = cli("segment", str(src), "--amount", "TotalAmount", "--out", str(tmp_path / "o"))
    assert_user_error(proc, "TotalAmount")


def test_bad_flag_values(cli, tmp_path: Path, small_csv: Path) -> None:
    for args in (["--k", "1"], ["--k", "many"], ["--scaling", "robust"], ["--snapshot", "soon"]):
        proc = cli("segment", str(small_csv), "--out", str(tmp_path), *args)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        assert "error:" in proc.stderr.strip().splitlines()[-1]
    proc = cli("demo", "--customers", "100", "--rows", "50", "--out", str(tmp_path))
    assert_user_error(proc, "--rows")
    early = cli("segment", str(small_csv), "--snapshot", "2000-01-01", "--out", str(tmp_path))
    assert_user_error(early, "snapshot")


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow missing")
def test_parquet_input_with_recognised_seed000_columns(cli, tmp_path: Path) -> None:
    tx = make_transactions(n_customers=120, n_rows=900, random_state=2)
    src = tmp_path / "orders.parquet"
    tx.to_parquet(src)
    proc = cli("segment", str(src), "--k", "3", "--out", str(tmp_path / "o"), "-q")
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(tmp_path / "o" / "segments.csv").set_index("customer").sort_index()
    # TotalAmount is recognised as the amount column: monetary is its sum per customer
    ref = tx.groupby("CustomerID")["TotalAmount"].sum()
    pd.testing.assert_series_equal(seg["monetary"], ref, check_names=False, rtol=1e-9)
    assert seg["cluster"].nunique() == 3
# -- column recognition and file reading, in process ------------------------------------


def test_float_written_ids_come_out_whole(cli, tmp_path: Path) -> None:
    # pandas writes an id column with gaps as 17850.0; the export should say 17850
    tx = make_transactions(n_customers=60, n_rows=400, random_state=4)
    tx["CustomerID"] = tx["CustomerID"].str[1:].astype(float)
    tx.loc[tx.index[:5], "CustomerID"] = None  # guest orders
    src = tmp_path / "ids.csv"
    tx.to_csv(src, index=False)
    assert ".0," in src.read_text()  # the file really holds float-looking ids
    proc = cli("segment", str(src), "--k", "2", "--out", str(tmp_path / "o"), "-q")
    assert proc.returncode == 0, proc.stderr
    ids = pd.read_csv(tmp_path / "o" / "segments.csv", dtype={"customer": str})["customer"]
    assert ids.str.fullmatch(r"\d+").all()


def test_identical_customers_are_one_line(cli, tmp_path: Path) -> None:
    """30 customers with the same single order: nothing to cluster, and the message says
    why in the user's words (it used to blame the silhouette's cluster count)."""
    rows = [(f"C{i:02d}", f"{1000 + i}", "2011-05-01 10:00", 2, 3.5) for i in range(30)]
    src = tmp_path / "same.csv"
    pd.DataFrame(rows, columns=["CustomerID", "InvoiceNo", "InvoiceDate", "Quantity",
                                "UnitPrice"]).to_csv(src, index=False)  # fmt: skip
    proc = cli("segment", str(src), "--out", str(tmp_path / "out"))
    assert_user_error(proc, "all 30 customers have the same recency, frequency and spend",
                      "cannot be told apart")  # fmt: skip
    assert "silhouette" not in proc.stderr


def _customers_after_cleaning(src: Path) -> tuple[int, pd.Timestamp, pd.Timestamp]:
    """Customers, first and last order day of ``src`` as the command sees them (read,
    then cleaned with the default rules)."""
    from rfm.app.pipeline import customer_table
    from rfm.io.loading import load_transactions

    loaded = load_transactions(src)
    base = customer_table(loaded.frame, columns=loaded.columns)
    dates = base.transactions[loaded.columns.date]
    return len(base.rfm), dates.min().normalize(), dates.max().normalize()


def test_k_above_the_number_of_customers_names_the_flag(cli, small_csv: Path,
                                                        tmp_path: Path) -> None:  # fmt: skip
    n, _, _ = _customers_after_cleaning(small_csv)
    proc = cli("segment", str(small_csv), "--k", "5000", "--out", str(tmp_path / "o"))
    assert_user_error(proc, f"--k 5000 is too many clusters for the {n} customers",
                      f"give --k {n - 1} or fewer, or --k auto")  # fmt: skip
    assert "n_clusters" not in proc.stderr and "n_samples" not in proc.stderr
    assert not (tmp_path / "o").exists()
    proc = cli("segment", str(small_csv), "--k", str(n), "--out", str(tmp_path / "o"))
    assert_user_error(proc, f"--k {n} is too many clusters for the {n} customers")
    proc = cli("demo", "--customers", "40", "--rows", "300", "--k", "41", "--out",
               str(tmp_path / "d"))  # fmt: skip
    assert_user_error(proc, "--k 41 is too many clusters for the 40 customers")
    # the most clusters there can be: all customers but one
    assert cli("segment", str(small_csv), "--k", str(n - 1), "--out", str(tmp_path / "o"),
               "-q").returncode == 0


def _dates_as_text(tmp_path: Path, bad: str | None, name: str) -> Path:
    """An order file whose dates are text, with ``bad`` in data row 101 (file line 102)."""
    tx = make_transactions(n_customers=60, n_rows=400, random_state=3)
    tx["InvoiceDate"] = tx["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S")
    tx.loc[tx.index[100], "InvoiceDate"] = bad
    src = tmp_path / name
    tx.to_csv(src, index=False)
    assert src.read_text().splitlines()[101].count(bad or ",,") == 1
    return src


def test_a_value_that_is_no_date_is_quoted_with_its_row(cli, tmp_path: Path) -> None:
    """One bad date among good ones: the message quotes it (not the good values) with its
    row, and offers no --date-format, which could not read it."""
    out = tmp_path / "o"
    for bad, fragment in (("not a date", "do not read as dates like the others "
                                         "(%Y-%m-%d %H:%M:%S), e.g. 'not a date' (order line 101)"),
                          ("2024-02-30 10:00:00", "not valid dates (no such day in that "
                                                  "month), e.g. '2024-02-30 10:00:00' "
                                                  "(order line 101)")):  # fmt: skip
        proc = cli("segment", str(_dates_as_text(tmp_path, bad, "bad.csv")), "--out", str(out))
        assert_user_error(proc, "date column 'InvoiceDate'", fragment,
                          "fix those cells, or empty them")  # fmt: skip
        assert "--date-format" not in proc.stderr and "2023-" not in proc.stderr
    # words for "missing" and empty cells are missing dates: dropped by the cleaning
    for bad in ("n/a", None):
        src = _dates_as_text(tmp_path, bad, "missing.csv")
        proc = cli("segment", str(src), "--out", str(out), "-q")
        assert proc.returncode == 0, proc.stderr


def test_amount_with_quantity_or_price_is_refused(cli, small_csv: Path, tmp_path: Path) -> None:
    either = "give either --amount COL, or --quantity COL with --price COL"
    for flags, named in ((["--quantity", "Quantity"], "--quantity"),
                         (["--price", "UnitPrice"], "--price"),
                         (["--quantity", "Quantity", "--price", "UnitPrice"],
                          "--quantity and --price")):  # fmt: skip
        proc = cli("segment", str(small_csv), "--amount", "TotalAmount", *flags, "--out",
                   str(tmp_path / "o"))  # fmt: skip
        assert_user_error(proc, f"--amount cannot go with {named}", either)
    assert not (tmp_path / "o").exists()
    help_text = " ".join(cli("segment", "--help").stdout.split())
    assert "not together with --quantity and --price" in help_text
    assert "spend = quantity × price (instead of --amount)" in help_text


def test_a_file_without_header_row_is_told_about_no_header(cli, tmp_path: Path) -> None:
    src = tmp_path / "noheader.csv"
    src.write_text("00004,0001,19970101,2,29.33\n00004,0001,19970118,2,29.73\n"
                   "00005,0002,19970102,1,11.77\n")  # fmt: skip
    proc = cli("segment", str(src), "--out", str(tmp_path / "o"))
    assert_user_error(proc, "no customer column recognised; pass --customer COL",
                      "'19970101'", "look like values, not column names",
                      "--no-header --names A,B,... (its 5 column names, in order)")  # fmt: skip
    proc = cli("segment", str(src), "--customer", "id", "--out", str(tmp_path / "o"))
    assert_user_error(proc, "'id' not found", "--no-header --names")
    # names that are names: no such advice
    named = tmp_path / "named.csv"
    pd.DataFrame({"a": [1, 2], "b": [3, 4], "when": ["2011-01-02", "2011-01-03"]}).to_csv(
        named, index=False)  # fmt: skip
    proc = cli("segment", str(named), "--out", str(tmp_path / "o"))
    assert_user_error(proc, "no customer column recognised")
    assert "--no-header" not in proc.stderr


def test_a_dangling_symlink_as_out_is_named_as_such(cli, small_csv: Path, tmp_path: Path) -> None:
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "nowhere")
    proc = cli("segment", str(small_csv), "--out", str(link))
    assert_user_error(proc, f"--out {link} is a symlink to {tmp_path / 'nowhere'}, which does "
                      "not exist")  # fmt: skip
    assert "is not a folder" not in proc.stderr
    proc = cli("segment", str(small_csv), "--out", str(link / "sub"))
    assert_user_error(proc, f"{link} is a symlink to", "which does not exist")
    assert not (tmp_path / "nowhere").exists() and link.is_symlink()
