"""``rfmseg segment PATH --dask`` end to end: the same files as the in-memory run.

The reference is the in-memory command on the same rows gathered into one file (itself
tested against pandas, scikit-learn and scipy elsewhere). The Dask runs use a
two-process LocalCluster (tests/_cluster.py, shared with the other Dask modules), through
``--dask ADDRESS``; the local cluster that ``--dask`` alone starts is the same class,
sized by ``local_cluster_size``.
"""

from __future__ import annotations

import contextlib
import glob
import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from _cli import assert_user_error  # noqa: E402
from _cluster import local_cluster  # noqa: E402

from benchmarks.make_data import make_data  # noqa: E402
from rfm.datasets import make_transactions  # noqa: E402

CSVS = ["segments.csv", "profile.csv", "elbow.csv", "validation.csv"]


@pytest.fixture(scope="module")
def address():
    """The scheduler of the two-process LocalCluster the Dask modules share
    (tests/_cluster.py)."""
    return local_cluster().scheduler_address


def _same_files(mem: Path, dask: Path, names: list[str]) -> None:
    for name in names:
        pd.testing.assert_frame_equal(
            pd.read_csv(dask / name), pd.read_csv(mem / name), obj=name
        )


def test_parquet_folder_gives_the_in_memory_files(cli, tmp_path: Path, address: str) -> None:
    data = tmp_path / "orders"
    make_data(40_000, data, rows_per_file=9_000)  # 5 files, invoices cut at each boundary
    one = tmp_path / "all.parquet"
    files = sorted(glob.glob(str(data / "*.parquet")))
    pd.concat([pd.read_parquet(f) for f in files], ignore_index=True).to_parquet(one)

    extra = ["--compare-to", "2023-12-31", "--seed", "3", "--clv", "6"]  # value ahead too
    mem = cli("segment", str(one), "--out", str(tmp_path / "mem"), "-q", *extra)
    assert mem.returncode == 0, mem.stderr
    dask = cli("segment", str(data), "--dask", address, "--out", str(tmp_path / "dask"), *extra)
    assert dask.returncode == 0, dask.stderr
    _same_files(tmp_path / "mem", tmp_path / "dask", [*CSVS, "migration.csv"])
    assert "Dask: 2 worker(s)" in dask.stderr
    assert "cleaning transactions on Dask" in dask.stderr
    # the summary printed is the same too, but for the folder's name and the duplicates:
    # counted in memory, only looked for on Dask when they are dropped (a full shuffle)
    def summary(proc, out):
        lines = proc.stdout.replace(str(tmp_path / out), "").splitlines()
        return [line for line in lines if not line.startswith("note: ")]

    assert summary(dask, "dask") == summary(mem, "mem")
    assert "note: exact duplicate rows were not looked for" in dask.stdout
    report = (tmp_path / "dask" / "report.html").read_text(encoding="utf-8")
    assert "40,000 rows read" in report


def _european_csv(path: Path, frame: pd.DataFrame) -> None:
    """Semicolons, decimal commas, day-first text dates, Windows-1252 (like a French export)."""
    out = frame.assign(
        InvoiceDate=frame["InvoiceDate"].dt.strftime("%d/%m/%Y %H:%M"),
        UnitPrice=frame["UnitPrice"].map(lambda v: f"{v:.2f}".replace(".", ",")),
        Pays="Côte-d'Or",
    )
    out.to_csv(path, sep=";", index=False, encoding="cp1252")


def test_csv_glob_with_day_first_dates(cli, tmp_path: Path, address: str) -> None:
    from benchmarks.make_data import chunk

    rows = chunk(0, 12_000, 12_000, ids="str")
    rows["CustomerID"] = rows["CustomerID"].str.slice(5)  # zero-padded: "00123"
    data = tmp_path / "csv"
    data.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(rows)), 3)):
        _european_csv(data / f"orders-{i}.csv", rows.iloc[part])
    _european_csv(tmp_path / "all.csv", rows)

    flags = ["--decimal", ","]
    mem = cli("segment", str(tmp_path / "all.csv"), "--out", str(tmp_path / "mem"), "-q", *flags)
    assert mem.returncode == 0, mem.stderr
    dask = cli("segment", str(data / "orders-*.csv"), "--dask", address, "--out",
               str(tmp_path / "dask"), "-q", *flags)  # fmt: skip
    assert dask.returncode == 0, dask.stderr
    _same_files(tmp_path / "mem", tmp_path / "dask", CSVS)
    ids = pd.read_csv(tmp_path / "dask" / "segments.csv", dtype={"customer": str})["customer"]
    assert ids.str.startswith("0").all()  # leading zeros kept, as in memory
    assert "(day first)" in dask.stdout


def test_day_month_orders_after_iso_dates_are_refused_naming_the_flags(
    cli, tmp_path: Path, address: str
) -> None:
    """ISO dates in the first file, then 13/01/2024 in one file and 01/13/2024 in another:
    '02/03/2024' was read 2 March in one and 3 February in the other without a word.
    Refused in one line naming the file and the flags, as in memory the file of all
    those lines is refused."""
    data = tmp_path / "csv"
    data.mkdir()
    for name, dates in {"a": ["2024-01-05"], "b": ["13/01/2024", "02/03/2024"],
                        "c": ["01/13/2024", "02/03/2024"]}.items():  # fmt: skip
        lines = ["CustomerID,InvoiceDate,Quantity,UnitPrice"]
        lines += [f"{name}{i},{d},1,2.5" for i, d in enumerate(dates)]
        (data / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = cli("segment", str(data / "*.csv"), "--dask", address, "--out",
               str(tmp_path / "out"), "-q")  # fmt: skip
    assert_user_error(proc, ".csv: date column 'InvoiceDate'", "settle no day/month "
                      "order", "--dayfirst", "--date-format")  # fmt: skip
    # either later file settles an order; the one a worker reads first is named
    assert proc.stderr.strip().splitlines()[-1].startswith(("rfmseg: error: b.csv: ",
                                                            "rfmseg: error: c.csv: "))
    assert "partition" not in proc.stderr


def test_out_inside_the_data_folder_is_refused(cli, tmp_path: Path) -> None:
    data = tmp_path / "orders"
    make_data(1_000, data)
    proc = cli("segment", str(data), "--dask", "--out", str(data / "results"))
    assert_user_error(proc, "--out", "inside the data folder")
    assert not (data / "results").exists()


def test_unreachable_scheduler_is_one_line(cli, tmp_path: Path) -> None:
    data = tmp_path / "orders"
    make_data(1_000, data)
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        proc = cli("segment", str(data), "--dask", "tcp://127.0.0.1:9", "--out",
                   str(tmp_path / "out"))  # fmt: skip
    assert_user_error(proc, "cannot reach a Dask scheduler at tcp://127.0.0.1:9")


@pytest.mark.parametrize("after", ["reading", "cleaning transactions on Dask"])
def test_ctrl_c_during_a_dask_run_is_one_line(
    cli, capsys, caplog, tmp_path: Path, monkeypatch, after: str
) -> None:
    """SIGINT while the client waits for the workers (a local cluster, as --dask starts
    it): "rfmseg: interrupted", exit 130, and nothing from Dask's event loop about the
    work it cancelled ("Task exception was never retrieved ... AllExit")."""
    import gc
    import os
    import signal
    import threading

    from rfm.app import cli as cli_module

    data = tmp_path / "orders"
    make_data(100_000, data, rows_per_file=25_000)
    say = cli_module._Reporter.__call__

    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))

    def say_then_interrupt(self, message: str) -> None:
        say(self, message)
        if message.startswith(after):  # while the client waits for the workers' results
            timer.start()

    monkeypatch.setattr(cli_module._Reporter, "__call__", say_then_interrupt)
    proc = cli("segment", str(data), "--dask", "--out", str(tmp_path / "out"))
    timer.cancel()  # (had the run ended first, no stray Ctrl-C for pytest)
    gc.collect()  # the cancelled task reports when it is collected
    later = capsys.readouterr().err
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "rfmseg: interrupted"
    assert "Traceback" not in proc.stderr + later
    logged = "\n".join(r.getMessage() for r in caplog.records)  # pytest holds the log
    assert "never retrieved" not in proc.stderr + later + logged


def test_local_cluster_workers_do_not_take_the_terminals_ctrl_c(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches every process of the command; each worker printed its
    own KeyboardInterrupt traceback. The local cluster starts with SIGINT blocked, which
    its worker processes inherit (the command closes them); this thread's mask is back
    afterwards."""
    import signal

    import psutil

    from rfm.app.dask_session import dask_session

    def blocked(pid: int) -> bool:
        with open(f"/proc/{pid}/status") as status:
            mask = next(line for line in status if line.startswith("SigBlk:"))
        return bool(int(mask.split()[1], 16) & (1 << (signal.SIGINT - 1)))

    if not Path("/proc/self/status").exists():
        pytest.skip("reads signal masks from /proc (Linux)")
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    others = {p.pid for p in psutil.Process().children(recursive=True)}  # e.g. `address`
    # another Dask holding the dashboard's port is no warning for the user (it printed
    # "warning: Port 8787 is already in use. Perhaps you already have a cluster running?")
    with socket.socket() as held, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):  # already held by another Dask: the same case
            held.bind(("", 8787))
            held.listen()
        with dask_session("local", lambda message: None):
            workers = [p for p in psutil.Process().children(recursive=True)
                       if p.pid not in others
                       and "resource_tracker" not in " ".join(p.cmdline())]  # fmt: skip
            assert workers and all(blocked(p.pid) for p in workers)
            assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before
    assert not [w for w in caught if "already in use" in str(w.message)]


# -- files that disagree, servers that are not schedulers -------------------------------------


def test_csv_glob_files_are_read_each_by_its_own_header(cli, tmp_path: Path, address: str) -> None:
    """One file of three has InvoiceNo and CustomerID swapped, its own header right. Read
    by position under the first file's names it mixed customers and invoices (wrong
    recency for hundreds of customers); each file is now read by its header. A quantity
    of 2.5 in the last file, after whole numbers, is read too (Dask held it to the type
    of the first rows). The reference is the in-memory run on the rows in one file."""
    from benchmarks.make_data import chunk

    rows = chunk(0, 6_000, 6_000, ids="str")
    quantity = rows["Quantity"].astype(object)  # written 3 (not 3.0) ...
    quantity.loc[5_000] = 2.5  # ... then, in the last file, one decimal
    rows["Quantity"] = quantity
    data = tmp_path / "csv"
    data.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(rows)), 3)):
        frame = rows.iloc[part]
        if i == 1:
            frame = frame[["InvoiceNo", "CustomerID", "InvoiceDate", "Quantity", "UnitPrice"]]
        frame.to_csv(data / f"orders-{i}.csv", index=False)
    rows.to_csv(tmp_path / "all.csv", index=False)
    mem = cli("segment", str(tmp_path / "all.csv"), "--out", str(tmp_path / "mem"), "-q")
    assert mem.returncode == 0, mem.stderr
    dask = cli("segment", str(data / "*.csv"), "--dask", address, "--out", str(tmp_path / "dask"),
               "-q")  # fmt: skip
    assert dask.returncode == 0, dask.stderr
    _same_files(tmp_path / "mem", tmp_path / "dask", CSVS)
    # a file with other columns is refused by name, before any work
    rows.iloc[:10].rename(columns={"UnitPrice": "Price"}).to_csv(data / "orders-3.csv",
                                                                 index=False)  # fmt: skip
    proc = cli("segment", str(data / "*.csv"), "--dask", address, "--out", str(tmp_path / "x"))
    assert_user_error(proc, "orders-3.csv has the columns", "every file must have the same")
    # text in a money column of a later file: money is read from its text, as in memory,
    # so the message names the value (it was Dask's type mismatch, in the command's words)
    bad = rows.iloc[:10].astype({"UnitPrice": object})
    bad.loc[bad.index[3], "UnitPrice"] = "abc"
    bad.to_csv(data / "orders-3.csv", index=False)
    proc = cli("segment", str(data / "*.csv"), "--dask", address, "--out", str(tmp_path / "x"))
    assert_user_error(proc, "column 'UnitPrice' has 1 value(s) that are not numbers, e.g. "
                      "'abc'", "fix those cells")  # fmt: skip
    assert "pd.read_csv" not in proc.stderr and "dtype=" not in proc.stderr


def test_parquet_files_that_store_ids_and_numbers_differently(cli, tmp_path: Path,
                                                              address: str) -> None:  # fmt: skip
    """Integer customer ids in one file and text in another, int32 quantities next to
    floats, columns in another order: read as text ids and float numbers in every file,
    the same files as in memory with the ids written as text. A damaged file, or dates
    stored as text in one file, is refused by name before any Dask work."""
    from benchmarks.make_data import chunk

    rows = chunk(0, 6_000, 6_000, ids="int")
    rows.astype({"CustomerID": str}).to_parquet(tmp_path / "all.parquet")  # ids as text
    data = tmp_path / "pq"
    data.mkdir()
    parts = [rows.iloc[p].copy() for p in np.array_split(np.arange(len(rows)), 3)]
    parts[1]["CustomerID"] = parts[1]["CustomerID"].astype(str)
    parts[1] = parts[1][["UnitPrice", "InvoiceDate", "CustomerID", "Quantity", "InvoiceNo"]]
    parts[2]["Quantity"] = parts[2]["Quantity"].astype("float64")
    for i, part in enumerate(parts):
        part.to_parquet(data / f"part-{i}.parquet")
    mem = cli("segment", str(tmp_path / "all.parquet"), "--out", str(tmp_path / "mem"), "-q")
    assert mem.returncode == 0, mem.stderr
    dask = cli("segment", str(data), "--dask", address, "--out", str(tmp_path / "dask"), "-q")
    assert dask.returncode == 0, dask.stderr
    _same_files(tmp_path / "mem", tmp_path / "dask", CSVS)

    parts[2].assign(InvoiceDate=parts[2]["InvoiceDate"].astype(str)).to_parquet(
        data / "part-2.parquet")  # fmt: skip
    proc = cli("segment", str(data), "--dask", address, "--out", str(tmp_path / "x"))
    assert_user_error(proc, "part-2.parquet: column 'InvoiceDate' has dtype", "part-0.parquet")
    assert "cleaning transactions on Dask" not in proc.stderr  # refused before any work
    (data / "part-2.parquet").write_bytes(b"PAR1" + b"not a footer" * 50 + b"PAR1")
    proc = cli("segment", str(data), "--dask", address, "--out", str(tmp_path / "x"))
    assert_user_error(proc, "cannot read", "part-2.parquet", "not a Parquet file or it is damaged")
    assert "cleaning transactions on Dask" not in proc.stderr


def test_a_worker_error_is_the_one_line_without_the_workers_log(capfd, tmp_path: Path) -> None:
    """An error raised on a worker of the local cluster (the second file's dates only
    read month first, the first file's only day first) was printed twice: distributed's
    "Compute Failed" log from the worker process, then the command's line. Only the line
    is left (the workers' stderr is this process's)."""
    from benchmarks.make_data import chunk
    from rfm.app.cli import main

    rows = chunk(0, 4_000, 4_000, ids="str")
    data = tmp_path / "csv"
    data.mkdir()
    for i, (part, layout) in enumerate([(rows.iloc[:2_000], "%d/%m/%Y %H:%M"),
                                        (rows.iloc[2_000:], "%m/%d/%Y %H:%M")]):  # fmt: skip
        part.assign(InvoiceDate=part["InvoiceDate"].dt.strftime(layout)).to_csv(
            data / f"orders-{i}.csv", index=False)  # fmt: skip
    capfd.readouterr()
    code = main(["segment", str(data / "*.csv"), "--dask", "-q", "--out", str(tmp_path / "o")])
    err = capfd.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines == [lines[-1]] and lines[-1].startswith("rfmseg: error: "), err
    assert "only read month first" in lines[-1] and "--date-format" in lines[-1], err
    assert "Compute Failed" not in err and "Traceback" not in err


@contextmanager
def _server(reply: bytes | None) -> Iterator[str]:
    """A TCP server on 127.0.0.1 in a thread: answers every connection with ``reply``
    (after reading what the client sends), or never answers (``None``)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:  # the accept timed out: look at `stop` again
                continue
            held.append(conn)
            if reply is not None:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                    conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "not as a Dask scheduler"),
     (None, "did not answer within 2 s")],
    ids=["http", "silent"],
)  # fmt: skip
def test_a_server_that_is_no_scheduler_is_one_line_in_bounded_time(
    cli, tmp_path: Path, reply: bytes | None, fragment: str
) -> None:
    """--dask at an HTTP server ended in a traceback ("Unable to allocate 3.07 EiB": its
    reply read as a message size); at a server that accepts and never answers it hung.
    Both are one line naming --dask ADDRESS within the connect timeout."""
    import time

    import dask

    data = tmp_path / "orders"
    make_data(1_000, data)
    with _server(reply) as address, dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        start = time.perf_counter()
        proc = cli("segment", str(data), "--dask", address, "--out", str(tmp_path / "out"))
        took = time.perf_counter() - start
    assert_user_error(proc, f"cannot reach a Dask scheduler at {address} (--dask ADDRESS)",
                      fragment)  # fmt: skip
    assert "EiB" not in proc.stderr
    assert took < 20, took


def test_files_in_other_encodings(cli, tmp_path: Path, address: str) -> None:
    """Each CSV file is read with its own sniffed encoding: a later file in Windows-1252
    keeps "André". A byte that is not UTF-8 deep in a file (past the sniffed start and
    Dask's sample) failed on a worker and the command said only "UnicodeDecodeError";
    it now names the byte, the text around it and --encoding."""
    from benchmarks.make_data import chunk

    rows = chunk(0, 45_000, 45_000, ids="str")  # about 1.6 MB of CSV
    data = tmp_path / "csv"
    data.mkdir()
    rows.iloc[:1_000].to_csv(data / "orders-0.csv", index=False)
    later = rows.iloc[1_000:2_000].copy()
    later.loc[later.index[3], "CustomerID"] = "André"
    later.to_csv(data / "orders-1.csv", index=False, encoding="cp1252")
    out = tmp_path / "out"
    proc = cli("segment", str(data / "*.csv"), "--dask", address, "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "André" in set(pd.read_csv(out / "segments.csv")["customer"])

    deep = rows.copy()
    deep.loc[deep.index[-5], "CustomerID"] = "André"
    text = deep.to_csv(index=False).encode("utf-8").replace("André".encode(), b"Andr\xe9")
    assert text.index(b"Andr\xe9") > 1_200_000  # past the start and Dask's sample
    (tmp_path / "deep.csv").write_bytes(text)
    proc = cli("segment", str(tmp_path / "deep.csv"), "--dask", address, "--out", str(out))
    assert_user_error(proc, "the data is not utf-8 throughout: byte 0xE9 in b'",
                      "Andr\\xe9", "--encoding")  # fmt: skip


def test_a_stray_non_date_on_dask_is_placed_within_its_file(cli, tmp_path: Path,
                                                            address: str) -> None:  # fmt: skip
    """Two CSV files, each read whole; the second's 4th order line is no date. The one
    line names the file and quotes the value with its order line, the file's own (a
    worker reads the whole file), as in memory (it said "partition 1", which an analyst
    cannot find, and counted the line from its start)."""
    rows = make_transactions(n_customers=60, n_rows=400, random_state=3)
    data = tmp_path / "csv"
    data.mkdir()
    rows.iloc[:200].to_csv(data / "orders-0.csv", index=False)
    second = rows.iloc[200:].astype({"InvoiceDate": str}).reset_index(drop=True)
    second.loc[3, "InvoiceDate"] = "not a date"
    second.to_csv(data / "orders-1.csv", index=False)
    proc = cli("segment", str(data / "orders-*.csv"), "--dask", address, "--out",
               str(tmp_path / "out"))  # fmt: skip
    assert_user_error(proc, "orders-1.csv: date column 'InvoiceDate'",
                      "'not a date' (order line 4);")
    assert "partition" not in proc.stderr


def test_customers_whose_every_line_was_removed_are_said_as_in_memory(
    cli, tmp_path: Path, address: str
) -> None:
    """Customers with only returns, free lines or cancelled orders (one of them in two
    files) have every line removed by the cleaning: the Dask run says how many, in the
    in-memory run's sentence and with its number, counted here with pandas as the ids
    read (guest lines aside) less the ids of the lines kept. A customer with a return in
    one file and purchases in another is kept, so not counted."""
    from benchmarks.make_data import chunk

    rows = chunk(0, 3_000, 3_000, ids="str").astype({"InvoiceNo": str})
    day = rows["InvoiceDate"].max()
    kept_one = rows["CustomerID"].iloc[0]  # buys in the first file, returns in the last
    extra = pd.DataFrame(
        [
            ("R-ONLY", "9001", day, -2, 5.0),  # returns only, in the first file ...
            ("FREE-ONLY", "9002", day, 1, 0.0),  # a free line only
            ("CANCELLED-ONLY", "C9003", day, 3, 4.0),  # a cancelled order only
            ("", "9004", day, 1, 2.0),  # a guest line: no id, not a customer
        ],
        columns=rows.columns,
    )
    late = pd.DataFrame(
        [
            ("R-ONLY", "9005", day, -1, 5.0),  # ... and in the last file
            (kept_one, "9006", day, -1, 3.0),
        ],
        columns=rows.columns,
    )
    parts = np.array_split(np.arange(len(rows)), 3)
    files = [pd.concat([extra, rows.iloc[parts[0]]]), rows.iloc[parts[1]],
             pd.concat([rows.iloc[parts[2]], late])]  # fmt: skip
    data = tmp_path / "csv"
    data.mkdir()
    for i, frame in enumerate(files):
        frame.to_csv(data / f"orders-{i}.csv", index=False)
    everything = pd.concat(files, ignore_index=True)
    everything.to_csv(tmp_path / "all.csv", index=False)

    ids = everything["CustomerID"].replace("", np.nan).dropna()
    kept = everything[everything["CustomerID"].ne("")
                      & ~everything["InvoiceNo"].str.startswith("C")
                      & (everything["Quantity"] > 0) & (everything["UnitPrice"] > 0)]  # fmt: skip
    n = ids.nunique() - kept["CustomerID"].nunique()
    assert n == 3  # R-ONLY, FREE-ONLY and CANCELLED-ONLY
    said = f"note: {n} customers had every order line removed by the cleaning and are not"

    mem = cli("segment", str(tmp_path / "all.csv"), "--out", str(tmp_path / "mem"), "-q")
    assert mem.returncode == 0, mem.stderr
    dask = cli("segment", str(data / "*.csv"), "--dask", address, "--out",
               str(tmp_path / "dask"), "-q")  # fmt: skip
    assert dask.returncode == 0, dask.stderr
    for proc in (mem, dask):
        lines = [line for line in proc.stdout.splitlines() if "every order line" in line]
        assert len(lines) == 1 and lines[0].startswith(said), proc.stdout
    sentence = f"{n} customers had every order line removed by the cleaning"
    for out in ("mem", "dask"):
        assert sentence in (tmp_path / out / "report.html").read_text(encoding="utf-8")
    _same_files(tmp_path / "mem", tmp_path / "dask", CSVS)


def test_totals_rows_are_neither_customers_left_out_nor_guest_orders(
    cli, tmp_path: Path, address: str
) -> None:
    """Two monthly files, the first ending with a totals row under the customer id
    'TOTAL', the second with a totals line that has no customer id ('Total,,,<sums>').
    Counted by hand from the rows below: 29 lines read (24 of 12 customers, 2 each, and 5
    others); 1 guest order (invoice 900); 1 cancelled order, 1 line of quantity 0; 2
    totals rows; 24 kept. 12 customers have an
    id and a kept line; 2 (B-CANCEL, D-ZERO) lost every line. In memory the totals
    customer was counted among the customers left out (3), on Dask not (2), and the
    id-less totals line was a guest order (2) in both: a totals row is neither a
    customer nor an order, and both runs now say the same."""
    header = "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice"
    good = [f"{100 + i}{k},{17000 + i},2011-0{1 + k}-{10 + i} 10:00,{1 + i},2.50"
            for i in range(12) for k in range(2)]  # 12 customers, 2 lines each: 24
    sums = sum(1 + i for i in range(12)) * 2
    first = [*good[:12], "C500,B-CANCEL,2011-01-05 10:00,-3,2.50",
             "900,,2011-01-06 10:00,2,2.50", f"501,TOTAL,2011-01-31 23:00,{sums},1000.00"]
    second = [*good[12:], "502,D-ZERO,2011-02-05 10:00,0,2.50", f"Total,,,{sums},1000.00"]
    assert len(first) + len(second) == 29 and len(good) == 24
    data = tmp_path / "csv"
    data.mkdir()
    (data / "a.csv").write_text("\n".join([header, *first]) + "\n")
    (data / "b.csv").write_text("\n".join([header, *second]) + "\n")
    (tmp_path / "all.csv").write_text("\n".join([header, *first, *second]) + "\n")
    counts = ("rows read 29; removed by cleaning: no customer id (guest orders) 1; cancelled "
              "orders 1; quantity")
    left = "note: 2 customers had every order line removed by the cleaning and are not"
    runs = {"mem": [str(tmp_path / "all.csv")], "dask": [str(data / "*.csv"), "--dask", address]}
    for out, args in runs.items():
        proc = cli("segment", *args, "--k", "2", "--out", str(tmp_path / out))
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        read = [x for x in lines if x.startswith("rows read")]
        assert len(read) == 1 and read[0].startswith(counts), (out, proc.stdout)
        assert read[0].endswith("; totals row (not a customer) 2; kept 24"), (out, read)
        said = [x for x in lines if "every order line" in x]
        assert len(said) == 1 and said[0].startswith(left), (out, said)
        report = (tmp_path / out / "report.html").read_text(encoding="utf-8")
        assert "2 customers had every order line removed by the cleaning" in report, out
        seg = pd.read_csv(tmp_path / out / "segments.csv", dtype={"customer": str})
        assert sorted(seg["customer"]) == [str(17000 + i) for i in range(12)], out


def test_money_in_files_that_read_otherwise_alone_reads_as_in_memory(
    cli, tmp_path: Path, address: str
) -> None:
    """The first file's amounts are plain (27.50), the second's carry '£' and three
    decimals (£127.250): alone, the second reads two ways ('.' may group thousands), and
    the first has no currency. Dask decided both one partition at a time and refused the
    second ("where the first part of the data holds none"); the one file of the same
    lines is read in memory as pounds, '.' marking decimals. Both are decided from the
    whole data now: the files the in-memory run writes, and the spend written."""
    rows = make_transactions(n_customers=60, n_rows=400, random_state=3)
    rows = rows[["CustomerID", "InvoiceNo", "InvoiceDate"]].assign(
        Amount=(rows["TotalAmount"] % 900 + 1).round(2))  # 1 to 901: '127.250' reads two ways
    text = rows.assign(Amount=[f"{v:.2f}" if i < 200 else f"£{v:.3f}"
                               for i, v in enumerate(rows["Amount"])])  # fmt: skip
    data = tmp_path / "csv"
    data.mkdir()
    text.iloc[:200].to_csv(data / "orders-0.csv", index=False)
    text.iloc[200:].to_csv(data / "orders-1.csv", index=False)
    text.to_csv(tmp_path / "all.csv", index=False)
    mem = cli("segment", str(tmp_path / "all.csv"), "--out", str(tmp_path / "mem"))
    assert mem.returncode == 0, mem.stderr
    dask = cli("segment", str(data / "*.csv"), "--dask", address, "--out",
               str(tmp_path / "dask"))  # fmt: skip
    assert dask.returncode == 0, dask.stderr
    _same_files(tmp_path / "mem", tmp_path / "dask", CSVS)
    note = "note: amounts in column 'Amount' read without their '£' sign (e.g. '£"
    for out, proc in (("mem", mem), ("dask", dask)):
        assert note in proc.stdout, proc.stdout
        assert "Money is shown in £." in (tmp_path / out / "report.html").read_text("utf-8")
    seg = pd.read_csv(tmp_path / "dask" / "segments.csv", dtype={"customer": str})
    spend = rows.groupby("CustomerID")["Amount"].sum()
    np.testing.assert_allclose(seg.set_index("customer")["monetary"].sort_index(),
                               spend.sort_index(), rtol=1e-9)  # fmt: skip


#: order lines of b.csv that break it, each in one way (a.csv is sound); the in-memory
#: refusal of b.csv alone is the reference where there is one in the same words
BROKEN = {
    "no date": "C3,3,not a date,1,2.5\nC4,4,2024-01-06 10:00:00,1,2.5\n",
    "no invoice": "C3,,2024-01-05 10:00:00,1,2.5\nC4,4,2024-01-06 10:00:00,1,2.5\n",
    "field too many": "C3,3,2024-01-05 10:00:00,1,2.5,x\nC4,4,2024-01-06 10:00:00,1,2.5\n",
    "unclosed quote": 'C3,3,2024-01-05 10:00:00,1,"2.5\nC4,4,2024-01-06 10:00:00,1,2.5\n',
    "stray quote": ('C3,3,2024-01-05 10:00:00,1,"2.5\nC4,4,2024-01-06 10:00:00,1,2.5\n'
                   'C5,5,2024-01-07 10:00:00,1,2.5"\nC6,6,2024-01-08 10:00:00,1,2.5\n'),
    "repeated header": ("C3,3,2024-01-05 10:00:00,1,2.5\n"
                        "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n"),
    "not a number": "C3,3,2024-01-05 10:00:00,1,abc\nC4,4,2024-01-06 10:00:00,1,2.5\n",
}


@pytest.mark.parametrize("broken", list(BROKEN))
def test_errors_on_dask_name_the_file_not_a_partition(cli, tmp_path: Path, address: str,
                                                     broken: str) -> None:  # fmt: skip
    """Each way a file of a folder read with --dask can be refused line by line: the one
    line names that file, never a "partition" (a word of Dask an analyst does not know),
    and says what the in-memory run on that file says, in the same words."""
    header = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n"
    data = tmp_path / "csv"
    data.mkdir()
    (data / "a.csv").write_text(header + "C1,1,2024-01-02 10:00:00,1,2.5\n"
                                "C2,2,2024-01-03 10:00:00,2,2.5\n")  # fmt: skip
    (data / "b.csv").write_text(header + BROKEN[broken])
    proc = cli("segment", str(data / "*.csv"), "--dask", address, "--out",
               str(tmp_path / "out"), "-q")  # fmt: skip
    assert_user_error(proc, "rfmseg: error: b.csv: ")
    assert "partition" not in proc.stderr.lower()
    mem = cli("segment", str(data / "b.csv"), "--out", str(tmp_path / "mem"), "-q")
    said = mem.stderr.strip().splitlines()[-1].removeprefix("rfmseg: error: ")
    if broken != "no date":  # (two dates are too few for the in-memory words' format)
        assert proc.stderr.strip().splitlines()[-1] == (
            f"rfmseg: error: {said if said.startswith('b.csv: ') else 'b.csv: ' + said}")


@pytest.mark.parametrize("lines", [4_000, 40])  # the long line past the sampled start or not
def test_a_field_too_many_in_a_later_block_is_said_as_in_memory(cli, tmp_path: Path,
                                                                address: str, lines: int,
                                                                monkeypatch) -> None:  # fmt: skip
    """One file read in several blocks, a line near its end with a field too many: pandas,
    reading that block alone, counted the line from the block's start ("Expected 5 fields
    in line 773, saw 6") or, when the file's first lines show the extra column, refused
    the first rows Dask reads to learn the columns ("Too many columns specified"), and that
    reached the user raw, with no file named. The one line now says what the in-memory run
    on the file says: the file, its line (counted from the file's start) and the fix."""
    from rfm.io import loading_dask

    rows = [f"C{i % 50},{i},2024-01-{i % 28 + 1:02d} 10:00:00,1,2.5" for i in range(lines)]
    at = lines - 20  # the order line with a field too many; the header is line 1
    rows[at - 1] += ",x"
    text = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n" + "\n".join(rows) + "\n"
    src = tmp_path / "big.csv"
    src.write_text(text)
    blocks = len(text) // 5
    assert text.index(",x\n") > blocks  # in a later block than the first
    monkeypatch.setattr(loading_dask, "CSV_BLOCK_BYTES", blocks)
    proc = cli("segment", str(src), "--dask", address, "--out", str(tmp_path / "out"), "-q")
    mem = cli("segment", str(src), "--out", str(tmp_path / "mem"), "-q")
    said = mem.stderr.strip().splitlines()[-1]
    assert said.startswith(f"rfmseg: error: big.csv: line {at + 1:,} has 6 fields but the "
                           "header has 5 (")
    assert_user_error(proc, said)
    assert proc.stderr.strip().splitlines()[-1] == said


def test_a_quote_closed_in_a_later_block_is_said_in_one_line(cli, tmp_path: Path,
                                                            address: str,
                                                            monkeypatch) -> None:  # fmt: skip
    """A quote that opens in the first block of a file and closes in the second: the file,
    read on its own, has no quote that never closes and no line with a field too many, so
    no file is blamed for pandas' words ("EOF inside string starting at row 14"); one line
    says what is likely and names --no-quoting instead. (The in-memory run refuses the
    file for the rows its quoted cell swallowed.)"""
    from rfm.io import loading_dask

    rows = [f"C{i % 9},{i},2024-01-{i % 28 + 1:02d} 10:00:00,1,2.5" for i in range(40)]
    rows[13] = rows[13].removesuffix("2.5") + '"2.5'  # order line 14 opens a quote...
    rows[26] += '"'  # ... that closes on order line 27
    text = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n" + "\n".join(rows) + "\n"
    src = tmp_path / "b.csv"
    src.write_text(text)
    # two blocks of half the file each: the first ends inside the quoted cell
    assert text.index('"') < len(text) // 2 < text.rindex('"')
    monkeypatch.setattr(loading_dask, "CSV_BLOCK_BYTES", len(text) // 2)
    proc = cli("segment", str(src), "--dask", address, "--out", str(tmp_path / "out"), "-q")
    assert_user_error(proc, "rfmseg: error: cannot read b.csv in blocks: ", "no file",
                      "a quote that never closes", "--no-quoting")  # fmt: skip
    assert "tokenizing" not in proc.stderr and "EOF" not in proc.stderr
    mem = cli("segment", str(src), "--out", str(tmp_path / "mem"), "-q")
    assert_user_error(mem, "b.csv: line 15 opens a quote that does not close on that line",
                      "lines 16 to 28 were read into one cell")  # fmt: skip
