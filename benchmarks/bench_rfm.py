"""RFM table: ``rfm.rfm_table`` against the ways people usually compute it.

Data: synthetic order lines with about one customer per 10 rows and two lines per
invoice; customer ids ("C0000001") and invoice numbers ("INV00000001") are strings in
pandas' default string dtype (a second run, "int64 ids", numbers both 1, 2, ...), dates
are datetimes, amounts floats — what ``read_csv`` gives. Every contender starts from that
same table and ends with a per-customer recency / frequency / monetary result:

* ``rfm_table`` — ours (numba backend): ids packed into exact, ordered 16-byte keys,
  then a radix-partitioned hash aggregation (all in numba); integer ids in a dense
  range are partitioned by id range and indexed directly instead.
* ``pandas vectorised`` — ``groupby(...).agg(max, min, nunique, sum)`` then date
  arithmetic on the per-customer result.
* ``pandas lambda`` — ``groupby(...).agg({"InvoiceDate": lambda x:
  (snapshot - x.max()).days, "InvoiceNo": "nunique", "TotalAmount": "sum"})``. Beyond
  100,000 customers it runs on a random subset of 100,000 of them and its time is scaled
  up by the inverse fraction (it is linear in the number of customers); the row says so.
* ``duckdb SQL`` — ``GROUP BY`` over the pandas frame (DuckDB scans it in place, all
  cores), fetched back as pandas.
* ``polars`` — lazy ``group_by().agg()`` on a polars copy of the table made before
  timing (the conversion is not timed), collected, result kept in polars.

Also: the whole Online Retail path (read → clean → RFM → scores → segments), per stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._runner import median, report, time_interleaved

ONLINE_RETAIL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / (
    "online_retail.csv.gz"
)
SIZES_FULL = (1_000_000, 10_000_000)
SIZES_QUICK = (100_000,)
LAMBDA_MAX_CUSTOMERS = 100_000  # beyond this, time the seed-000 lambda on a subset


def synthetic(n_rows: int, seed: int = 0, *, int_ids: bool = False) -> pd.DataFrame:
    """Order lines: ~n/10 customers, ~n/2 invoices (each owned by one customer).

    ``int_ids``: customer ids and invoice numbers are int64 (1, 2, ...) instead of text.
    """
    rng = np.random.default_rng(seed)
    n_cust = max(1, n_rows // 10)
    n_inv = max(1, n_rows // 2)
    inv_cust = rng.integers(0, n_cust, n_inv)
    row_inv = rng.integers(0, n_inv, n_rows)
    inv_time = np.datetime64("2023-01-01T00:00:00") + rng.integers(
        0, 900 * 86400, n_inv
    ).astype("timedelta64[s]")
    if int_ids:
        cust_ids = pd.Series(np.arange(1, n_cust + 1, dtype=np.int64))
        inv_ids = pd.Series(np.arange(1, n_inv + 1, dtype=np.int64))
    else:
        cust_ids = pd.Series(np.char.add("C", np.char.zfill(np.arange(n_cust).astype(str), 7)))
        inv_ids = pd.Series(np.char.add("INV", np.char.zfill(np.arange(n_inv).astype(str), 8)))
    return pd.DataFrame(
        {
            "CustomerID": cust_ids.take(inv_cust[row_inv]).reset_index(drop=True),
            "InvoiceNo": inv_ids.take(row_inv).reset_index(drop=True),
            "InvoiceDate": pd.DatetimeIndex(inv_time[row_inv]).as_unit("ns"),
            "TotalAmount": rng.gamma(2.0, 20.0, n_rows).round(2),
        }
    )


def _ours(df: pd.DataFrame) -> pd.DataFrame:
    from rfm.table import rfm_table

    return rfm_table(df, invoice="InvoiceNo", amount="TotalAmount")


def _pandas_vectorised(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby("CustomerID").agg(
        last=("InvoiceDate", "max"),
        first=("InvoiceDate", "min"),
        frequency=("InvoiceNo", "nunique"),
        monetary=("TotalAmount", "sum"),
    )
    snapshot = df["InvoiceDate"].max() + pd.Timedelta(days=1)
    g["recency"] = (snapshot - g["last"]).dt.days
    return g


def _pandas_lambda(df: pd.DataFrame) -> pd.DataFrame:
    snapshot = df["InvoiceDate"].max() + pd.Timedelta(days=1)
    return df.groupby("CustomerID").agg(
        {
            "InvoiceDate": lambda x: (snapshot - x.max()).days,
            "InvoiceNo": "nunique",
            "TotalAmount": "sum",
        }
    )


DUCKDB_SQL = """
WITH snap AS (SELECT max(InvoiceDate) + INTERVAL 1 DAY AS t FROM df)
SELECT CustomerID,
       CAST(floor((epoch((SELECT t FROM snap)) - epoch(max(InvoiceDate))) / 86400) AS BIGINT)
           AS recency,
       count(DISTINCT InvoiceNo) AS frequency,
       sum(TotalAmount) AS monetary,
       min(InvoiceDate) AS first_purchase,
       max(InvoiceDate) AS last_purchase
FROM df GROUP BY CustomerID
"""


def _duckdb(con: Any) -> pd.DataFrame:
    """Run the SQL on the frame registered as ``df`` with the connection."""
    return con.execute(DUCKDB_SQL).df()


def _polars(pl: Any, frame: Any) -> Any:
    snapshot = frame["InvoiceDate"].max() + pd.Timedelta(days=1)
    return (
        frame.lazy()
        .group_by("CustomerID")
        .agg(
            pl.col("InvoiceDate").max().alias("last"),
            pl.col("InvoiceDate").min().alias("first"),
            pl.col("InvoiceNo").n_unique().alias("frequency"),
            pl.col("TotalAmount").sum().alias("monetary"),
        )
        .with_columns(((pl.lit(snapshot) - pl.col("last")).dt.total_days()).alias("recency"))
        .collect()
    )


def _lambda_case(df: pd.DataFrame, seed: int = 1) -> tuple[Callable[[], Any], float]:
    """The seed-000 lambda on all customers, or on a random subset; returns the scale."""
    ids = df["CustomerID"].unique()
    if len(ids) <= LAMBDA_MAX_CUSTOMERS:
        return (lambda: _pandas_lambda(df)), 1.0
    rng = np.random.default_rng(seed)
    keep = rng.choice(len(ids), LAMBDA_MAX_CUSTOMERS, replace=False)
    sub = df[df["CustomerID"].isin(ids[keep])]
    # the max date of the subset may differ from the full table's; irrelevant to timing
    return (lambda: _pandas_lambda(sub)), len(ids) / LAMBDA_MAX_CUSTOMERS


def _check_agreement(ours: pd.DataFrame, others: dict[str, pd.DataFrame]) -> None:
    """All contenders must produce the same frequency and monetary per customer."""
    for name, other in others.items():
        o = other.set_index("CustomerID") if "CustomerID" in other.columns else other
        o = o.loc[ours.index]
        if not np.array_equal(o["frequency"].to_numpy(), ours["frequency"].to_numpy()):
            raise AssertionError(f"{name}: frequency differs from rfm_table")
        if not np.allclose(o["monetary"].to_numpy(), ours["monetary"].to_numpy(), rtol=1e-9):
            raise AssertionError(f"{name}: monetary differs from rfm_table")
        if "recency" in o.columns and not np.array_equal(
            o["recency"].to_numpy(dtype=np.int64), ours["recency"].to_numpy()
        ):
            raise AssertionError(f"{name}: recency differs from rfm_table")


def bench_table(n_rows: int, repeats: int, *, int_ids: bool = False) -> list[dict[str, Any]]:
    import duckdb
    import polars as pl

    df = synthetic(n_rows, int_ids=int_ids)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("df", df)
    frame = pl.from_pandas(df)
    lam, scale = _lambda_case(df)

    ours = _ours(df)
    _check_agreement(
        ours,
        {
            "pandas": _pandas_vectorised(df),
            "duckdb": _duckdb(con),
            "polars": _polars(pl, frame).to_pandas(),
        },
    )
    contenders = {
        "rfm_table": lambda: _ours(df),
        "duckdb SQL": lambda: _duckdb(con),
        "polars": lambda: _polars(pl, frame),
        "pandas vectorised": lambda: _pandas_vectorised(df),
    }
    times = time_interleaved(contenders, repeats=repeats)
    lam_times = time_interleaved({"lambda": lam}, repeats=max(1, repeats // 3))["lambda"]
    t_ours = median(times["rfm_table"])
    rows = []
    ids = "int64 ids" if int_ids else ""
    for name, ts in times.items():
        rows.append(_row(n_rows, len(ours), name, median(ts), t_ours, ids))
    note = "" if scale == 1.0 else f"timed on {LAMBDA_MAX_CUSTOMERS:,} customers, × {scale:.1f}"
    note = ", ".join(x for x in (ids, note) if x)
    rows.append(
        _row(n_rows, len(ours), "pandas lambda", median(lam_times) * scale, t_ours, note)
    )
    return rows


def _row(n: int, n_cust: int, name: str, t: float, t_ours: float, note: str) -> dict[str, Any]:
    return {
        "rows": f"{n:,}",
        "customers": f"{n_cust:,}",
        "method": name,
        "median s": t,
        "× rfm_table": t / t_ours,
        "note": note,
    }


def bench_online_retail(repeats: int) -> list[dict[str, Any]]:
    """Read → clean → RFM → scores → segments on the UCI file, timed per stage."""
    from rfm.cleaning import clean_transactions
    from rfm.datasets import load_online_retail
    from rfm.scoring import rfm_scores
    from rfm.segments import segment
    from rfm.table import rfm_table
    if not ONLINE_RETAIL.exists():
        return []
    stages: dict[str, list[float]] = {s: [] for s in ("read", "clean", "rfm", "scores", "segment")}
    for _ in range(repeats):
        t0 = time.perf_counter()
        raw = load_online_retail(ONLINE_RETAIL)
        t1 = time.perf_counter()
        clean, _ = clean_transactions(raw)
        t2 = time.perf_counter()
        rfm = rfm_table(clean, invoice="InvoiceNo", snapshot="max")
        t3 = time.perf_counter()
        scores = rfm_scores(rfm)
        t4 = time.perf_counter()
        segment(scores)
        t5 = time.perf_counter()
        for name, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            stages[name].append(dt)
    rows = [{"stage": name, "median s": median(ts)} for name, ts in stages.items()]
    rows.append({"stage": "total", "median s": sum(r["median s"] for r in rows)})
    return rows


def main(quick: bool = False) -> None:
    sizes = SIZES_QUICK if quick else SIZES_FULL
    repeats = 3 if quick else 5
    rows: list[dict[str, Any]] = []
    for n in sizes:
        rows += bench_table(n, repeats)
        rows += bench_table(n, repeats, int_ids=True)
    report(
        "rfm_table",
        "RFM table: rfm_table vs pandas, DuckDB, polars",
        rows,
        notes=(__doc__ or "").split("\n\n", 1)[1].split("\nAlso:")[0],
    )
    retail = bench_online_retail(1 if quick else 5)
    if retail:
        report("rfm_online_retail", "Online Retail: read → clean → RFM → scores → segments",
               retail)


if __name__ == "__main__":
    main(quick=True)
