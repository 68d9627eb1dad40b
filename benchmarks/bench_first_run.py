"""``python -m benchmarks first-run``: README's demo with a cold kernel cache against a warm one.

What a new user feels first is the first run: ``rfmseg demo`` (20,000 customers, 200,000
order lines) right after ``pip install``, when numba has compiled nothing yet for this
machine. Each round runs the command as a user would (one process per run), with an empty
kernel cache (``NUMBA_CACHE_DIR`` a new folder: every kernel the demo needs compiles) and
then with that cache filled (the warm run), interleaved, on an idle machine and beside two
busy loops (one per core). Reported: the median of each, and cold ÷ warm (target ≤ 2), and
where the cold run's time went (the command's own per-step clock).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._runner import median, report

ROOT = Path(__file__).resolve().parent.parent
DEMO = ["-m", "rfm", "demo"]
STAMP = re.compile(r"^rfmseg: \[\s*(\d+\.\d)s\] (.*)$")


def _busy(n: int) -> list[subprocess.Popen]:
    loop = "while True: pass"
    return [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(n)]


def _run(cache: Path, out: Path, size: list[str]) -> tuple[float, list[tuple[float, str]]]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *DEMO, *size, "--out", str(out)], capture_output=True,
                          text=True, env=env, cwd=out.parent, timeout=1800)  # fmt: skip
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    steps = [(float(m.group(1)), m.group(2)) for m in map(STAMP.match, proc.stderr.splitlines())
             if m]  # fmt: skip
    return seconds, steps


def main(quick: bool = False) -> None:
    rounds = 1 if quick else 3
    size = ["--customers", "2000", "--rows", "20000"] if quick else []
    rows = []
    for busy in (False, True):
        cold, warm = [], []
        compiled: list[str] = []
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                loops = _busy(os.cpu_count() or 2) if busy else []
                try:
                    seconds, steps = _run(folder / "cache", folder / "cold", size)
                    cold.append(seconds)
                    warm.append(_run(folder / "cache", folder / "warm", size)[0])
                finally:
                    for p in loops:
                        p.kill()
                        p.wait()
                compiled = [text.split(": compiling")[0] for _, text in steps
                            if "compiling its fast kernels" in text]  # fmt: skip
        rows.append({
            "machine": "beside two busy loops" if busy else "idle",
            "cold (s)": round(median(cold), 1),
            "warm (s)": round(median(warm), 1),
            "cold ÷ warm": round(median(cold) / median(warm), 2),
            "runs cold / warm (s)": " ".join(f"{c:.1f}/{w:.1f}" for c, w in zip(cold, warm,
                                                                                strict=True)),
            "steps that compiled": "; ".join(compiled),
        })  # fmt: skip
    report("first-run", "README's demo, first run (cold kernel cache) against warm", rows,
           notes=f"{rounds} interleaved round(s) per condition, one process per run, "
                 "NUMBA_CACHE_DIR a new folder for each cold run. Target: cold ≤ 2× warm, "
                 "warm not slower.")  # fmt: skip
