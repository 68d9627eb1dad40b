"""``python -m benchmarks NAME [--quick]``: NAME is one of kmeans, silhouette, rfm, load,
first_run, clv, model, all, scale, scale-kmeans.

``python -m benchmarks make-data --rows N --out DIR`` writes a partitioned Parquet order
set (see ``benchmarks/make_data.py``); ``scale`` times the RFM table (and, when present,
K-means) on Dask over such a set. ``scale-kmeans [--rows N]`` times K-means on Dask
alone against dask-ml: 3 data shapes × 3 seeds (10M rows unless ``--rows``).
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = ("kmeans", "silhouette", "rfm", "load", "first_run", "clv", "model")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["make-data"]:
        importlib.import_module("benchmarks.make_data").main(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("which", choices=(*BENCHMARKS, "all", "scale", "scale-kmeans"))
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--rows", type=int, default=None,
                        help="scale-kmeans only: rows of each data set (default 10,000,000)")
    args = parser.parse_args(argv)
    if args.which == "scale-kmeans":
        importlib.import_module("benchmarks.bench_scale_kmeans").main(args.quick, args.rows)
        return
    if args.which == "scale":
        importlib.import_module("benchmarks.bench_scale_rfm").main(quick=args.quick)
        try:  # K-means on Dask lives in its own module, when it exists
            kmeans = importlib.import_module("benchmarks.bench_scale_kmeans")
        except ModuleNotFoundError as exc:
            if exc.name != "benchmarks.bench_scale_kmeans":
                raise
        else:
            kmeans.main(args.quick)
        return
    for name in BENCHMARKS if args.which == "all" else (args.which,):
        importlib.import_module(f"benchmarks.bench_{name}").main(quick=args.quick)


if __name__ == "__main__":
    main()
