"""``python -m benchmarks {kmeans,silhouette,rfm,load,all} [--quick]``."""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = ("kmeans", "silhouette", "rfm", "load")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("which", choices=(*BENCHMARKS, "all"))
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args(argv)
    for name in BENCHMARKS if args.which == "all" else (args.which,):
        importlib.import_module(f"benchmarks.bench_{name}").main(quick=args.quick)


if __name__ == "__main__":
    main()
