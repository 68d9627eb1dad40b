"""How the numba kernels run: cache location, concurrent callers, the first-compile notice,
Ctrl-C, one progress clock and ``--version`` (the install and first-run edges)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import tomllib
from _kmeans_helpers import rfm_data

from kmeans_np import KMeans
from validation import silhouette_samples

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kmeans_np", "rfm", "validation")


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("NUMBA_CACHE_DIR", None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


# the cheapest kernel to compile: exact 1-D k-means (two small functions, no threads)
COMPILE_ONE = (
    "import numpy as np; from kmeans_np import kmeans_1d; "
    "print(kmeans_1d(np.arange(20.0), 2, backend='numba').labels.sum())"
)


def _index_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.nbi"))


def test_kernels_are_cached_in_the_user_cache_folder_not_beside_the_source(tmp_path: Path) -> None:
    cache_home = tmp_path / "xdg"
    proc = _python(COMPILE_ONE, _env(XDG_CACHE_HOME=str(cache_home)), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "10"  # 0..9 in cluster 0, 10..19 in cluster 1
    cached = _index_files(cache_home / "rfmseg" / "numba")
    assert any("kmeans_1d_numba" in p.name for p in cached), cached
    for package in PACKAGES:  # never inside the (installed) packages
        assert _index_files(ROOT / package) == []


def test_numba_cache_dir_wins_when_the_user_sets_it(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    env = _env(NUMBA_CACHE_DIR=str(mine), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    proc = _python(COMPILE_ONE, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert any("kmeans_1d_numba" in p.name for p in _index_files(mine))
    assert not (tmp_path / "xdg").exists()


def test_unwritable_cache_folder_falls_back_to_the_temp_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = _env(XDG_CACHE_HOME=str(blocker), TMPDIR=str(temp))
    proc = _python(COMPILE_ONE, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    fallback = [p for p in temp.iterdir() if p.name.startswith("rfmseg-numba-")]
    assert len(fallback) == 1 and _index_files(fallback[0])


def test_the_users_own_numba_functions_keep_numbas_defaults(tmp_path: Path) -> None:
    (tmp_path / "users_code.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef twice(x):\n    return 2 * x\n"
    )
    code = COMPILE_ONE + "; import users_code; print(users_code.twice(21))"
    proc = _python(code, _env(XDG_CACHE_HOME=str(tmp_path / "xdg")), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["10", "42"]
    assert _index_files(tmp_path / "__pycache__")  # beside the user's file, as numba does
    assert not any("users_code" in p.name for p in _index_files(tmp_path / "xdg"))
    # and the environment the user's code (or a child process) sees is unchanged
    check = "import os; " + COMPILE_ONE + "; print('GOMP_SPINCOUNT' in os.environ)"
    env = _env(XDG_CACHE_HOME=str(tmp_path / "xdg"), GOMP_SPINCOUNT=None, OMP_WAIT_POLICY=None)
    proc = _python(check, env, tmp_path)
    assert proc.stdout.split() == ["10", "False"], proc.stderr


def test_concurrent_python_threads_give_the_sequential_answers() -> None:
    """4 threads fitting K-means and computing silhouettes at once (as Dask's threaded
    scheduler calls the kernels) give exactly what one thread gives."""
    datasets = [rfm_data(30_000, seed) for seed in range(4)]

    def job(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        km = KMeans(4, n_init=3, random_state=0, backend="numba").fit(X)
        sil = silhouette_samples(X[:3000], km.labels_[:3000], backend="numba")
        return km.labels_, km.cluster_centers_, km.inertia_, sil

    sequential = [job(X) for X in datasets]
    results: list = [None] * 4
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for _ in range(2):
                results[i] = job(datasets[i])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for got, want in zip(results, sequential, strict=True):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2] == want[2]
        np.testing.assert_array_equal(got[3], want[3])


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    return subprocess.run(
        [sys.executable, "-m", "rfm", *args],
        capture_output=True,
        text=True,
        env=env or _env(),
        cwd=cwd,
        timeout=600,
    )


def test_version() -> None:
    want = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    proc = _cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"rfmseg {want}"


STAMP = re.compile(r"^rfmseg: \[\s*(\d+\.\d)s\] (.*)$")


def _check_one_clock(proc: subprocess.CompletedProcess[str]) -> None:
    stamps = [STAMP.match(line) for line in proc.stderr.splitlines()]
    assert all(stamps), proc.stderr  # every progress line carries the one clock
    times = [float(m.group(1)) for m in stamps]
    assert times == sorted(times), proc.stderr  # never restarts
    done = re.fullmatch(r"done in (\d+\.\d)s", stamps[-1].group(2))
    assert done and float(done.group(1)) >= times[-2], proc.stderr


def test_a_small_first_run_compiles_nothing(tmp_path: Path) -> None:
    """Below the size where numba pays (``NUMBA_FROM_*``), "auto" runs the numpy twins."""
    cache = tmp_path / "cold-cache"
    args = ("demo", "--customers", "300", "--rows", "3000", "--out", str(tmp_path / "out"))
    cold = _cli(*args, env=_env(NUMBA_CACHE_DIR=str(cache)))
    assert cold.returncode == 0, cold.stderr
    assert "compiling" not in cold.stderr
    assert _index_files(cache) == []  # not one kernel was compiled
    _check_one_clock(cold)


def test_first_run_says_it_compiles_and_one_clock_runs_from_start_to_done(tmp_path: Path) -> None:
    env = _env(NUMBA_CACHE_DIR=str(tmp_path / "cold-cache"))
    # 12,000 customers: above the size where "auto" picks the numba kernels
    args = ("demo", "--customers", "12000", "--rows", "30000", "--out", str(tmp_path / "out"))
    cold = _cli(*args, env=env)
    assert cold.returncode == 0, cold.stderr
    notices = [line for line in cold.stderr.splitlines() if "compiling" in line]
    assert len(notices) == 1, cold.stderr
    warm = _cli(*args, env=env)
    assert warm.returncode == 0, warm.stderr
    assert "compiling" not in warm.stderr
    for proc in (cold, warm):
        _check_one_clock(proc)


STEPS = ["clustering", "silhouette per customer", "validating", "rendering"]


@pytest.mark.parametrize("after", STEPS)
def test_ctrl_c_exits_130_with_one_line(tmp_path: Path, after: str) -> None:
    """Ctrl-C at a given step, kernels included: exit 130, "interrupted", no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rfm", "demo", "--customers", "20000", "--rows", "200000",
         "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if after in line:
            time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    code = proc.wait(timeout=120)
    stderr = "".join(lines) + rest
    assert code == 130, stderr
    assert stderr.strip().splitlines()[-1] == "rfmseg: interrupted", stderr
    assert "Traceback" not in stderr


# Ctrl-C sent at random moments of a K-means loop: numba's compiled code calls back into
# Python (to box the arrays a kernel returns), and an interrupt raised in that callback is
# swallowed as "SystemError: ... returned a result with an exception set" (or worse, a double
# free). With rfmseg's handler every interrupt must surface as a KeyboardInterrupt raised
# outside numba's own files.
INTERRUPT_LOOP = """
import os, random, signal, threading, traceback
import numpy as np
from kmeans_np import KMeans
from rfm.app.interrupts import catch_interrupts
catch_interrupts(threading.Event())
x = np.random.default_rng(0).normal(size=(20000, 3))
KMeans(4, random_state=0, backend="numba", n_init=1).fit(x)
rng = random.Random(1)
outside = 0
for _ in range(N):
    threading.Timer(rng.uniform(0.001, 0.03), os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        while True:
            KMeans(4, random_state=0, backend="numba", n_init=1).fit(x)
    except KeyboardInterrupt as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        outside += all(os.sep + "numba" + os.sep not in f.filename for f in frames)
print(outside)
"""


def test_ctrl_c_is_raised_outside_numbas_callbacks(tmp_path: Path) -> None:
    n = 30
    proc = _python(INTERRUPT_LOOP.replace("range(N)", f"range({n})"), _env(), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(n), proc.stderr


def test_every_kernel_releases_the_gil() -> None:
    """nogil=True on every compiled kernel of kmeans_np and validation, so that Python
    threads (Dask's threaded scheduler) really run them in parallel."""
    from numba.core.registry import CPUDispatcher

    from kmeans_np.jit import load_kernels

    modules = ["kmeans_np.engine_numba", "kmeans_np.kmeans_1d_numba",
               "validation.silhouette_numba", "rfm.clv.occasions_numba",
               "rfm.clv.distinct_numba", "rfm.clv.hash_numba"]
    seen = 0
    for name in modules:
        for value in vars(load_kernels(name)).values():
            if isinstance(value, CPUDispatcher):
                seen += 1
                assert value.targetoptions.get("nogil") is True, (name, value.__name__)
    assert seen >= 20
