"""RFM table on a partitioned Parquet set: ours on Dask against DuckDB and Dask's groupby.

Data: ``benchmarks/make_data.py`` (100 million order lines in 50 files, 10 million
customers, invoices cut by file boundaries; 1 million lines in 4 files with
``--quick``), written once into ``bench-data/`` and reused. Every contender reads the
same files and ends with a per-customer recency / frequency / monetary result, spend =
Quantity × UnitPrice:

* ``rfm_table (Dask)`` — ours: ``rfm.rfm_table`` on a Dask DataFrame (one partition per
  file), on a ``LocalCluster`` of 2 single-threaded worker processes: per-file numba
  pre-aggregation to (customer, invoice) pairs, a shuffle on the customer, an exact
  combine; the result gathered as one pandas table.
* ``duckdb SQL`` — ``GROUP BY`` with ``count(DISTINCT InvoiceNo)`` over
  ``read_parquet('DIR/*.parquet')``, 2 threads, fetched as pandas.
* ``dask groupby`` — ``dd.read_parquet`` then ``groupby().agg(min, max, sum)`` and
  ``groupby().InvoiceNo.nunique()`` (Dask's own tree reductions), on the same cluster.
* ``rfmseg segment --dask (whole job)`` — the command a user runs on the folder, in its
  own process with its own local cluster, after the cluster above is closed: reading,
  cleaning, the RFM table, KPIs, clustering, profiles, validation, the files and the
  report. Its peak is that of its own process tree.

Peak memory is the largest sum of the resident sizes of this process and all its
children (the cluster's scheduler and workers; DuckDB runs in this process), sampled
every 0.1 s during the contender's timed runs: the figure to hold against a machine's
memory (resident sizes count pages shared between processes once per process, so it
errs high).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._runner import median, report
from benchmarks.make_data import make_data

DATA_DIR = Path("bench-data")
FULL = (100_000_000, 2_000_000)  # rows, rows per file
QUICK = (1_000_000, 250_000)


def _rss_all(include_self: bool = True) -> int:
    """Resident bytes of this process (unless ``include_self`` is false) and all its
    descendants (psutil, else /proc)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is optional
        return _rss_proc(include_self)
    me = psutil.Process()
    total = 0
    for p in ([me] if include_self else []) + me.children(recursive=True):
        with suppress(psutil.Error):  # a child that just exited
            total += p.memory_info().rss
    return total


def _rss_proc(include_self: bool = True) -> int:  # pragma: no cover - without psutil only
    import os

    def children(pid: int) -> list[int]:
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        kids = [int(x) for x in text.split()]
        return kids + [g for k in kids for g in children(k)]

    total = 0
    for pid in ([os.getpid()] if include_self else []) + children(os.getpid()):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


@contextmanager
def peak_memory(include_self: bool = True) -> Any:
    """Track the peak of :func:`_rss_all` while the block runs; yields a dict."""
    out = {"before": _rss_all(include_self), "peak": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            out["peak"] = max(out["peak"], _rss_all(include_self))
            stop.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()
        out["peak"] = max(out["peak"], _rss_all(include_self))


def dataset(n_rows: int, rows_per_file: int) -> Path:
    """The Parquet set of ``n_rows`` rows, written on first use."""
    folder = DATA_DIR / f"orders-{n_rows}"
    n_files = -(-n_rows // rows_per_file)
    if len(list(folder.glob("*.parquet"))) != n_files:
        print(f"writing {n_rows:,} rows to {folder} ...", flush=True)
        make_data(n_rows, folder, rows_per_file=rows_per_file)
    return folder


SQL = """
WITH snap AS (SELECT max(InvoiceDate) + INTERVAL 1 DAY AS t FROM read_parquet('{glob}'))
SELECT CustomerID,
       CAST(floor((epoch((SELECT t FROM snap)) - epoch(max(InvoiceDate))) / 86400) AS BIGINT)
           AS recency,
       count(DISTINCT InvoiceNo) AS frequency,
       sum(Quantity * UnitPrice) AS monetary,
       min(InvoiceDate) AS first_purchase,
       max(InvoiceDate) AS last_purchase
FROM read_parquet('{glob}') GROUP BY CustomerID
"""


def _duckdb(folder: Path) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    return con.execute(SQL.format(glob=f"{folder}/*.parquet")).df().set_index("CustomerID")


def _ours(folder: Path) -> pd.DataFrame:
    import rfm

    ddf = rfm.read_parquet_dask(
        folder, columns=["CustomerID", "InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice"]
    )
    return rfm.rfm_table(ddf, invoice="InvoiceNo", quantity="Quantity", price="UnitPrice")


def _dask_groupby(folder: Path) -> pd.DataFrame:
    import dask
    import dask.dataframe as dd

    ddf = dd.read_parquet(str(folder))
    ddf = ddf.assign(amount=ddf["Quantity"] * ddf["UnitPrice"])
    g = ddf.groupby("CustomerID")
    agg = g.agg({"InvoiceDate": ["min", "max"], "amount": "sum"})
    nunique = g["InvoiceNo"].nunique()
    agg, nunique = dask.compute(agg, nunique)
    agg.columns = ["first", "last", "monetary"]
    agg["frequency"] = nunique
    snapshot = agg["last"].max() + pd.Timedelta(days=1)
    agg["recency"] = (snapshot - agg["last"]).dt.days
    return agg


def _whole_job(folder: Path) -> None:
    """``rfmseg segment FOLDER --dask`` in a process of its own, its files in a temporary
    folder."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "rfm", "segment", str(folder), "--dask", "--out",
               f"{tmp}/out", "-q"]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"rfmseg segment --dask failed: {proc.stderr[-2000:]}")


def _check(ours: pd.DataFrame, other: pd.DataFrame, name: str) -> None:
    other = other.loc[ours.index]
    for col in ("frequency", "recency"):
        if not np.array_equal(other[col].to_numpy(np.int64), ours[col].to_numpy(np.int64)):
            raise AssertionError(f"{name}: {col} differs from rfm_table")
    if not np.allclose(other["monetary"].to_numpy(), ours["monetary"].to_numpy(), rtol=1e-9):
        raise AssertionError(f"{name}: monetary differs from rfm_table")


def main(quick: bool = False) -> None:
    import distributed

    n_rows, per_file = QUICK if quick else FULL
    repeats = 3 if quick else 1  # at 100M rows one run each takes minutes
    folder = dataset(n_rows, per_file)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        contenders = {
            "rfm_table (Dask)": lambda: _ours(folder),
            "duckdb SQL": lambda: _duckdb(folder),
            "dask groupby + nunique": lambda: _dask_groupby(folder),
        }
        if quick:  # a warm-up run each (compilation, caches); at full size the first
            for fn in contenders.values():  # run is cold enough to be the honest figure
                fn()
        times: dict[str, list[float]] = {name: [] for name in contenders}
        peaks: dict[str, int] = {}
        ours = None
        for name, fn in contenders.items():
            with peak_memory() as mem:
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    result = fn()
                    times[name].append(time.perf_counter() - t0)
            peaks[name] = mem["peak"]
            if ours is None:
                ours = result
            else:  # every contender's table is checked against ours
                _check(ours, result, name)
            del result
    # the whole command, with its own cluster, once the one above is gone
    name = "rfmseg segment --dask (whole job)"
    with peak_memory(include_self=False) as mem:
        times[name] = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            _whole_job(folder)
            times[name].append(time.perf_counter() - t0)
    peaks[name] = mem["peak"]
    t_ours = median(times["rfm_table (Dask)"])
    t_duck = median(times["duckdb SQL"])
    rows = [
        {
            "rows": f"{n_rows:,}",
            "files": len(list(folder.glob("*.parquet"))),
            "customers": f"{len(ours):,}",
            "method": name,
            "median s": median(ts),
            "× duckdb": median(ts) / t_duck,
            "× rfm_table": median(ts) / t_ours,
            "peak GiB (all processes)": peaks[name] / 2**30,
        }
        for name, ts in times.items()
    ]
    report(
        "scale_rfm",
        "RFM table on partitioned Parquet: Dask (ours) vs DuckDB vs Dask groupby",
        rows,
        notes=(__doc__ or "").split("\n\n", 1)[1],
    )


if __name__ == "__main__":
    main(quick=True)
