"""rfm_table and clean_transactions on Dask DataFrames: the in-memory answers, exactly.

The references are the in-memory calls (themselves tested against pandas and DuckDB in
test_rfm_table.py) on the same rows, plus one small table worked out by hand with plain
pandas. Every case runs on Dask's threaded scheduler and on a two-process LocalCluster.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
import dask  # noqa: E402
from _cluster import local_cluster  # noqa: E402

import rfm  # noqa: E402
from rfm.io.parquet_dask import read_parquet_dask  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client():
    """A client of the two-process LocalCluster the Dask modules share (tests/_cluster.py)."""
    with distributed.Client(local_cluster()) as c:
        yield c


@pytest.fixture
def threads():
    with dask.config.set(scheduler="threads"):
        yield "threads"


@pytest.fixture(params=["threads", "cluster"])
def scheduler(request, client):
    """Run the body on the threaded scheduler, then on the LocalCluster."""
    if request.param == "threads":
        with dask.config.set(scheduler="threads"):
            yield "threads"
    else:
        with dask.config.set(scheduler=client.get):
            yield "cluster"


def _orders(n: int, *, int_ids: bool, seed: int = 0) -> pd.DataFrame:
    """Order lines sorted by invoice, so invoices straddle partition boundaries."""
    rng = np.random.default_rng(seed)
    n_cust, n_inv = max(1, n // 10), max(1, n // 3)
    inv_cust = rng.integers(0, n_cust, n_inv)
    row_inv = np.sort(rng.integers(0, n_inv, n))
    start = np.datetime64("2023-01-01T00:00:00", "s")
    inv_time = start + rng.integers(0, 400 * 86400, n_inv).astype("timedelta64[s]")
    cust = inv_cust[row_inv]
    return pd.DataFrame(
        {
            "CustomerID": cust * 7 - 5000 if int_ids else pd.Series(
                np.char.add("C", cust.astype(str)), dtype="str"
            ),
            "InvoiceNo": pd.Series(np.char.add("I", row_inv.astype(str)), dtype="str"),
            "InvoiceDate": pd.DatetimeIndex(inv_time[row_inv]),
            "TotalAmount": rng.gamma(2.0, 20.0, n).round(2),
        }
    )


def _with_empty(df: pd.DataFrame, cuts: list[int]) -> dd.DataFrame:
    """A Dask frame of ``df`` cut at ``cuts``; repeated cuts make empty partitions."""
    bounds = [0, *cuts, len(df)]
    parts = [df.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    return dd.from_map(lambda p: p, parts, meta=df.iloc[:0], enforce_metadata=False)


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=0)
    exact = ["recency", "frequency", "first_purchase", "last_purchase", "tenure_days"]
    pd.testing.assert_frame_equal(got[exact], expected[exact], check_exact=True)
    assert got.attrs["snapshot"] == expected.attrs["snapshot"]


@pytest.mark.parametrize("int_ids", [False, True])
def test_rfm_table_equals_in_memory(scheduler, int_ids):
    df = _orders(6000, int_ids=int_ids)
    ddf = _with_empty(df, [1000, 1000, 2500, 4001, 6000])  # two empty partitions
    assert ddf.npartitions == 6
    local = ddf.compute()  # the same rows (Dask may hold strings in another dtype)
    pd.testing.assert_frame_equal(local, df, check_dtype=False)
    expected = rfm.rfm_table(df, invoice="InvoiceNo", amount="TotalAmount")
    got = rfm.rfm_table(ddf, invoice="InvoiceNo", amount="TotalAmount")
    _same(got, expected)  # the table of the ids as given, index dtype included
    assert got.index.dtype == df["CustomerID"].dtype


def test_rfm_table_with_the_peer_to_peer_shuffle_when_configured(client):
    """The task shuffle is the default; a configured method (p2p, for data beyond the
    cluster's memory) is obeyed and gives the same table."""
    df = _orders(6000, int_ids=False, seed=4)
    ddf = _with_empty(df, [1000, 1000, 2500, 4001, 6000])
    expected = rfm.rfm_table(df, invoice="InvoiceNo", amount="TotalAmount")
    with dask.config.set(scheduler=client.get, **{"dataframe.shuffle.method": "p2p"}):
        lazy = rfm.rfm_table(ddf, invoice="InvoiceNo", amount="TotalAmount", compute=False)
        tasks = " ".join(str(key) for key in dict(lazy.__dask_graph__()))
        assert "shuffle-transfer" in tasks  # p2p's task names; absent from a task shuffle
        got = rfm.rfm_table(ddf, invoice="InvoiceNo", amount="TotalAmount")
    _same(got, expected)


def test_rfm_table_options_equal_in_memory(threads):
    df = _orders(3000, int_ids=False, seed=1)
    df["InvoiceDate"] = df["InvoiceDate"].dt.tz_localize("Europe/Paris")
    df["Quantity"] = (np.arange(len(df)) % 3) + 1
    df["UnitPrice"] = df["TotalAmount"] / 3
    ddf = dd.from_pandas(df, npartitions=4, sort=False)
    for kwargs in (
        {"invoice": None, "quantity": "Quantity", "price": "UnitPrice", "snapshot": "max"},
        {"invoice": "InvoiceNo", "amount": "TotalAmount",
         "snapshot": pd.Timestamp("2025-01-01 12:00", tz="Europe/Paris")},
    ):
        _same(rfm.rfm_table(ddf, **kwargs), rfm.rfm_table(df, **kwargs))


def test_rfm_table_worked_by_hand(scheduler):
    """Invoice I1 of customer A is cut across two partitions: it counts once."""
    tx = pd.DataFrame(
        {
            "CustomerID": ["A", "A", "B", "A", "B", "A"],
            "InvoiceNo": ["I1", "I1", "I2", "I1", "I3", "I4"],
            "InvoiceDate": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-01", "2024-01-09",
                 "2024-01-10"]
            ),
            "TotalAmount": [10.0, 5.0, 7.5, 2.5, 1.0, 4.0],
        }
    )
    ddf = _with_empty(tx, [2, 2, 4])
    got = rfm.rfm_table(ddf, invoice="InvoiceNo", amount="TotalAmount")
    # snapshot = last date + 1 day = 2024-01-11
    assert got.index.tolist() == ["A", "B"]
    assert got["frequency"].tolist() == [2, 2]  # A: I1, I4; B: I2, I3
    assert got["monetary"].tolist() == [21.5, 8.5]
    assert got["recency"].tolist() == [1, 2]
    assert got["tenure_days"].tolist() == [10, 6]
    assert got["avg_order_value"].tolist() == [10.75, 4.25]


def test_monthly_kpis_equal_in_memory(scheduler):
    """A customer buys in one month in several partitions: active once, new once."""
    df = _orders(5000, int_ids=True, seed=2)
    ddf = _with_empty(df, [700, 700, 2600, 4100])
    from rfm import kpis

    expected = kpis.monthly(df, amount="TotalAmount")
    got = kpis.monthly(ddf, amount="TotalAmount")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=0)
    pd.testing.assert_frame_equal(got.drop(columns="revenue"), expected.drop(columns="revenue"))
    assert got["new_customers"].sum() == df["CustomerID"].nunique()


def test_monthly_kpis_worked_by_hand(threads):
    tx = pd.DataFrame(
        {
            "CustomerID": ["A", "A", "B", "A", "B"],
            "InvoiceDate": pd.to_datetime(
                ["2024-01-03", "2024-01-20", "2024-03-01", "2024-03-05", "2024-03-09"]
            ),
            "TotalAmount": [1.0, 2.0, 4.0, 8.0, 16.0],
        }
    )
    from rfm import kpis

    got = kpis.monthly(_with_empty(tx, [1, 1, 4]), amount="TotalAmount")
    assert got.index.astype(str).tolist() == ["2024-01", "2024-02", "2024-03"]
    assert got["revenue"].tolist() == [3.0, 0.0, 28.0]
    assert got["active_customers"].tolist() == [1, 0, 2]  # A twice in January counts once
    assert got["new_customers"].tolist() == [1, 0, 1]  # A in January, B in March


def test_migration_equals_in_memory(threads):
    df = _orders(4000, int_ids=False, seed=3)
    ddf = dd.from_pandas(df, npartitions=3, sort=False)
    kw = {"before": "2023-08-31", "after": "2024-02-01", "invoice": "InvoiceNo",
          "amount": "TotalAmount"}
    expected = rfm.migration(df, **kw)
    got = rfm.migration(ddf, **kw)
    for name in ("customers", "matrix", "revenue"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name),
                                      check_index_type=False, obj=name)
    with pytest.raises(ValueError, match="no transactions on or before 2022-12-31"):
        rfm.migration(ddf, **{**kw, "before": "2022-12-31"})


def test_compute_false_is_partitioned_by_customer(threads):
    df = _orders(4000, int_ids=True, seed=2)
    ddf = dd.from_pandas(df, npartitions=5, sort=False)
    lazy = rfm.rfm_table(ddf, invoice="InvoiceNo", amount="TotalAmount", compute=False)
    assert isinstance(lazy, dd.DataFrame)
    parts = dask.compute(*lazy.to_delayed())
    ids = np.concatenate([p.index.to_numpy() for p in parts])
    assert len(ids) == len(np.unique(ids))  # each customer in exactly one partition
    expected = rfm.rfm_table(ddf.compute(), invoice="InvoiceNo", amount="TotalAmount")
    together = pd.concat(parts).sort_index()
    _same(together, expected)


def _raw(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "CustomerID": rng.choice(["A", "B", "C", "", None], n),
            "InvoiceNo": rng.choice(["1", "2", "C3", "4"], n),
            "InvoiceDate": rng.choice(
                np.array(["2024-01-01", "2024-02-03", None], dtype=object), n
            ),
            "Quantity": rng.integers(-1, 3, n),
            "UnitPrice": rng.choice([0.0, 1.5, 2.0], n),
        }
    )


def test_clean_transactions_equals_in_memory(scheduler):
    raw = _raw(2000, seed=3)  # few distinct rows: many duplicates across partitions
    ddf = dd.from_pandas(raw, npartitions=5, sort=False)
    expected_clean, expected_report = rfm.clean_transactions(ddf.compute(), drop_duplicates=True)
    clean, report = rfm.clean_transactions(ddf, drop_duplicates=True)
    assert isinstance(clean, dd.DataFrame)
    pd.testing.assert_frame_equal(report, expected_report)
    pd.testing.assert_frame_equal(clean.compute(), expected_clean, check_dtype=False)
    assert expected_report.set_index("rule").loc["duplicates", "rows_removed"] > 0


def test_clean_transactions_without_duplicates(threads):
    raw = _raw(500, seed=4)
    ddf = dd.from_pandas(raw, npartitions=3, sort=False)
    _, report = rfm.clean_transactions(ddf, drop_duplicates=False)
    _, expected_report = rfm.clean_transactions(ddf.compute(), drop_duplicates=False)
    pd.testing.assert_frame_equal(report, expected_report)


def test_clean_duplicates_worked_by_hand():
    """Row 0 (partition 0) equals row 3 (partition 1): one duplicate, the first kept."""
    raw = pd.DataFrame(
        {"CustomerID": ["A", "B", "A", "A"], "InvoiceNo": ["1", "2", "3", "1"],
         "InvoiceDate": pd.to_datetime(["2024-01-01"] * 4),
         "Quantity": [1, 1, 1, 1], "UnitPrice": [2.0, 2.0, 2.0, 2.0]}
    )
    with dask.config.set(scheduler="threads"):
        clean, report = rfm.clean_transactions(dd.from_pandas(raw, npartitions=2, sort=False),
                                               drop_duplicates=True)  # fmt: skip
        assert clean.compute().index.tolist() == [0, 1, 2]
    assert report.set_index("rule").loc["duplicates"].tolist() == [1, 3]


def test_bad_partitions_are_named(tmp_path, threads):
    df = _orders(300, int_ids=True, seed=4)
    parts = [df.iloc[:100], df.iloc[100:200].copy(), df.iloc[200:]]
    folder = tmp_path / "tx"
    folder.mkdir()
    for i, part in enumerate(parts):
        part.to_parquet(folder / f"part-{i}.parquet")
    kwargs = {"invoice": "InvoiceNo", "amount": "TotalAmount"}
    got = rfm.rfm_table(read_parquet_dask(folder), **kwargs)
    _same(got, rfm.rfm_table(read_parquet_dask(folder).compute(), **kwargs))

    bad = parts[1].copy()
    bad.loc[bad.index[5], "TotalAmount"] = np.nan  # NaN in one file only
    bad.to_parquet(folder / "part-1.parquet")
    with pytest.raises(ValueError, match=r"^part-1\.parquet: column 'TotalAmount' .*NaN"):
        rfm.rfm_table(read_parquet_dask(folder), **kwargs)

    # files of the same name in subfolders (a folder per year) are told apart by their
    # path from the folder they share
    years = tmp_path / "years"
    for year, part in (("2024", parts[0]), ("2025", bad)):
        (years / year).mkdir(parents=True)
        part.to_parquet(years / year / "part.0.parquet")
    with pytest.raises(ValueError, match=r"^2025/part\.0\.parquet: column 'TotalAmount' .*NaN"):
        rfm.rfm_table(read_parquet_dask(years), **kwargs)

    parts[1].astype({"CustomerID": "str"}).to_parquet(folder / "part-1.parquet")
    with pytest.raises(ValueError, match=r"part-1.parquet: column 'CustomerID' has dtype "
                       r"(large_)?string \(text\), but .*part-0.parquet has int64"):  # fmt: skip
        rfm.rfm_table(read_parquet_dask(folder), **kwargs)  # found from the footers
    # named as an id column, it is read as text in every file: the table of text ids
    as_text = read_parquet_dask(folder, text_columns=["CustomerID"])
    text_ids = pd.concat([pd.read_parquet(folder / f"part-{i}.parquet") for i in range(3)]
                         ).astype({"CustomerID": str})  # fmt: skip
    got, expected = rfm.rfm_table(as_text, **kwargs), rfm.rfm_table(text_ids, **kwargs)
    _same(got.set_axis(got.index.astype(object)), expected.set_axis(expected.index.astype(object)))

    parts[1].drop(columns="TotalAmount").to_parquet(folder / "part-1.parquet")
    with pytest.raises(ValueError, match=r"part-1.parquet.*missing column.*TotalAmount"):
        rfm.rfm_table(read_parquet_dask(folder), **kwargs)
    with pytest.raises(ValueError, match=r"part-1.parquet.*missing column.*TotalAmount"):
        rfm.clean_transactions(read_parquet_dask(folder), quantity=None, price=None,
                               amount="TotalAmount")


def test_bad_input_before_any_work():
    ddf = dd.from_pandas(_orders(100, int_ids=True), npartitions=2)
    with pytest.raises(ValueError, match="missing column"):
        rfm.rfm_table(ddf, invoice="Order", amount="TotalAmount")
    with pytest.raises(TypeError, match="snapshot must be"):
        rfm.rfm_table(ddf, amount="TotalAmount", snapshot=3.5)
    with dask.config.set(scheduler="threads"), pytest.raises(ValueError, match="before the last"):
        rfm.rfm_table(ddf, amount="TotalAmount", snapshot="2023-01-02")
    empty = dd.from_pandas(_orders(100, int_ids=True).iloc[:0], npartitions=1)
    with dask.config.set(scheduler="threads"), pytest.raises(ValueError, match="empty"):
        rfm.rfm_table(empty, amount="TotalAmount")


def test_the_pipeline_reads_and_cleans_the_order_lines_once():
    """run_pipeline on Dask: the cleaning report, the RFM table and the monthly KPIs come
    from one pass over the data (each partition is produced once), and give the in-memory
    run's tables."""
    from rfm.app.pipeline import run_pipeline

    raw = _orders(3000, int_ids=True, seed=8)
    pieces = np.array_split(np.arange(len(raw)), 6)
    reads: list[int] = []

    def part(i: int) -> pd.DataFrame:
        reads.append(i)
        return raw.iloc[pieces[i]]

    ddf = dd.from_delayed([dask.delayed(part)(i) for i in range(6)], meta=raw.iloc[:0])
    cols = rfm.TransactionColumns(amount="TotalAmount", quantity=None, price=None)
    with dask.config.set(scheduler="threads"):
        got = run_pipeline(ddf, columns=cols, k=3)
    assert sorted(reads) == list(range(6))  # every partition read once, none twice
    want = run_pipeline(raw, columns=cols, k=3)
    pd.testing.assert_frame_equal(got.cleaning, want.cleaning)
    _same(got.rfm, want.rfm)
    pd.testing.assert_frame_equal(got.monthly, want.monthly)


def test_the_lazy_customer_table_reads_no_more_for_totals_lines() -> None:
    """customer_table(compute=False) on Dask counts the cleaning's rows (one read of each
    partition, after Dask's read of the first for the schema). Counting the totals lines
    without a customer ('Total,,,<sums>') added a third pass although no line lacked a
    customer; it is now counted only when some line does, and then as a totals row, not a
    guest order (counted by hand: one such line, one true guest line)."""
    import dask.dataframe as dd

    from rfm.app.pipeline import customer_table

    reads: list[int] = []

    def part(i: int, guests: bool) -> pd.DataFrame:
        reads.append(i)
        n = 20
        df = pd.DataFrame({
            "InvoiceNo": [f"{i}-{k}" for k in range(n)],
            "CustomerID": [f"c{k % 7}" for k in range(n)],
            "InvoiceDate": pd.date_range("2024-01-01", periods=n, freq="D"),
            "Quantity": 1, "UnitPrice": 2.0,
        })  # fmt: skip
        if guests and i == 2:  # a guest line, and a totals line below the order lines
            df.loc[n - 2, "CustomerID"] = None
            df.loc[n - 1, ["InvoiceNo", "CustomerID", "Quantity", "UnitPrice"]] = [
                "Total", None, 40, 2.0]
        return df

    with dask.config.set(scheduler="sync"):
        customer_table(dd.from_map(part, [0, 1, 2], guests=False), compute=False)
        assert sorted(reads) == [0, 0, 1, 2]  # the schema, then each partition once
        reads.clear()
        table = customer_table(dd.from_map(part, [0, 1, 2], guests=True), compute=False)
    removed = table.cleaning.set_index("rule")["rows_removed"]
    assert removed["missing_customer"] == 1 and removed["totals_row"] == 1
    assert table.cleaning["rows_left"].iloc[-1] == 58
