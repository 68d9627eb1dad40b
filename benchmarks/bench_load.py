"""``python -m benchmarks load``: the demo on an idle machine, beside busy loops, and on 1 thread.

A laptop is rarely idle. When other processes hold the cores, threads that *spin* while
waiting for the next parallel loop steal the time slices that the working thread needs;
with numba's OpenMP layer in its default spin-then-sleep mode a demo that takes 2 s idle
took 30–60 s beside two busy loops. rfmseg caps how long waiting threads spin before they sleep (see
``kmeans_np/jit.py``). This benchmark runs the whole command,
``rfmseg demo --customers 5000 --rows 50000``, as a user would (a warm kernel cache, one
process per run), under these conditions, interleaved:

* ``idle``: nothing else running, all threads (rfmseg's default);
* ``idle, 1 thread``: ``NUMBA_NUM_THREADS=1``;
* ``busy``: beside two busy loops (one per core of this machine), rfmseg's default;
* ``busy, 1 thread``: the same load, one thread: the reference of target (a), busy ≤ 2×
  this;
* ``busy, spinning``: the same load with OpenMP's default spinning restored
  (``GOMP_SPINCOUNT=300000``, libgomp's default): what rfmseg did before;
* ``busy, workqueue``: the same load on numba's workqueue layer (it does not spin, but it
  is not safe for concurrent callers).

Medians of ``repeats`` runs and their ratios are reported; the table goes to
``bench-results/load.md``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._runner import median, report

ROOT = Path(__file__).resolve().parent.parent

CONDITIONS: dict[str, tuple[bool, dict[str, str]]] = {
    "idle": (False, {}),
    "idle, 1 thread": (False, {"NUMBA_NUM_THREADS": "1"}),
    "busy": (True, {}),
    "busy, 1 thread": (True, {"NUMBA_NUM_THREADS": "1"}),
    "busy, spinning": (True, {"GOMP_SPINCOUNT": "300000"}),
    "busy, workqueue": (True, {"NUMBA_THREADING_LAYER": "workqueue"}),
}


def _demo_seconds(extra_env: dict[str, str], out: Path, customers: int, rows: int) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(extra_env, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "rfm", "demo", "--customers", str(customers), "--rows",
           str(rows), "--out", str(out), "--quiet"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def _busy_loops(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main(quick: bool = False) -> None:
    customers, rows = (1000, 10_000) if quick else (5000, 50_000)
    repeats = 1 if quick else 3
    n_busy = os.cpu_count() or 2
    times: dict[str, list[float]] = {name: [] for name in CONDITIONS}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        for extra in ({}, {"NUMBA_THREADING_LAYER": "workqueue"}):  # warm the caches
            _demo_seconds(extra, out, customers, rows)
        for _ in range(repeats):
            for busy in (False, True):
                loops = _busy_loops(n_busy) if busy else []
                try:
                    for name, (is_busy, extra) in CONDITIONS.items():
                        if is_busy == busy:
                            times[name].append(_demo_seconds(extra, out, customers, rows))
                finally:
                    for p in loops:
                        p.kill()
                        p.wait()
    med = {name: median(values) for name, values in times.items()}
    rows_out = [
        {
            "condition": name,
            "median (s)": round(med[name], 2),
            "runs (s)": " ".join(f"{v:.1f}" for v in times[name]),
            "÷ idle": round(med[name] / med["idle"], 2),
            "÷ same load, 1 thread": round(
                med[name] / med["busy, 1 thread" if name.startswith("busy") else "idle, 1 thread"],
                2,
            ),
        }
        for name in CONDITIONS
    ]
    notes = (
        f"`rfmseg demo --customers {customers} --rows {rows}`, warm kernel cache, "
        f"{repeats} run(s) per condition, busy = {n_busy} busy loops. Targets: busy ÷ "
        "(busy, 1 thread) ≤ 2; idle no slower than before."
    )
    report("load", "The demo on a busy machine", rows_out, notes)
