"""A saved segmentation applied to new data: ``SegmentModel.assign`` and ``rfmseg apply``.

Three comparisons, each side by side in one run (interleaved, medians, ratios):

* **assign vs rfm_table** — order lines of N customers (``bench_rfm.synthetic``: ten
  lines per customer, text ids), their customer table built by ``rfm.rfm_table``, and
  ``SegmentModel.assign_customers`` on that table (frozen scores, the rule lookup per
  score cell, the frozen scaler, the nearest-centre pass, the output table). The model is
  fitted once, untimed, on the first 200,000 lines. Target: assign ≤ 0.3× rfm_table at
  10 million customers.
* **rfmseg apply vs rfmseg segment** on UCI Online Retail (when the file is there), both
  run in this process after a warm-up run (warm: kernels compiled, file cache hot),
  writing into temporary folders. Target: apply ≤ 0.5× segment.
* **with --dask** on the partitioned Parquet set of ``python -m benchmarks scale`` (100
  million lines; 1 million with ``--quick``), both commands with ``--dask``, when
  ``distributed`` is installed (200,000 lines with ``--quick``). Target: apply ≤ 0.6×
  segment. At full size the segment run that saves the model is the one timed, then
  apply runs once (each takes minutes).

The sizes of the full run are for a quiet machine; ``--quick`` checks that the benchmark
runs (20,000 customers, one repeat of the commands, 200,000 lines on Dask).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from benchmarks._runner import median, report, time_interleaved
from benchmarks.bench_rfm import ONLINE_RETAIL, synthetic

SIZES_FULL = (1_000_000, 10_000_000)  # customers
SIZES_QUICK = (20_000,)
FIT_ROWS = 200_000
DASK_QUICK = (200_000, 50_000)  # rows, rows per file


def _model_for(tx: Any) -> Any:
    from rfm import SegmentModel, TransactionColumns

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cols = TransactionColumns(amount="TotalAmount", quantity=None, price=None)
        return SegmentModel(k=5).fit(tx.iloc[:FIT_ROWS], columns=cols)


def bench_assign(n_customers: int, repeats: int) -> list[dict[str, Any]]:
    """rfm_table on the order lines of ``n_customers`` against assign on its result."""
    from rfm.table import rfm_table

    tx = synthetic(n_customers * 10)
    model = _model_for(tx)
    table = rfm_table(tx, invoice="InvoiceNo", amount="TotalAmount")
    times = time_interleaved({
        "rfm_table": lambda: rfm_table(tx, invoice="InvoiceNo", amount="TotalAmount"),
        "SegmentModel.assign": lambda: model.assign_customers(table),
    }, repeats=repeats)  # fmt: skip
    base = median(times["rfm_table"])
    return [
        {"customers": f"{len(table):,}", "contender": name, "median s": median(ts),
         "ratio to rfm_table": median(ts) / base}
        for name, ts in times.items()
    ]  # fmt: skip


def _quiet_main(argv: list[str]) -> None:
    from rfm.app.cli import main

    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(argv)
    if code != 0:
        raise RuntimeError(f"rfmseg {' '.join(argv)} exited {code}")


def bench_commands(data: str, repeats: int, extra: list[str], label: str,
                   warm_up: bool = True) -> list[dict[str, Any]]:
    """Warm ``rfmseg segment`` against ``rfmseg apply`` of its model on ``data``.

    ``warm_up=False`` (data that takes minutes a run): the run that saves the model is the
    segment run timed (saving the model takes milliseconds), then apply runs once.
    """
    with tempfile.TemporaryDirectory() as tmp:
        model = str(Path(tmp) / "model.json")
        first = ["segment", data, "--out", f"{tmp}/seg", "-q", "--save-model", model, *extra]
        apply = ["apply", model, data, "--out", f"{tmp}/a", "-q", *extra]
        if warm_up:
            _quiet_main(first)
            times = time_interleaved({
                "rfmseg segment": lambda: _quiet_main(["segment", data, "--out", f"{tmp}/s",
                                                       "-q", *extra]),
                "rfmseg apply": lambda: _quiet_main(apply),
            }, repeats=repeats)  # fmt: skip
        else:
            times = {}
            for name, argv in (("rfmseg segment", first), ("rfmseg apply", apply)):
                t0 = time.perf_counter()
                _quiet_main(argv)
                times[name] = [time.perf_counter() - t0]
    base = median(times["rfmseg segment"])
    return [
        {"data": label, "contender": name, "median s": median(ts),
         "ratio to segment": median(ts) / base}
        for name, ts in times.items()
    ]  # fmt: skip


def main(quick: bool = False) -> None:
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for n in SIZES_QUICK if quick else SIZES_FULL:
        rows += bench_assign(n, 3 if quick else 5)
    report("model_assign", "SegmentModel.assign vs rfm_table (same customers)", rows,
           notes=(__doc__ or "").split("\n\n", 1)[1].split("\n\nThe sizes")[0])  # fmt: skip
    commands: list[dict[str, Any]] = []
    if ONLINE_RETAIL.exists():
        commands += bench_commands(str(ONLINE_RETAIL), 1 if quick else 5, [], "Online Retail")
    try:
        import distributed  # noqa: F401
    except ImportError:
        pass
    else:
        from benchmarks.bench_scale_rfm import FULL, dataset

        n_rows, per_file = DASK_QUICK if quick else FULL
        folder = dataset(n_rows, per_file)
        commands += bench_commands(str(folder), 1, ["--dask"], f"{n_rows:,} lines, --dask",
                                   warm_up=quick)  # fmt: skip
    if commands:
        report("model_apply", "rfmseg apply vs warm rfmseg segment", commands)
    print(f"(benchmark took {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main(quick=True)
