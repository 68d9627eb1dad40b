"""rfm.io._atomic: staged output folders, checked on disk after each step.

The expected state of the folder (which files and folders exist, what they hold) is
written out by hand for each case.
"""

from __future__ import annotations

import errno
import os
import signal
import threading
from pathlib import Path

import pytest

from rfm.io._atomic import PREFIX, StagedFolder, check_folder


def tree(root: Path) -> dict[str, str]:
    """Every path under root → file text, "<dir>" or "-> target" for a symlink."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = f"-> {os.readlink(p)}"
        elif p.is_dir():
            out[rel] = "<dir>"
        else:
            out[rel] = p.read_text()
    return out


def test_nested_new_folders_are_created_and_filled(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "c"
    with StagedFolder(out) as staged:
        with staged.writing("segments.csv") as path:
            path.write_text("new")
        paths = staged.commit()
    assert paths == {"segments.csv": out / "segments.csv"}
    assert tree(tmp_path) == {"a": "<dir>", "a/b": "<dir>", "a/b/c": "<dir>",
                              "a/b/c/segments.csv": "new"}  # fmt: skip


def test_a_failure_removes_every_folder_the_run_created(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "keep.txt").write_text("mine")
    with pytest.raises(RuntimeError, match="boom"), StagedFolder(tmp_path / "a" / "b" / "c") as s:
        with s.writing("segments.csv") as path:
            path.write_text("half")
        raise RuntimeError("boom")
    assert tree(tmp_path) == {"a": "<dir>", "a/keep.txt": "mine"}


def test_a_written_file_is_never_removed_as_stale(tmp_path: Path) -> None:
    (tmp_path / "segments.xlsx").write_text("old run")
    (tmp_path / "segments.csv").write_text("old run")
    removes = ["segments.xlsx", "segments.csv", "absent.parquet"]
    with StagedFolder(tmp_path, removes=removes) as staged:
        with staged.writing("segments.csv") as path:
            path.write_text("new")
        staged.commit()
    assert staged.removed == ["segments.xlsx"]
    assert tree(tmp_path) == {"segments.csv": "new"}


def test_an_oserror_while_writing_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"could not write .*report\.html: No space left"), \
            StagedFolder(tmp_path) as staged, staged.writing("report.html"):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert tree(tmp_path) == {}


def test_a_symlink_to_a_folder_at_an_output_name_is_replaced_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").symlink_to(target)
    check_folder(out, ["report.html"])  # a link, not a folder of ours: fine
    with StagedFolder(out) as staged:
        with staged.writing("report.html") as path:
            path.write_text("<html>")
        staged.commit()
    assert tree(tmp_path) == {"elsewhere": "<dir>", "out": "<dir>", "out/report.html": "<html>"}
    (out / "report.html").unlink()
    (out / "report.html").mkdir()  # a real folder is refused
    with pytest.raises(ValueError, match=r"holds a folder named report\.html"):
        check_folder(out, ["report.html"])


def _fake_kill(alive: set[int], foreign: set[int]):
    def kill(pid: int, sig: int) -> None:
        assert sig == 0
        if pid in foreign:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        if pid not in alive:
            raise ProcessLookupError(errno.ESRCH, "No such process")

    return kill


@pytest.mark.skipif(os.name != "posix", reason="stale folders are swept on POSIX only")
def test_only_staging_folders_of_ended_processes_are_swept(tmp_path: Path, monkeypatch) -> None:
    # pid 4000001 has ended; 4000002 runs as another user (kill -0: EPERM); 4000003 runs
    for pid in (4000001, 4000002, 4000003):
        (tmp_path / f"{PREFIX}{pid}-x").mkdir()
    (tmp_path / f"{PREFIX}notapid-x").mkdir()
    monkeypatch.setattr(os, "kill", _fake_kill(alive={4000003}, foreign={4000002}))
    with StagedFolder(tmp_path) as staged:
        staged.commit()
    assert sorted(tree(tmp_path)) == [f"{PREFIX}4000002-x", f"{PREFIX}4000003-x",
                                      f"{PREFIX}notapid-x"]  # fmt: skip


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_commit_leaves_the_callers_signal_mask_as_it_was(tmp_path: Path) -> None:
    assert threading.current_thread() is threading.main_thread()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # the caller blocks
    try:
        with StagedFolder(tmp_path) as staged:
            with staged.writing("a.csv") as path:
                path.write_text("x")
            staged.commit()
        assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
