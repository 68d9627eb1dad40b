"""What only a real process shows: a fresh interpreter, the kernel cache, a first run, Ctrl-C.

Every other test runs in this process (the command through ``tests/_cli.py``). These
start one, because what they check happens at interpreter start-up: which modules an
import loads, the thread count numba reads from the environment, where compiled kernels
land on disk, the compile notice of a cold cache, and a real SIGINT from outside. The
install sequence (README's two commands, the console script's exit codes) is
``tests/test_install.py``.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _kmeans_helpers import blob_data

from kmeans_np import KMeans
from kmeans_np.lloyd import NUMBA_FROM_SAMPLES as KMEANS_NUMBA_FROM
from validation.silhouette import NUMBA_FROM_SAMPLES as SILHOUETTE_NUMBA_FROM

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


def _python(code: str, env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=cwd,
        timeout=300,
    )  # fmt: skip


def _index_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.nbi"))


# -- a fresh interpreter -------------------------------------------------------------------

#: run with NUMBA_NUM_THREADS=1; prints what it saw as JSON
FRESH = """
import hashlib, json, pickle, sys
root, model_path, x_path, segment_model, table_path = sys.argv[1:6]
seen = {}
# the console script imports the command's module before main() installs its Ctrl-C
# handler: that import loads none of the method
import rfm.app.cli
seen["command_import"] = sorted(m for m in ("numpy", "pandas", "numba", "rfm.clustering")
                                if m in sys.modules)
import numpy as np
import kmeans_np, validation
from kmeans_np import KMeans, StandardScaler
seen["from_this_checkout"] = kmeans_np.__file__.startswith(root)
seen["numba_at_import"] = "numba" in sys.modules
seen["kernels_at_import"] = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("kmeans_np", "rfm", "validation") and m.endswith("_numba")
)
import rfm
seen["dask_at_import"] = sorted(m for m in sys.modules if m.split(".")[0] == "dask")
# used without scikit-learn: fit, params, repr, set_output, the not-fitted error
X = np.random.default_rng(0).normal(size=(30, 2))
km = KMeans(2, random_state=0, backend="numpy").set_params(n_clusters=3).fit(X)
repr(km), km.get_params(), km.get_feature_names_out()
StandardScaler().set_output(transform="pandas").fit_transform(X)
try:
    KMeans().predict(X)
except ValueError as exc:
    seen["not_fitted"] = [type(exc).__name__, "not fitted" in str(exc)]
seen["dask_after_fit"] = sorted(m for m in sys.modules if m.split(".")[0] == "dask")
# a model pickled in another process predicts here, still without scikit-learn
model = pickle.load(open(model_path, "rb"))
seen["pickled_labels"] = model.predict(np.load(x_path)).tolist()
seen["sklearn"] = sorted(m for m in sys.modules if m.split(".")[0] == "sklearn")
# the numba fit on one thread: centres and inertia as float.hex, n_iter, a hash of labels
import numba
rng = np.random.default_rng(70)
X = np.column_stack([rng.exponential(90, 40_000), 1 + rng.poisson(4, 40_000),
                     rng.lognormal(5, 1, 40_000)])
X = (X - X.mean(0)) / X.std(0)
fits = []
for init in ("k-means++", X[:5].copy()):
    km = KMeans(5, init=init, random_state=0, backend="numba").fit(X)
    fits.append([[float(v).hex() for v in km.cluster_centers_.ravel()], float(km.inertia_).hex(),
                 km.n_iter_, hashlib.sha256(km.labels_.tobytes()).hexdigest()])
seen["fits"] = fits
seen["threads"] = numba.get_num_threads()
# a saved segmentation model assigns 20,000 customers (the numba nearest-centre pass)
import pandas as pd
from rfm import SegmentModel
model = SegmentModel.load(segment_model)
values = np.load(table_path)
rfm = pd.DataFrame(values, columns=["recency", "frequency", "monetary"],
                   index=[f"c{i}" for i in range(len(values))])
out = model.assign_customers(rfm)
seen["segment_model"] = {
    "centres": [float(v).hex() for v in model.learned.centres.ravel()],
    "cuts": {d: [float(v).hex() for v in c] for d, c in model.learned.scores.cuts.items()},
    "table": hashlib.sha256(out.to_csv(index=False).encode()).hexdigest(),
    "drift": model.drift_customers(rfm)[["psi", "ks_statistic"]].to_numpy().tolist(),
}
print(json.dumps(seen))
"""


def _fits_here() -> list:
    """FRESH's numba fits, in this process (numba's default thread count)."""
    import hashlib

    rng = np.random.default_rng(70)
    X = np.column_stack([rng.exponential(90, 40_000), 1 + rng.poisson(4, 40_000),
                         rng.lognormal(5, 1, 40_000)])  # fmt: skip
    X = (X - X.mean(0)) / X.std(0)
    fits = []
    for init in ("k-means++", X[:5].copy()):
        km = KMeans(5, init=init, random_state=0, backend="numba").fit(X)
        fits.append([[float(v).hex() for v in km.cluster_centers_.ravel()],
                     float(km.inertia_).hex(), km.n_iter_,
                     hashlib.sha256(km.labels_.tobytes()).hexdigest()])  # fmt: skip
    return fits


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs 2 cores for a 2-thread default")
def test_a_fresh_interpreter_imports_lightly_and_one_thread_gives_the_same_fit(
    tmp_path: Path,
) -> None:
    """In a new interpreter with NUMBA_NUM_THREADS=1: importing the command's module
    loads none of the method (so its Ctrl-C handler is in place before); importing the
    packages loads neither numba, its kernels, Dask nor scikit-learn; a pickled model
    predicts; the numba fit is bit-identical (float.hex) to this process's fit on numba's
    default threads; and a saved segmentation model, loaded there, gives the same centres
    and cut points (float.hex), the same assignment of 20,000 customers (hash of its CSV)
    and the same drift figures as here."""
    import hashlib
    import warnings

    import numba
    import pandas as pd

    from rfm import SegmentModel, TransactionColumns
    from rfm.datasets import make_transactions

    X = blob_data(300, 3, 4, seed=14)
    model = KMeans(4, random_state=0, backend="numba").fit(X)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    np.save(tmp_path / "X.npy", X)
    tx = make_transactions(n_customers=800, n_rows=8000, random_state=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segments = SegmentModel(k=4).fit(tx, columns=TransactionColumns(amount="TotalAmount"))
    segments.save(tmp_path / "segments.json")
    rng = np.random.default_rng(8)
    values = np.column_stack([rng.integers(1, 700, 20_000), rng.integers(1, 40, 20_000),
                              rng.lognormal(6, 1.5, 20_000)]).astype(np.float64)  # fmt: skip
    np.save(tmp_path / "table.npy", values)
    proc = _python(FRESH, _env(NUMBA_NUM_THREADS="1"), tmp_path, str(ROOT),
                   str(tmp_path / "model.pkl"), str(tmp_path / "X.npy"),
                   str(tmp_path / "segments.json"), str(tmp_path / "table.npy"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["command_import"] == []
    assert seen["from_this_checkout"]
    assert seen["numba_at_import"] is False
    assert seen["kernels_at_import"] == []
    assert seen["dask_at_import"] == [] and seen["dask_after_fit"] == []
    assert seen["not_fitted"] == ["ValueError", True]
    assert seen["sklearn"] == []
    np.testing.assert_array_equal(seen["pickled_labels"], model.predict(X))
    np.testing.assert_array_equal(seen["pickled_labels"], model.labels_)
    assert seen["threads"] == 1
    assert numba.get_num_threads() >= 2
    assert seen["fits"] == _fits_here()
    rfm = pd.DataFrame(values, columns=["recency", "frequency", "monetary"],
                       index=[f"c{i}" for i in range(len(values))])  # fmt: skip
    out = segments.assign_customers(rfm)
    there = seen["segment_model"]
    assert there["centres"] == [float(v).hex() for v in segments.learned.centres.ravel()]
    assert there["cuts"] == {d: [float(v).hex() for v in c]
                             for d, c in segments.learned.scores.cuts.items()}  # fmt: skip
    assert there["table"] == hashlib.sha256(out.to_csv(index=False).encode()).hexdigest()
    assert there["drift"] == segments.drift_customers(rfm)[["psi", "ks_statistic"]].to_numpy(
        ).tolist()


# -- where compiled kernels land -------------------------------------------------------------

# a cheap kernel to compile: the ordered column sums of the K-means kernels (a few lines,
# no threads), loaded as every kernel module is
COMPILE_ONE = (
    "import numpy as np; from kmeans_np.jit import load_kernels; "
    "print(load_kernels('kmeans_np.engine_numba').ordered_column_sums(np.ones((2, 3)))[0])"
)


def test_kernels_are_cached_outside_the_packages_and_the_users_own_stay_numbas(
    tmp_path: Path,
) -> None:
    # 1. the per-user cache folder, never beside the (installed) sources
    cache_home = tmp_path / "xdg"
    proc = _python(COMPILE_ONE, _env(XDG_CACHE_HOME=str(cache_home)), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2.0"  # two rows of ones, added column by column
    cached = _index_files(cache_home / "rfmseg" / "numba")
    assert any("engine_numba" in p.name for p in cached), cached
    for package in PACKAGES:
        assert _index_files(ROOT / package) == []
    # 2. NUMBA_CACHE_DIR wins when the user sets it
    mine = tmp_path / "mine"
    env = _env(NUMBA_CACHE_DIR=str(mine), XDG_CACHE_HOME=str(tmp_path / "xdg2"))
    proc = _python(COMPILE_ONE, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert any("engine_numba" in p.name for p in _index_files(mine))
    assert not (tmp_path / "xdg2").exists()
    # 3. an unwritable cache folder falls back to a per-user folder in the temp folder
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = _python(COMPILE_ONE, _env(XDG_CACHE_HOME=str(blocker), TMPDIR=str(temp)), tmp_path)
    assert proc.returncode == 0, proc.stderr
    fallback = [p for p in temp.iterdir() if p.name.startswith("rfmseg-numba-")]
    assert len(fallback) == 1 and _index_files(fallback[0])
    # 4. the user's own @njit(cache=True) functions keep numba's defaults, and the
    # environment the user's code (or a child process) sees is unchanged
    (tmp_path / "users_code.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef twice(x):\n    return 2 * x\n"
    )
    code = (
        "import os; " + COMPILE_ONE + "; import users_code; print(users_code.twice(21)); "
        "print('GOMP_SPINCOUNT' in os.environ)"
    )
    env = _env(XDG_CACHE_HOME=str(cache_home), GOMP_SPINCOUNT=None, OMP_WAIT_POLICY=None)
    proc = _python(code, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2.0", "42", "False"]
    assert _index_files(tmp_path / "__pycache__")  # beside the user's file, as numba does
    assert not any("users_code" in p.name for p in _index_files(cache_home))


#: the silhouette's distance sums on the one-thread twin and the threaded kernel, for
#: d = 3 (the written-out code) and d = 5; prints their bytes' digests and cache hits
SILHOUETTE_SUMS = """
import hashlib, json
import numpy as np
from kmeans_np.jit import load_kernels
K = load_kernels("validation.silhouette_numba")
rng = np.random.default_rng(5)
seen = {}
for d in (3, 5):
    xt = rng.normal(size=(d, 2500)) * 10.0 ** rng.integers(-2, 3, (d, 2500))
    starts = np.array([0, 700, 1900, 2500])
    for one in (True, False):
        sums = K.cluster_sums_numba(xt, starts, one_thread=one)
        seen[f"{d}-{one}"] = hashlib.sha256(sums.tobytes()).hexdigest()
seen["hits"] = [len(k.stats.cache_hits) for k in (K._play_round_one_thread, K._play_round)]
print(json.dumps(seen))
"""


def test_the_silhouette_kernels_give_the_same_bits_compiled_here_or_loaded(
    tmp_path: Path,
) -> None:
    """A kernel compiled in the run's own process and the same kernel loaded from the
    cache by the next run add in the same order, and the one-thread twin as the threaded
    kernel: the same bits all four ways, for d = 3 and for the general code."""
    env = _env(NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    runs = []
    for _ in range(2):
        proc = _python(SILHOUETTE_SUMS, env, tmp_path)
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout))
    compiled, loaded = runs
    assert compiled.pop("hits") == [0, 0] and loaded.pop("hits") == [2, 2]
    assert compiled == loaded
    for d in (3, 5):
        assert compiled[f"{d}-True"] == compiled[f"{d}-False"]


# -- a first run -------------------------------------------------------------------------------

STAMP = re.compile(r"^rfmseg: \[\s*(\d+\.\d)s\] (.*)$")


def _command(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rfm", *args], capture_output=True, text=True, env=env, cwd=cwd,
        timeout=600,
    )  # fmt: skip


def _check_one_clock(proc: subprocess.CompletedProcess[str]) -> None:
    stamps = [STAMP.match(line) for line in proc.stderr.splitlines()]
    assert all(stamps), proc.stderr  # every progress line carries the one clock
    times = [float(m.group(1)) for m in stamps]
    assert times == sorted(times), proc.stderr  # never restarts
    done = re.fullmatch(r"done in (\d+\.\d)s", stamps[-1].group(2))
    assert done and float(done.group(1)) >= times[-2], proc.stderr


def test_first_run_compiles_once_says_so_and_keeps_one_clock(tmp_path: Path) -> None:
    """A cold kernel cache: a small run compiles nothing (the numpy twins run below the
    size where numba pays); a 2,500-customer run says, at each step that compiles (or
    waits for the silhouette's kernels, compiled in a side process), that it does so
    once (K-means stays on its numpy twin below 10,000 customers, and the RFM table's
    30,000 lines take the numpy twin less time than compiling); the warm run says
    nothing of it; every progress line carries one clock from start to "done"."""
    small_cache = tmp_path / "small-cache"
    small = ("demo", "--customers", "300", "--rows", "3000", "--out", str(tmp_path / "small"))
    cold_small = _command(*small, env=_env(NUMBA_CACHE_DIR=str(small_cache)))
    assert cold_small.returncode == 0, cold_small.stderr
    assert "compiling" not in cold_small.stderr
    assert _index_files(small_cache) == []  # not one kernel was compiled
    _check_one_clock(cold_small)

    env = _env(NUMBA_CACHE_DIR=str(tmp_path / "cold-cache"))
    # above the size where the silhouette picks its numba kernels, below K-means' (whose
    # kernels take longest to compile: the benchmark first-run times them)
    customers = SILHOUETTE_NUMBA_FROM + 500
    assert customers < KMEANS_NUMBA_FROM
    args = ("demo", "--customers", str(customers), "--rows", "30000", "--out",
            str(tmp_path / "out"))  # fmt: skip
    cold = _command(*args, env=env)
    assert cold.returncode == 0, cold.stderr
    # each step that waits for a compilation says so once, naming itself
    lines = [STAMP.match(line).group(2) for line in cold.stderr.splitlines()]
    notices = [i for i, text in enumerate(lines) if "compiling its fast kernels" in text]
    assert notices, cold.stderr
    steps = []
    for i in notices:
        step = lines[i].split(": compiling")[0]
        previous = [t for t in lines[:i] if "compiling its fast kernels" not in t][-1]
        assert step == previous, cold.stderr  # the step running now
        steps.append(step)
    assert len(steps) == len(set(steps)), cold.stderr
    assert "first run only" in lines[notices[0]]
    # 30,000 order lines: grouped by the numpy twin on a cold cache (faster than compiling)
    assert not any(step.startswith("computing recency") for step in steps), cold.stderr
    warm = _command(*args, env=env)
    assert warm.returncode == 0, warm.stderr
    assert "compiling" not in warm.stderr
    for proc in (cold, warm):
        _check_one_clock(proc)


#: compiles the silhouette's kernels ahead, then uses them; prints what it saw as JSON
AHEAD = """
import json, sys
sys.path[:] = [p for p in sys.path if p != ""]  # as a console script: not the current folder
import numpy as np
from kmeans_np import jit
waits = []
jit.on_compile(waits.append)
jit.compile_ahead("validation.silhouette_numba", 3000)  # the size the run will take
jit.compile_ahead("validation.silhouette_numba", 3000)  # already under way: nothing more
proc = jit._ahead.get("validation.silhouette_numba")
seen = {"started": proc is not None}
K = jit.load_kernels("validation.silhouette_numba")  # waits for the side process
seen["side_exit"] = None if proc is None else proc.returncode
seen["pending"] = sorted(jit._ahead)
X = np.random.default_rng(1).random((3000, 3))
codes = np.arange(3000) % 4
K.sorted_cluster_distance_sums(X, codes, np.bincount(codes))  # a small run: the twin
rounds = (K._play_round_one_thread, K._play_round)
seen["loaded_from_cache"] = [len(r.stats.cache_hits) for r in rounds]
seen["compiled_here"] = sum(len(r.stats.cache_misses) for r in rounds)
seen["waits"] = waits
seen["cached"] = [jit.kernels_cached("validation.silhouette_numba", names) for names in
                  (["_play_round_one_thread"], ["_play_round"],
                   ["_play_round_one_thread", "_play_round"])]
jit.compile_ahead("validation.silhouette_numba")  # loaded here: nothing starts
seen["after"] = sorted(jit._ahead)
print(json.dumps(seen))
"""


def test_kernels_compiled_ahead_in_a_side_process_are_loaded_not_compiled_again(
    tmp_path: Path,
) -> None:
    """compile_ahead on a cold cache starts one side process; load_kernels waits for it
    (saying so through the compile notice) and the kernels then load from the cache:
    nothing compiles in the run's own process. With the cache warm nothing starts. The
    run starts in a folder holding a ``validation`` package of its own, which the side
    process must not import in place of rfmseg's."""
    decoy = tmp_path / "validation"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise ImportError('the current folder was imported')\n")
    env = _env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = _python(AHEAD, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["started"] and seen["side_exit"] == 0, seen
    assert seen["pending"] == [] and seen["after"] == [], seen
    assert seen["loaded_from_cache"] == [1, 0] and seen["compiled_here"] == 0, seen
    assert seen["cached"] == [True, False, False], seen  # by name: the twin, not the threaded one
    assert seen["waits"] in ([], ["validation.silhouette_numba"]), seen  # [] if done first
    assert any("silhouette_numba" in p.name for p in _index_files(tmp_path / "cache"))
    warm = json.loads(_python(AHEAD, env, tmp_path).stdout)
    assert not warm["started"] and warm["waits"] == [] and warm["compiled_here"] == 0, warm


def test_the_side_process_imports_the_kernel_module_without_rfmsegs_packages(
    tmp_path: Path,
) -> None:
    """The side process's script imports the kernel module (here without compiling it)
    and neither pandas nor the packages' public API: a busy machine's first run pays
    for every import the side process makes."""
    from kmeans_np import jit

    compile_line = "load_kernels(module).warm_up(*map(int, sys.argv[3:]))\n"
    assert jit._AHEAD_SCRIPT.endswith(compile_line)
    script = jit._AHEAD_SCRIPT.replace(compile_line, (
        "import importlib, json\n"
        "kernels = importlib.import_module(module)\n"
        "print(json.dumps([callable(kernels.warm_up), sorted(m for m in sys.modules if m in "
        "('pandas', 'scipy.stats', 'kmeans_np.kmeans', 'validation.silhouette'))]))\n"
    ))  # fmt: skip
    proc = _python(script, _env(), tmp_path, "validation.silhouette_numba", str(ROOT))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [True, []]


# -- Ctrl-C from outside -------------------------------------------------------------------------


#: what the console script pip writes does, with a line to say the interpreter is up
CONSOLE_SCRIPT = (
    "import sys; sys.stderr.write('started\\n'); sys.stderr.flush(); "
    "from rfm.app.cli import main; sys.exit(main())"
)


def test_ctrl_c_from_outside_exits_130_with_one_line(tmp_path: Path) -> None:
    """A real SIGINT 0.05 to 0.3 s after start, while the command imports the method (it
    printed a traceback), and 50 ms into the clustering (numba kernels running): exit
    130, "rfmseg: interrupted" as the last line, no traceback, nothing written. (Each
    step's Ctrl-C, and interrupts inside numba's callbacks, are tested in process:
    tests/rfm/app/.)"""
    for delay in (0.05, 0.15, 0.3):
        starting = subprocess.Popen(
            [sys.executable, "-c", CONSOLE_SCRIPT, "demo", "--customers", "300", "--rows",
             "3000", "-q", "--out", str(tmp_path / f"out{delay}")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT,
        )  # fmt: skip
        assert starting.stderr is not None
        assert starting.stderr.readline() == "started\n"
        time.sleep(delay)
        starting.send_signal(signal.SIGINT)
        rest = starting.stderr.read()
        assert starting.wait(timeout=120) == 130, rest
        assert rest.strip().splitlines() == ["rfmseg: interrupted"], rest
        assert not (tmp_path / f"out{delay}").exists()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rfm", "demo", "--customers", "20000", "--rows", "200000",
         "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT,
    )  # fmt: skip
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if "clustering" in line:
            time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    code = proc.wait(timeout=120)
    stderr = "".join(lines) + rest
    assert code == 130, stderr
    assert stderr.strip().splitlines()[-1] == "rfmseg: interrupted", stderr
    assert "Traceback" not in stderr
