"""``rfmseg segment PATH --dask`` end to end: the same files as the in-memory run.

The reference is the in-memory command on the same rows gathered into one file (itself
tested against pandas, scikit-learn and scipy elsewhere). The Dask runs use a
two-process LocalCluster started here, through ``--dask ADDRESS``; the local cluster
that ``--dask`` alone starts is the same class, sized by ``local_cluster_size``.
"""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from _cli import assert_user_error  # noqa: E402

from benchmarks.make_data import make_data  # noqa: E402

CSVS = ["segments.csv", "profile.csv", "elbow.csv", "validation.csv"]


@pytest.fixture(scope="module")
def address():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


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

    extra = ["--compare-to", "2023-12-31", "--seed", "3"]
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


@pytest.mark.parametrize("after", ["cleaning transactions on Dask", "computing recency"])
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
    with dask_session("local", lambda message: None):
        workers = [p for p in psutil.Process().children(recursive=True) if p.pid not in others
                   and "resource_tracker" not in " ".join(p.cmdline())]  # fmt: skip
        assert workers and all(blocked(p.pid) for p in workers)
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before
