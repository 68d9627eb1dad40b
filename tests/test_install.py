"""README's own path on a fresh virtual environment, with no PYTHONPATH tricks.

``pip install ".[plot]"``, ``rfmseg demo``, then ``pip install -e .`` in the same venv (README's
second command adds the test extra's packages to that): the command must still work
afterwards. It used to fail with ``cannot import name
'KMeans' from 'kmeans_np' (unknown location)``, because numba had cached kernels inside
``site-packages/<package>/__pycache__``; ``pip`` left those folders behind on uninstall and
they shadowed the editable install as empty namespace packages.

Then the installed console script's exit statuses: 0 for the demo, ``--help`` and
``--version``, 2 with one line for a file that does not exist.

Slow (two installs into a new venv); CI runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kmeans_np", "rfm", "validation")
DEMO = ["demo", "--customers", "300", "--rows", "3000", "--out", "out"]
COMPILE_ONE = (  # a cheap kernel: a few lines, no threads
    "import numpy as np; from kmeans_np.jit import load_kernels; "
    "assert load_kernels('kmeans_np.engine_numba').ordered_column_sums(np.ones((2, 3)))[0] == 2"
)


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=1200)
    tail = f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{tail}"
    return proc


@pytest.mark.slow
def test_readme_install_sequence_in_a_fresh_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python, rfmseg = bin_dir / "python", bin_dir / "rfmseg"
    # as on a user's machine: bytecode is written beside the sources (PYTHONDONTWRITEBYTECODE
    # and PYTHONPYCACHEPREFIX unset), so the first command compiles numpy's, pandas' and
    # scipy's sources once and the later ones reuse that (pip is told --no-compile below),
    # and the uninstall below must remove those __pycache__ folders too
    unset = ("PYTHONPATH", "NUMBA_CACHE_DIR", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # an empty kernel cache: a first run
    elsewhere = tmp_path / "elsewhere"  # never the checkout: nothing importable by accident
    elsewhere.mkdir()
    # a copy of the sources, so that building the wheel leaves nothing in the checkout
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "venv", "__pycache__", "*.egg-info", "build", "rfmseg-demo",
            "bench-data",
        ),
    )

    # --no-compile: pip's byte-compiling of numpy, pandas and scipy is not what is tested
    pip = [str(python), "-m", "pip", "install", "-q", "--no-compile"]
    _run([*pip, f"{src}[plot]"], env, elsewhere)
    demo = _run(
        [str(rfmseg), *DEMO], env, elsewhere
    )
    assert "compiling" not in demo.stderr  # a small first run compiles nothing
    assert (elsewhere / "out" / "report.html").is_file()
    # compile one (cheap) kernel from the installed package: it must land in the cache
    _run([str(python), "-c", COMPILE_ONE], env, elsewhere)
    assert list((tmp_path / "cache" / "rfmseg" / "numba").rglob("*.nbi"))

    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )
    for package in PACKAGES:  # no compiled kernels inside the installed packages
        assert not list((purelib / package).rglob("*.nbi")), package

    # the editable reinstall over the regular one is what broke; the test extra's own
    # packages (installed by README's second command, which CI runs) change nothing here
    _run([*pip, "-e", str(src)], env, elsewhere)
    for package in PACKAGES:  # the uninstall left no folder to shadow the editable install
        assert not (purelib / package).exists(), package
    helped = _run([str(rfmseg), "--help"], env, elsewhere)
    assert "demo" in helped.stdout and "segment" in helped.stdout
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert _run([str(rfmseg), "--version"], env, elsewhere).stdout.strip() == f"rfmseg {version}"
    again = _run([str(rfmseg), *DEMO], env, elsewhere)
    assert "compiling" not in again.stderr, again.stderr
    assert (elsewhere / "out" / "segments.csv").is_file()
    # the console script's exit status on bad input: 2, one line, no traceback
    bad = subprocess.run([str(rfmseg), "segment", "no-such-file.csv", "-q"], capture_output=True,
                         text=True, env=env, cwd=elsewhere, timeout=300)  # fmt: skip
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr.strip().splitlines() == [bad.stderr.strip()], bad.stderr
    assert bad.stderr.startswith("rfmseg: error: ") and "not found" in bad.stderr
