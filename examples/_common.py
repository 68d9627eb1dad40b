"""Small helpers shared by the example scripts: output folder and figures."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from rfm.report import plots


def output_folder(path: str) -> Path:
    """Create the output folder given on the command line and return it."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the positional OUT folder every example takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("out", metavar="OUT", help="folder for the plots and tables (created)")
    return p


#: the profile columns the examples print
PROFILE_COLUMNS = ["persona", "customers", "recency_mean", "frequency_mean", "monetary_mean",
                   "revenue_share"]  # fmt: skip


def generated_data_parser(description: str) -> argparse.ArgumentParser:
    """:func:`parser` plus the size and seed of the generated (seed 000 layout) data."""
    p = parser(description)
    p.add_argument("--customers", type=int, default=20_000, help="generated customers")
    p.add_argument("--rows", type=int, default=200_000, help="generated order lines")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    return p


def save_plots(out: Path, figures: dict[str, Callable[[], str]]) -> list[Path]:
    """Draw each figure (SVG text) and save it as OUT/<name>.svg."""
    written = [plots.save(make(), out, f"{name}.svg") for name, make in figures.items()]
    print(f"plots written to {out}: " + ", ".join(p.name for p in written))
    return written
