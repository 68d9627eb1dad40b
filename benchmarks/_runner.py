"""Shared tools for the benchmarks: interleaved timing, medians, peak memory, tables.

Timing is interleaved (A, B, A, B, ...) so that slow drifts of a noisy machine hit every
contender alike; each contender is called once untimed first (compilation, caches).
Peak memory is measured in a child process: after a warm-up call the kernel's peak-RSS
mark is reset (``/proc/self/clear_refs``), the call is repeated, and the peak minus the
resident size before the call is the extra memory the call needed.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS_DIR = Path("bench-results")


def time_interleaved(
    contenders: dict[str, Callable[[], Any]], repeats: int = 5, warmup: int = 1
) -> dict[str, list[float]]:
    """Wall times (seconds) of each contender, called in turn ``repeats`` times."""
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def measure_peak_in_child(target: str, kwargs: dict[str, Any]) -> int:
    """Extra peak memory (bytes) of one call of a case built by ``target(**kwargs)``.

    ``target`` is ``"module:function"``; the function builds the data and returns a
    zero-argument callable. Runs in a fresh interpreter so other benchmarks' garbage does
    not count, with ``MALLOC_MMAP_THRESHOLD_=65536``: otherwise glibc raises its mmap
    threshold after the warm-up call frees its large arrays, the measured call reuses heap
    memory that is already resident, and its peak looks smaller than it is.
    """
    code = (
        "import json,sys; from benchmarks._runner import _probe; "
        "print(json.dumps(_probe(sys.argv[1], json.loads(sys.argv[2]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, target, json.dumps(kwargs)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"},
    )
    return int(json.loads(out.stdout.strip().splitlines()[-1]))


def _probe(target: str, kwargs: dict[str, Any]) -> int:
    module_name, func_name = target.split(":")
    run = getattr(importlib.import_module(module_name), func_name)(**kwargs)
    run()  # warm-up: compilation and first-touch allocations do not count
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM to the current RSS
        fh.write("5")
    before = _status_kb("VmRSS")
    run()
    peak = _status_kb("VmHWM")
    return max(0, peak - before) * 1024


def machine_info() -> str:
    """One line naming the date, CPU, core count and library versions."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = []
    for mod in ("numpy", "numba", "pandas", "sklearn", "scipy", "duckdb", "polars"):
        with contextlib.suppress(Exception):
            versions.append(f"{mod} {importlib.import_module(mod).__version__}")
    return (
        f"{_dt.date.today().isoformat()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, " + ", ".join(versions)
    )


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """Render rows (dicts with the same keys) as a GitHub markdown table."""
    if not rows:
        return ""
    cols = list(rows[0])
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def report(name: str, title: str, rows: list[dict[str, Any]], notes: str = "") -> str:
    """Print a benchmark's table and save it to ``bench-results/<name>.md``."""
    text = f"## {title}\n\n{machine_info()}\n\n{markdown_table(rows)}\n"
    if notes:
        text += f"\n{notes}\n"
    print(text, flush=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"{name}.md").write_text(text)
    return text
