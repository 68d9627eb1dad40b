"""Running the ``rfmseg`` command inside the test process, and checking what it said.

Every CLI test calls :func:`rfm.app.cli.main` in process: it returns the exit status,
and pytest's ``capsys`` fixture captures what it printed. A subprocess costs an
interpreter, the imports and the kernel loads each time; only the few smoke tests that
need a real process (the installed entry point, Ctrl-C, the kernel cache) start one.

Import it one way, ``from _cli import ...`` (``tests/`` is on ``sys.path`` through its
``conftest.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from rfm.app.cli import main

ROOT = Path(__file__).resolve().parent.parent

#: the columns of segments.csv, in order
SEGMENTS_COLUMNS = [
    "customer",
    "recency",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_code",
    "segment",
    "cluster",
    "persona",
    "action",
    "silhouette",
]
#: the files every run writes
OUTPUTS = ["segments.csv", "profile.csv", "elbow.csv", "validation.csv", "report.html"]


@dataclass(frozen=True)
class Run:
    """What one command printed, and its exit status (as ``subprocess`` reports them)."""

    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _working_dir(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str, cwd: Path | None = None) -> Run:
    """Run ``rfmseg ARGS`` in this process; its exit status and what it printed.

    argparse ends ``--help``, ``--version`` and its own usage errors with ``SystemExit``;
    that is the exit status too, as it would be for the real command.
    """
    capsys.readouterr()  # start from nothing
    with _working_dir(cwd):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    out = capsys.readouterr()
    return Run(code, out.out, out.err)


def assert_user_error(proc: Run, *fragments: str) -> None:
    """Exit 2 with one ``rfmseg: error: ...`` line, the last, holding every fragment."""
    assert proc.returncode == 2, proc.stderr
    # progress lines may come first; the error is one line, the last, and never a traceback
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if "error" in line.lower()]
    assert errors == [lines[-1]], proc.stderr
    assert lines[-1].startswith("rfmseg: error: ")
    assert "Traceback" not in proc.stderr
    for f in fragments:
        assert f in lines[-1], lines[-1]


def run_captured(*args: str) -> Run:
    """Run ``rfmseg ARGS`` in this process without pytest's ``capsys``: for fixtures that
    live longer than one test (a module's or the session's), where ``capsys`` is not
    available. What it prints is captured all the same."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return Run(code, out.getvalue(), err.getvalue())
