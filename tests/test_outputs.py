"""Outputs: all-or-nothing writing, no surprises on disk, formula injection, format limits.

The CLI cases run the command in process (tests/_cli.py); the failure cases of
:func:`write_outputs` run on one small pipeline result, with a writer patched to fail.
"""

from __future__ import annotations

import csv
import errno
import importlib
import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from _cli import assert_user_error

from rfm.app.outputs import output_files, write_outputs
from rfm.app.pipeline import run_pipeline
from rfm.columns import TransactionColumns
from rfm.datasets import make_transactions
from rfm.io._atomic import PREFIX, OutputError, check_folder
from rfm.io.export import export, max_rows, neutralise_formulas

export_module = importlib.import_module("rfm.io.export")  # `rfm.io.export` is also the function
OUTPUTS = ["segments.csv", "profile.csv", "elbow.csv", "validation.csv", "report.html"]
# ids of the issue; each starts a formula in Excel or LibreOffice
EVIL = ['=HYPERLINK("http://x.test","a")', "+1+1", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"]
SAFE = ["'" + e for e in EVIL]  # OWASP: a leading single quote makes the cell text


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every entry of ``folder`` (hidden ones too) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def previous_results(folder: Path) -> dict[str, bytes]:
    """A folder holding an earlier run's files, each with recognisable content."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        (folder / name).write_text(f"earlier run: {name}\n")
    return snapshot(folder)


@pytest.fixture(scope="module")
def result():
    tx = make_transactions(n_customers=300, n_rows=3000, random_state=0)
    return run_pipeline(
        tx, columns=TransactionColumns(amount="TotalAmount", quantity=None, price=None), k=3,
        scaling="log-minmax",
    )


def read_only(folder: Path) -> None:
    """Make ``folder`` read-only for this process (also as root, via the immutable flag)."""
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    probe = folder / "probe"
    try:
        probe.mkdir()
    except OSError:
        return
    probe.rmdir()  # root ignores permissions: make the folder immutable instead
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only folder here (root without chattr)")


def writable_again(folder: Path) -> None:
    subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(stat.S_IRWXU)


# -- atomic writing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()],
    ids=["disk-full", "ctrl-c"],
)
def test_failure_while_writing_leaves_the_previous_results(
    result, tmp_path: Path, monkeypatch, failure: BaseException
) -> None:
    out = tmp_path / "out"
    before = previous_results(out)

    def failing_report(path, *args, **kwargs):
        Path(path).write_text("half a report")
        raise failure

    # the report is the last file: every other file has been written when it fails
    monkeypatch.setattr("rfm.report.write_report", failing_report)
    with pytest.raises(type(failure)) as info:
        write_outputs(result, out)
    assert snapshot(out) == before  # nothing replaced, no staging folder left behind
    if isinstance(failure, OSError):
        assert isinstance(info.value, OutputError)
        assert str(out / "report.html") in str(info.value)
        assert "No space left on device" in str(info.value)


def test_bad_input_while_writing_leaves_the_previous_results(result, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = previous_results(out)
    bad = type(result)(**{**vars(result), "profile": None})  # fails after segments.csv
    with pytest.raises(TypeError, match=r"could not write .*profile\.csv: frame must be"):
        write_outputs(bad, out)
    assert snapshot(out) == before


def test_failure_in_a_new_folder_leaves_no_folder(result, tmp_path: Path, monkeypatch) -> None:
    def failing(*args, **kwargs):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr("rfm.app.outputs.write_table", failing)
    with pytest.raises(OutputError, match=r"segments\.csv: File too large"):
        write_outputs(result, tmp_path / "new" / "out")
    assert list(tmp_path.iterdir()) == []


def test_staging_folder_of_a_dead_run_is_removed(result, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # a process id that has ended
    ended.wait()
    stale = out / f"{PREFIX}{ended.pid}-abc"
    stale.mkdir()
    (stale / "segments.csv").write_text("partial")
    live = out / f"{PREFIX}{os.getppid()}-abc"  # our parent is alive: left alone
    live.mkdir()
    write_outputs(result, out)
    assert not stale.exists()
    assert live.is_dir()


def test_failed_cli_run_under_a_file_size_limit_keeps_the_previous_results(
    cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = cli("demo", "--customers", "300", "--rows", "3000", "--out", str(out), "-q")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    limit = len(before["segments.csv"]) // 2
    # the operating system's own limit on file size (Python ignores its SIGXFSZ, so a
    # write beyond it fails with EFBIG), for this process while the command runs
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        proc = cli("demo", "--customers", "300", "--rows", "3000", "--seed", "1",
                   "--out", str(out), "-q")  # fmt: skip
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert_user_error(proc, str(out / "segments.csv"), "File too large")
    assert snapshot(out) == before


# -- checks before any work ----------------------------------------------------------


def test_read_only_out_fails_fast(cli, tmp_path: Path) -> None:
    out = tmp_path / "locked"
    out.mkdir()
    read_only(out)
    try:
        proc = cli("demo", "--customers", "300", "--rows", "3000", "--out", str(out))
    finally:
        writable_again(out)
    assert_user_error(proc, "--out", str(out), "cannot be written")
    assert len(proc.stderr.strip().splitlines()) == 1  # no progress: nothing was computed
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_out_that_is_a_file_fails_fast(cli, tmp_path: Path, where: str) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("mine")
    out = afile if where == "file" else afile / "out"
    proc = cli("demo", "--customers", "300", "--rows", "3000", "--out", str(out))
    assert_user_error(proc, "--out", "not a folder")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert afile.read_text() == "mine"


def test_check_folder(tmp_path: Path) -> None:
    writes, removes = output_files("csv")
    assert writes == OUTPUTS
    assert removes == ["segments.xlsx", "segments.parquet", "drift.csv", "migration.csv"]
    writes, removes = output_files("xlsx", migration=True)
    assert writes == ["segments.xlsx", *OUTPUTS[1:], "migration.csv"]
    assert removes == ["segments.csv", "segments.parquet", "drift.csv"]
    check_folder(tmp_path / "new" / "deeper", writes, removes=removes)  # creatable: fine
    assert list(tmp_path.iterdir()) == []  # and nothing was created by the check
    (tmp_path / "profile.csv").mkdir()
    with pytest.raises(ValueError, match=r"folder named profile\.csv"):
        check_folder(tmp_path, writes)
    locked = tmp_path / "locked"
    locked.mkdir()
    read_only(locked)
    try:
        with pytest.raises(OutputError, match="cannot be written"):
            check_folder(locked, writes)
        with pytest.raises(OutputError, match=r"cannot create it in .*locked"):
            check_folder(locked / "sub", writes)
    finally:
        writable_again(locked)


def test_input_file_is_never_replaced(cli, tmp_path: Path) -> None:
    tx = make_transactions(n_customers=40, n_rows=200, random_state=1)
    src = tmp_path / "segments.csv"
    tx.to_csv(src, index=False)
    before = src.read_bytes()
    proc = cli("segment", str(src), "--k", "2", "--out", str(tmp_path))
    assert_user_error(proc, "input file", "choose another --out")
    assert src.read_bytes() == before
    # the same file under another name (a hard link), or one an xlsx run would remove
    link = tmp_path / "orders.csv"
    os.link(src, link)
    proc = cli("segment", str(link), "--k", "2", "--out", str(tmp_path), "--format", "xlsx")
    assert_user_error(proc, "input file", "remove")
    parquet = tmp_path / "segments.parquet"
    shutil.copy(src, parquet)
    with pytest.raises(ValueError, match="would remove"):
        check_folder(tmp_path, ["segments.csv"], removes=[parquet.name], inputs=[parquet])
    assert src.read_bytes() == before


# -- no surprises on disk -------------------------------------------------------------


def test_symlink_inside_out_is_replaced_never_written_through(result, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "segments.csv").symlink_to(victim)
    (out / "report.html").symlink_to(tmp_path / "dangling.html")
    write_outputs(result, out)
    assert victim.read_text() == "precious"
    assert not (tmp_path / "dangling.html").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)  # no staging folder left
    for name in OUTPUTS:
        assert not (out / name).is_symlink() and (out / name).is_file()
    assert len(pd.read_csv(out / "segments.csv")) == 300


def test_export_is_atomic_and_never_follows_a_symlink(tmp_path: Path, monkeypatch) -> None:
    rfm_tab, labels = tiny_rfm(["a", "b", "c"])
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "crm.csv").symlink_to(victim)
    export(tmp_path / "crm.csv", rfm_tab, labels)
    assert victim.read_text() == "precious"
    assert pd.read_csv(tmp_path / "crm.csv")["customer"].tolist() == ["a", "b", "c"]
    before = snapshot(tmp_path)

    def failing(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_module, "write_csv", failing)  # the writer, whichever it is
    with pytest.raises(OutputError, match=r"crm\.csv: No space left"):
        export(tmp_path / "crm.csv", rfm_tab, labels)
    assert snapshot(tmp_path) == before


# -- formula injection ----------------------------------------------------------------


def tiny_rfm(ids: list) -> tuple[pd.DataFrame, pd.Series]:
    n = len(ids)
    idx = pd.Index(ids, name="CustomerID")
    rfm_tab = pd.DataFrame(
        {"recency": np.arange(1, n + 1), "frequency": np.ones(n, dtype=int),
         "monetary": -2.5 * np.arange(1, n + 1)},
        index=idx,
    )  # fmt: skip
    return rfm_tab, pd.Series(np.arange(n) % 2, index=idx)


def test_neutralise_formulas_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "id": [*EVIL, "-5", "+1.5e3", "plain", "a=b", "'quoted"],
            "value": [-1.5, 2.0, -3.0, 4.0, -5.0, 6.0, -7.0, 8.0, 9.0, -10.0, 11.0],
        },
        index=pd.Index(["=1"] + [f"r{i}" for i in range(10)]),
    )
    before = frame.copy()
    safe = neutralise_formulas(frame)
    # text that is a plain number cannot be a formula: kept, so ids like "-5" survive
    assert safe["id"].tolist() == [*SAFE, "-5", "+1.5e3", "plain", "a=b", "'quoted"]
    assert safe["value"].tolist() == frame["value"].tolist()  # numbers untouched
    assert safe["value"].dtype == np.float64
    assert safe.index[0] == "'=1"
    pd.testing.assert_frame_equal(frame, before)  # input not modified


def test_text_read_back_is_the_text_before_neutralising() -> None:
    """restore_neutralised undoes neutralise_formulas: the quotes it adds go, a quote that
    was the text's own stays (ids like a phone number "+1-555-00001" match again when a
    previous run's segments file is read)."""
    from rfm.io.export import restore_neutralised

    ids = pd.Series([*EVIL, "-5", "+1.5e3", "plain", "a=b", "'quoted", "+1-555-00001", "'5"])
    written = neutralise_formulas(pd.DataFrame({"id": ids}))["id"]
    assert written.tolist()[-2:] == ["'+1-555-00001", "'5"]  # (the writer's quote, and own)
    assert restore_neutralised(written).tolist() == ids.tolist()


def test_export_csv_and_xlsx_hold_no_formula(tmp_path: Path) -> None:
    rfm_tab, labels = tiny_rfm(EVIL)
    export(tmp_path / "crm.csv", rfm_tab, labels)
    with open(tmp_path / "crm.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == SAFE
    assert [float(r[3]) for r in rows[1:]] == [-2.5 * i for i in range(1, 7)]
    export(tmp_path / "crm.xlsx", rfm_tab, labels, format="xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "crm.xlsx")["customers"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    # XML turns the carriage return into a line feed on reading; the cell is still text
    assert [c.value for c in sheet["A"][1:]] == [v.replace("\r", "\n") for v in SAFE]
    monetary = sheet["D"][1:]
    assert [c.value for c in monetary] == [-2.5 * i for i in range(1, 7)]
    assert {c.data_type for c in monetary} == {"n"}  # a negative number stays a number


def test_cli_outputs_neutralised_and_parquet_verbatim(cli, tmp_path: Path) -> None:
    src = tmp_path / "orders.csv"
    ids = [*EVIL[:4], "C1", "C2"]  # tab and CR need quoting; the unit tests cover them
    pd.DataFrame(
        {"CustomerID": ids, "InvoiceNo": range(1, 7),
         "InvoiceDate": pd.date_range("2011-01-01", periods=6, freq="W").strftime("%Y-%m-%d"),
         "TotalAmount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]}
    ).to_csv(src, index=False)  # fmt: skip
    out = tmp_path / "out"
    proc = cli("segment", str(src), "--k", "2", "--out", str(out), "--format", "xlsx", "-q")
    assert proc.returncode == 0, proc.stderr
    book = openpyxl.load_workbook(out / "segments.xlsx")["customers"]
    assert all(c.data_type != "f" for row in book.iter_rows() for c in row)
    assert sorted(c.value for c in book["A"][1:]) == sorted([*SAFE[:4], "C1", "C2"])
    # parquet is typed data, not a spreadsheet: ids verbatim; the earlier xlsx is removed
    proc = cli("segment", str(src), "--k", "2", "--out", str(out), "--format", "parquet")
    assert proc.returncode == 0, proc.stderr
    assert "removed segments.xlsx" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(["segments.parquet", *OUTPUTS[1:]])
    seg = pd.read_parquet(out / "segments.parquet")
    assert sorted(seg["customer"]) == sorted(ids)
    assert dict(zip(seg["customer"], seg["monetary"], strict=True)) == dict(
        zip(ids, [10.0, 20.0, 30.0, 40.0, 50.0, 60.0], strict=True)
    )


def test_export_xlsx_control_character_is_a_clear_error(tmp_path: Path) -> None:
    rfm_tab, labels = tiny_rfm(["a\x01b", "c"])
    with pytest.raises(ValueError, match=r"crm\.xlsx: .*control character.*csv or parquet"):
        export(tmp_path / "crm.xlsx", rfm_tab, labels, format="xlsx")
    assert list(tmp_path.iterdir()) == []


# -- format limits ---------------------------------------------------------------------


def test_xlsx_row_limit() -> None:
    # Excel: 1,048,576 rows per sheet, one of them the header
    assert max_rows("xlsx") == 1_048_576 - 1
    assert max_rows("csv") is None and max_rows("parquet") is None


def test_export_refuses_more_rows_than_a_sheet_holds(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(export_module, "XLSX_MAX_ROWS", 2)
    rfm_tab, labels = tiny_rfm(["a", "b", "c"])
    with pytest.raises(ValueError, match="3 customers do not fit in an xlsx sheet"):
        export(tmp_path / "crm.xlsx", rfm_tab, labels, format="xlsx")
    assert list(tmp_path.iterdir()) == []
    export(tmp_path / "crm.csv", rfm_tab, labels)  # csv has no such limit


def test_cli_refuses_xlsx_beyond_the_limit_before_clustering(
    cli, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(export_module, "XLSX_MAX_ROWS", 299)
    proc = cli("demo", "--customers", "300", "--rows", "3000", "--out", str(out),
               "--format", "xlsx")  # fmt: skip
    assert_user_error(proc, "300 customers", "xlsx", "--format csv")
    assert "clustering" not in proc.stderr
    assert not out.exists()


def test_parquet_without_pyarrow_is_a_one_line_error(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    proc = cli("demo", "--customers", "300", "--rows", "3000", "--out", str(tmp_path / "out"),
               "--format", "parquet")  # fmt: skip
    assert_user_error(proc, "--format parquet", "pyarrow", "pip install pyarrow")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_write_csv_rounds_floats_to_the_digits_asked(tmp_path: Path) -> None:
    """A median of sums added in another order (on Dask) can differ in its last bits: at
    12 significant digits both write the same text; without ``digits``, floats are written
    exactly, as before."""
    from rfm.io.export import write_csv

    frame = pd.DataFrame({"median": [23.980000000000018, 104.99999999999999, 7.0],
                          "customers": [3, 4, 5]}, index=pd.Index([0, 1, 2], name="cluster"))
    write_csv(frame, tmp_path / "a.csv", index=True, digits=12)
    back = pd.read_csv(tmp_path / "a.csv", index_col="cluster")
    assert back["median"].tolist() == [23.98, 105.0, 7.0]
    assert back["customers"].tolist() == [3, 4, 5]
    write_csv(frame, tmp_path / "b.csv", index=True)
    assert pd.read_csv(tmp_path / "b.csv")["median"].tolist() == frame["median"].tolist()
