"""A command run that several xdist workers need, worked out once for the whole test run.

A module- or session-scoped fixture is set up once *per worker*: when pytest-xdist hands
the tests that read it to two workers (``--dist worksteal`` splits a module wherever a
worker steals), both run the same command on the same data. :func:`once_per_run` runs it
in the first worker that asks, in a folder every worker can read, and the others wait for
it and read what it left there: the same files, the same console text.

Import it one way, ``from _once import once_per_run`` (``tests/`` is on ``sys.path``
through its ``conftest.py``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str,
                 make: Callable[[Path], dict]) -> tuple[dict, Path]:  # fmt: skip
    """``make(folder)`` once per pytest run, whichever worker asks first; returns what it
    returned (JSON: strings, numbers, lists, dicts) and the folder it wrote in.

    The folder is shared by the workers: what a test reads from it must be read only.
    Without xdist, ``make`` runs in a fresh folder of this session, as a fixture would.
    A ``make`` that raises leaves nothing behind: a worker asking later runs it again
    (and fails the same way, in its own test)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        folder = tmp_path_factory.mktemp(name)
        return make(folder), folder
    # the workers' base folders are popen-gw0, popen-gw1, ... in one folder of this run
    root = tmp_path_factory.getbasetemp().parent / "once-per-run"
    root.mkdir(exist_ok=True)
    folder, done = root / name, root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if done.exists():
            return json.loads(done.read_text(encoding="utf-8")), folder
        if folder.exists():  # a make that raised half-way
            shutil.rmtree(folder)
        folder.mkdir()
        result = make(folder)
        done.write_text(json.dumps(result), encoding="utf-8")
        return result, folder
