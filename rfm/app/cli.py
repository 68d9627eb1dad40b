"""The ``rfmseg`` command (also ``python -m rfm``).

``rfmseg demo``
    The whole job on generated shop data (no files needed): clean → RFM →
    scores → named segments → K-means with k chosen automatically → profiles and personas
    → validation; writes everything to ``./rfmseg-demo/`` and prints a summary.

``rfmseg segment FILE``
    The same on your transaction file (CSV, gzip CSV, Parquet, Excel). Columns are
    recognised by name (the UCI Online Retail file needs no flags); pass ``--customer``,
    ``--invoice``, ``--date`` and ``--amount`` (or ``--quantity`` and ``--price``) otherwise.

``rfmseg apply MODEL.json FILE`` / ``rfmseg refit MODEL.json FILE``
    A model saved with ``--save-model``, applied to new data with the same thresholds,
    clusters and names, or refitted with stable cluster ids
    (:mod:`rfm.app.model_commands`).

Both write ``segments.csv`` (or ``.xlsx``, ``.parquet``), ``profile.csv``, ``elbow.csv``,
``validation.csv`` and ``report.html``. Progress goes to stderr (``--quiet`` silences it),
the summary to stdout. Exit status: 0 on success, 2 on bad usage or bad input — with a
one-line ``rfmseg: error: …`` message and no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only light modules here: the console script imports this module before main() runs,
# and main() installs the Ctrl-C handler first, then imports the method (pandas, numpy,
# numba). An interrupt during those imports is then "rfmseg: interrupted", not a
# traceback.
from rfm.app.interrupts import catch_interrupts

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["main"]


def _defaults() -> Any:
    """The flags' defaults: the library's own (:class:`rfm.Settings`), loaded when the
    parser is built (after the Ctrl-C handler is in place)."""
    from rfm.settings import Settings

    return Settings()

PROG = "rfmseg"
#: exceptions that mean bad input (an ImportError only when it names a package to install)
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    KeyError,
    ImportError,
    OSError,
)


class UsageError(Exception):
    """A mistake in the command line or the input (exit status 2)."""


def _version() -> str:
    """The installed distribution's version (``rfmseg --version``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rfmseg")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _k_value(text: str) -> int | str:
    if text == "auto":
        return "auto"
    if re.fullmatch(r"\d+", text) and int(text) >= 2:
        return int(text)
    raise argparse.ArgumentTypeError(f"--k must be 'auto' or an integer >= 2, got {text!r}")


def _positive_int(text: str) -> int:
    if re.fullmatch(r"\d+", text) and int(text) > 0:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")


def _seed(text: str) -> int:
    if re.fullmatch(r"\d+", text.strip()):
        return int(text)
    raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more, got {text!r}")


def _option_date(text: str, flag: str) -> str:
    """An option's date as typed, once it is known to be one: a day and month that could
    be swapped are read after the file, in the order of its dates (:func:`_option_dates`)."""
    from rfm.io.dates import AmbiguousDate, read_option_date

    try:
        read_option_date(text, flag, dayfirst=None)
    except AmbiguousDate:
        pass  # decided by the file's dates
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{flag} ")) from None
    return text


def _snapshot(text: str) -> str:
    if text in ("max+1d", "max"):
        return text
    if not re.fullmatch(r"[\d/.\-\s]+", text):
        raise argparse.ArgumentTypeError(
            f"--snapshot must be max+1d, max or a date YYYY-MM-DD, got {text!r}"
        )
    return _option_date(text, "--snapshot")


def _rules(text: str) -> Any:
    """A built-in rule-set name or a rules file (.csv)."""
    from rfm.segments import SEGMENT_RULES

    if text in SEGMENT_RULES:
        return text
    if text.lower().endswith(".csv"):
        from rfm.io.rules_file import read_rules

        try:
            return read_rules(text)
        except (OSError, ValueError, TypeError) as exc:
            raise argparse.ArgumentTypeError(f"--rules {text}: {_one_line(exc)}") from None
    raise argparse.ArgumentTypeError(
        f"--rules must be one of {', '.join(SEGMENT_RULES)} or a rules file ending in .csv, "
        f"got {text!r}"
    )


def _snapshot_date(text: str) -> str:
    return _option_date(text, "--compare-to")


#: the options whose value is a date, by their ``args`` name
DATE_OPTIONS = {"snapshot": "--snapshot", "compare_to": "--compare-to"}


def _option_dates(args: argparse.Namespace, used: str, say: Callable[[str], None]) -> None:
    """Read ``--snapshot`` and ``--compare-to`` as strictly as the file's dates: ISO
    ``YYYY-MM-DD``, or day and month in the order the file's dates were read (``used``,
    ``--dayfirst``, ``--date-format``); replaced by their ``YYYY-MM-DD`` form."""
    from rfm.io.dates import date_order, read_option_date

    order = date_order(used, date_format=args.date_format, dayfirst=args.dayfirst)
    for dest, flag in DATE_OPTIONS.items():
        text = getattr(args, dest, None)
        if text is None or text in ("max+1d", "max"):
            continue
        iso = f"{read_option_date(text, flag, order):%Y-%m-%d}"
        if iso != text.strip():
            how = {True: " (day first, as the file's dates)",
                   False: " (month first, as the file's dates)"}.get(order, "")  # fmt: skip
            say(f"{flag} {text} read as {iso}{how}")
        setattr(args, dest, iso)


def _common(p: argparse.ArgumentParser, default_out: str) -> None:
    from rfm.clustering import SCALINGS
    from rfm.io.export import FORMATS
    from rfm.scoring import TIES
    from rfm.segments import SEGMENT_RULES

    m = p.add_argument_group("model")
    m.add_argument(
        "--k",
        type=_k_value,
        default=_defaults().k,
        metavar="auto|N",
        help="number of clusters, or 'auto' to choose it by elbow and silhouette (default: auto)",
    )
    m.add_argument(
        "--scaling",
        choices=SCALINGS,
        default=_defaults().scaling,
        help="how R, F, M are scaled before K-means: z-score, min-max with recency "
        "inverted, or log1p then min-max (default: log-minmax: robust to the long tail of "
        "real spend, where z-score lets a few big spenders form clusters of their own)",
    )
    m.add_argument(
        "--rules",
        type=_rules,
        default=_defaults().rules,
        metavar="{" + ",".join(SEGMENT_RULES) + "}|FILE.csv",
        help="named-segment rule set: nine segments named in value order, every customer "
        "in one (ladder, the default); the R rfm package's ten segments, reproduced as "
        "published (rfm: some of its names run against value, and the report says where); "
        "five customer types (customer-types); quartile codes (codes); or your own rules "
        "file with columns segment, r, f, m, action (ranges like 4-5; empty = any score; "
        "best segment first), checked for gaps, dead rules and names that invert value",
    )
    m.add_argument(
        "--ties",
        choices=TIES,
        default=_defaults().ties,
        help="how equal values are scored: thresholds = equal values always get equal "
        "scores (default); first = equal-size score groups, ties split by row order",
    )
    m.add_argument("--seed", type=_seed, default=_defaults().random_state,
                   help="random seed of K-means' starts and of the samples behind the "
                   "silhouette, elbow, map and stability checks; with demo, also of the "
                   "generated data (default: 0)")  # fmt: skip
    v = p.add_argument_group("value ahead (customer lifetime value)")
    v.add_argument(
        "--clv",
        type=_positive_int,
        metavar="MONTHS",
        help="also predict, for every customer, the chance of still being a customer "
        "(p_alive) and the purchases and spend expected in the next MONTHS months "
        "(adds p_alive, expected_purchases, expected_value to segments.* and a 'Value "
        "ahead' section to the report)",
    )
    v.add_argument(
        "--clv-model",
        choices=("mbgnbd", "bgnbd"),
        default=_defaults().clv_model,
        help="with --clv: the purchase model, mbgnbd (the default; a customer who bought "
        "once may have stopped, and grows less likely to be active with time) or bgnbd (a "
        "one-time buyer counts as certainly still a customer)",
    )
    v.add_argument(
        "--holdout",
        type=_positive_int,
        metavar="DAYS",
        help="with --clv: also fit the model on the data up to DAYS days before the end "
        "and show its predictions for those days against what customers really did",
    )
    o = p.add_argument_group("output")
    o.add_argument(
        "--out",
        default=default_out,
        metavar="DIR",
        help=f"output folder, created if needed (default: {default_out})",
    )
    o.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="format of the per-customer file segments.* (default: csv; xlsx needs "
        "openpyxl and holds at most 1,048,575 customers; parquet needs pyarrow)",
    )
    o.add_argument(
        "--currency",
        default="",
        metavar="SYMBOL",
        help="currency symbol shown before money in the report, e.g. '$' or '€' (default: the "
        "sign the file's amounts carry, as in £15.30, else none)",
    )
    o.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")
    o.add_argument(
        "--save-model",
        metavar="MODEL.json",
        help="also save the segmentation as a model file, to apply to new data later with "
        "'rfmseg apply' (same thresholds, clusters and persona names); its folder is created "
        "if needed",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (``rfmseg --help``)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Customer segmentation with RFM and K-means: named segments, clusters, "
        "personas, validation and an HTML report.",
        epilog="Files written: segments.csv (customer, R, F, M, scores, code, segment, cluster, "
        "persona, action, silhouette), profile.csv, elbow.csv, validation.csv, report.html "
        "(and migration.csv with --compare-to). 'rfmseg apply' segments new data with a "
        "model saved by --save-model; 'rfmseg refit' refits it keeping its cluster ids. "
        "Exit status 0 on success, 2 on bad usage or bad input.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="{demo,segment,apply,refit}")
    demo = sub.add_parser(
        "demo",
        help="run the whole job on generated data (no files needed)",
        description="Generate realistic shop transactions and run the whole job on them.",
    )
    d = demo.add_argument_group("data size")
    d.add_argument(
        "--customers",
        type=_positive_int,
        default=20_000,
        metavar="N",
        help="number of generated customers (default: 20000)",
    )
    d.add_argument(
        "--rows",
        type=_positive_int,
        default=200_000,
        metavar="N",
        help="number of generated order lines, at least --customers (default: 200000)",
    )
    _common(demo, "rfmseg-demo")
    seg = sub.add_parser(
        "segment",
        help="segment the customers of a transaction file",
        description="Segment the customers of a transaction file (CSV, gzip CSV, Parquet with "
        "pyarrow, xlsx with openpyxl). Columns are recognised by name when not given: the UCI "
        "Online Retail file needs no flags.",
    )
    seg.add_argument(
        "file",
        metavar="FILE",
        help="transaction file, one row per order line; with --dask also a folder of "
        "Parquet files or a quoted glob such as 'orders/*.parquet'",
    )
    k = seg.add_argument_group("beyond one machine (needs: pip install 'rfmseg[dask]')")
    k.add_argument(
        "--dask",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="read and reduce the order lines on Dask, for files larger than memory: a "
        "local cluster sized to this machine, or the scheduler at ADDRESS (e.g. "
        "tcp://host:8786, whose workers must see FILE at the same path); the results "
        "are the same as without it",
    )
    c = seg.add_argument_group("columns (recognised by name when omitted)")
    c.add_argument("--customer", metavar="COL", help="customer id column (e.g. CustomerID)")
    c.add_argument(
        "--invoice",
        metavar="COL",
        help="invoice / order number column; frequency counts distinct invoices "
        "(without one, an order is a customer's purchase day: lines bought the same day "
        "make one order)",
    )
    c.add_argument("--date", metavar="COL", help="order date column (e.g. InvoiceDate)")
    c.add_argument(
        "--amount",
        metavar="COL",
        help="line amount column (spend = its sum); not together with --quantity and --price",
    )
    c.add_argument(
        "--quantity",
        metavar="COL",
        help="quantity column; with --price, spend = quantity × price (instead of --amount)",
    )
    c.add_argument(
        "--price", metavar="COL", help="unit price column (with --quantity, instead of --amount)"
    )
    c.add_argument(
        "--snapshot",
        type=_snapshot,
        default=_defaults().snapshot,
        metavar="max+1d|max|DATE",
        help="instant recency is measured from: 24 hours after the last order "
        "(default), the last "
        "date, or a date on or after it: YYYY-MM-DD, or day and month in the order of "
        "the file's dates (e.g. 31/12/2011 for a day-first file)",
    )
    c.add_argument(
        "--compare-to",
        type=_snapshot_date,
        metavar="DATE",
        help="also segment the customers as they stood at the end of DATE (YYYY-MM-DD, "
        "or in the order of the file's dates, as --snapshot) and show who moved between "
        "segments since then (writes migration.csv)",
    )
    _reader_flags(seg)
    _common(seg, "rfmseg-out")
    from rfm.app.model_commands import add_model_commands

    add_model_commands(sub)
    return parser


#: what lines worth less than 0 do to the default scaling, said by the flags that keep them
NEGATIVE_SPEND = (", which can then be negative: the default --scaling log-minmax refuses "
                  "that, add --scaling minmax or --scaling zscore")
#: how the flags that keep returns say what a return counts for
RETURNS_ARE_NO_ORDERS = ("returns, which are no purchase: the orders and the last purchase "
                         "count the lines bought only, and a customer with returns alone is "
                         "left out; they reduce the customer's spend")
#: --keep-* / --drop-duplicates flag → clean_transactions switch and what it keeps
CLEANING_FLAGS = {
    "keep_cancelled": ("drop_cancelled", "invoices starting with C (use when C does not mean "
                       "cancelled in your file; cancelled lines with quantity <= 0 still go, "
                       "unless --keep-nonpositive-quantity)"),
    "keep_nonpositive_quantity": ("drop_nonpositive_quantity", "lines with quantity <= 0 "
                                  f"({RETURNS_ARE_NO_ORDERS}{NEGATIVE_SPEND})"),
    "keep_nonpositive_price": ("drop_nonpositive_price", "lines with unit price <= 0 (free "
                               "items, adjustments; a line priced below 0 is no purchase and "
                               "reduces the customer's "
                               f"spend{NEGATIVE_SPEND})"),
    "keep_nonpositive_amount": ("drop_nonpositive_amount", "lines with amount <= 0 (with "
                                f"--amount; {RETURNS_ARE_NO_ORDERS}{NEGATIVE_SPEND})"),
    "keep_totals_row": ("drop_totals_row", "a customer taken for a totals row, which is "
                        "otherwise left out with a warning naming it: a single order worth "
                        "the sum of all the other customers' spend or of every other line "
                        "of the file (to 0.5 %%, with 10 customers or more), or an id such "
                        "as TOTAL, Grand total, Sum or Summe with a single order, or with "
                        "several (per-page totals) worth together the others' spend or "
                        "lines"),
}  # fmt: skip


def _reader_flags(seg: argparse.ArgumentParser, cleaning: bool = True) -> None:
    """Flags of `rfmseg segment` about reading the file and (``cleaning``) cleaning its
    rows; a saved model brings its own cleaning rules."""
    r = seg.add_argument_group("reading the file (separator, encoding and header sniffed "
                               "when omitted)")
    r.add_argument(
        "--sep",
        metavar="SEP",
        help="column separator: ',', ';', tab, '|' or 'whitespace' for aligned columns "
        "(default: sniffed from the first lines)",
    )
    r.add_argument(
        "--decimal",
        metavar="CHAR",
        help="decimal mark, e.g. ',' (default: the last mark of values holding both, such "
        "as ',' in 1.234,56 or '.' in 1,234.56, else '.'; a money column that mixes the "
        "two is refused, and one in which every value with a '.' has three digits after "
        "it, such as 1.627 next to 85, is refused as ambiguous: pass --decimal ',' "
        "--thousands '.' if '.' groups thousands there, or --decimal '.' if it marks "
        "decimals)",
    )
    r.add_argument(
        "--thousands",
        metavar="CHAR",
        help="thousands separator of the money columns, e.g. ',' for 1,234.56 or ' ' for "
        "1 234,56 (default: none, but digits grouped by three with spaces, as in 1 234.56, "
        "group thousands, and so does the mark before the decimal mark in values holding "
        "both, as in 1,234.56 or 1.234,56; with --decimal ',' a column whose values hold a "
        "',' may group thousands with '.')",
    )
    r.add_argument(
        "--sheet",
        metavar="NAME|N",
        help="sheet of an xlsx workbook, by name or position counted from 1 (default: the "
        "first sheet whose columns are recognised)",
    )
    r.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding, e.g. utf-8, cp1252, utf-16 (default: byte-order mark, else "
        "UTF-16 told by its zero bytes, else UTF-8, else Windows-1252; a file part UTF-8 "
        "and part not is refused)",
    )
    r.add_argument(
        "--no-quoting",
        dest="quotes",
        action="store_false",
        help="read '\"' as a plain character, not as the start of a quoted field: for text "
        "files whose descriptions hold stray quotes such as \"12 INCH (a quote that opens "
        "a field and does not close on its line is refused, naming the line)",
    )
    r.add_argument(
        "--header-row",
        type=int,
        metavar="N",
        help="the line (or xlsx row) that names the columns, counted from 1; the lines "
        "above it, such as a report title, are skipped (default: the first line, or the "
        "first of the first 20 whose columns are recognised, which a note names)",
    )
    r.add_argument(
        "--no-header",
        dest="header",
        action="store_false",
        help="the file has no header row (give the column names with --names)",
    )
    r.add_argument(
        "--names",
        metavar="A,B,...",
        help="comma-separated names of all columns, replacing the header (or naming the "
        "columns of a file read with --no-header)",
    )
    r.add_argument(
        "--date-format",
        metavar="FMT",
        help="format of the date column: a strftime pattern such as %%d/%%m/%%Y, or excel "
        "(Excel serial days), epoch-s or epoch-ms (time since 1970). Default: one format "
        "inferred from all the values (a column that mixes layouts such as 2011-12-09 and "
        "09/12/2011: each date in its own, said in the summary). Dates with a time zone "
        "(2023-01-02T14:00:00+01:00, 2023-07-02 14:00:00 +0200; with a pattern, %%z) are "
        "read as the times written, each one's UTC offset set aside, so that days and months "
        "are the shop's own; 02/01/2011 10:00 +0100 settles day or month first as without "
        "its zone",
    )
    r.add_argument(
        "--dayfirst",
        action="store_true",
        help="read dates such as 02/01/2011 day first when every value fits both orders",
    )
    if not cleaning:
        return
    c = seg.add_argument_group(
        "cleaning",
        "By default rows without customer or date, cancelled invoices (C...), quantity <= 0 "
        "and price <= 0 are dropped, and so is a totals row below the order lines; exact "
        "duplicate rows are counted but kept. The summary shows the rows each rule removed.",
    )
    for dest, (_, what) in CLEANING_FLAGS.items():
        c.add_argument(
            "--" + dest.replace("_", "-"), dest=dest, action="store_true", help=f"keep {what}"
        )
    c.add_argument(
        "--drop-duplicates",
        action="store_true",
        help="drop exact duplicate rows (all columns equal)",
    )


def _read_options(args: argparse.Namespace) -> Any:
    from rfm.io.reading import SEP_ALIASES, ReadOptions

    if not args.header and not args.names:
        raise UsageError("--no-header needs --names with one name per column.")
    if args.header_row is not None:
        if args.header_row < 1:
            raise UsageError(f"--header-row counts lines from 1, got {args.header_row}.")
        if not args.header:
            raise UsageError("--header-row names the line of the column names; it cannot go "
                             "with --no-header.")  # fmt: skip
    if args.sep is not None and args.sep == args.decimal:
        raise UsageError(f"--sep and --decimal are both {args.sep!r}; they must differ.")
    if args.sep is not None and len(args.sep) != 1 and args.sep not in SEP_ALIASES:
        raise UsageError(
            f"--sep must be one character or one of {', '.join(SEP_ALIASES)}, got {args.sep!r}."
        )
    if args.decimal is not None and len(args.decimal) != 1:
        raise UsageError(f"--decimal must be one character, got {args.decimal!r}.")
    if args.thousands is not None:
        if len(args.thousands) != 1 or args.thousands.isalnum():
            raise UsageError(f"--thousands must be one character such as ',', '.', ' ' or "
                             f"\"'\", got {args.thousands!r}.")  # fmt: skip
        if args.thousands in (args.decimal, SEP_ALIASES.get(args.sep, args.sep)):
            same = "--decimal" if args.thousands == args.decimal else "--sep"
            raise UsageError(f"--thousands and {same} are both {args.thousands!r}; they "
                             "must differ.")  # fmt: skip
    names = [n.strip() for n in args.names.split(",")] if args.names else None
    return ReadOptions(
        sep=args.sep,
        decimal=args.decimal,
        encoding=args.encoding,
        header=args.header,
        names=names,
        date_format=args.date_format,
        dayfirst=args.dayfirst,
        thousands=args.thousands,
        sheet=args.sheet,
        quotes=args.quotes,
        header_row=args.header_row,
    )


def _cleaning(args: argparse.Namespace) -> dict[str, bool]:
    rules = {rule: not getattr(args, dest, False) for dest, (rule, _) in CLEANING_FLAGS.items()}
    rules["drop_duplicates"] = bool(getattr(args, "drop_duplicates", False))
    return rules


#: how ``rfmseg segment`` keeps a customer taken for a totals row
KEEP_TOTALS_FLAG = "pass --keep-totals-row to keep it"

#: library advice → the flag that does it from the command line
_CLI_HINTS = (
    # kept returns under the default scaling (rfm.clustering.refuse_negative)
    (re.compile(r"clean returns first, or use scaling='minmax' or scaling='zscore'"),
     "drop the returns (leave out the --keep-nonpositive-* flags), or use --scaling minmax "
     "or --scaling zscore"),
    # kept returns that leave a spend below 0, in the reader's words (no Python list)
    (re.compile(r"but column\(s\) \['monetary'\] have negative ones"),
     "but some customers spent less than nothing (their returns outweigh their purchases)"),
    # money missing on lines a --keep-* flag kept (rfm.columns.line_amounts)
    (re.compile(r"; drop or fix them first \(e\.g\. clean_transactions\)\."),
     "; fill them in or drop those lines (a --keep-nonpositive-* flag keeps lines whose "
     "money is missing)."),
    (re.compile(r"\bscaling='([\w-]+)'"), r"--scaling \1"),
    # a customer taken for a totals row (rfm._cleaning_rules.KEEP_TOTALS)
    (re.compile(r"pass cleaning=\{'drop_totals_row': False\} to keep it"), KEEP_TOTALS_FLAG),
    # equal-size score groups, as the run's own warnings name them (rfm.rulecheck)
    (re.compile(r"\(ties \u201cfirst\u201d\)"), "(--ties first)"),
    # a missing invoice number: the command has no switch that forgets a recognised
    # invoice column, so the fix is in the file
    (re.compile(r"; fill or drop them, or pass (?:columns=rfm\.TransactionColumns\()?"
                r"invoice=None\)? to count purchase days\."),
     "; fill them in, or drop those lines from the file."),
    (re.compile(r"cannot fill (?:q=)?(\d+) score levels; .*"),
     r"cannot fill \1 score levels; --rules codes needs 4 customers, the others 5."),
    (re.compile(r"(had bought by|no transactions on or before) (\S+); (.*)pick a later date\."),
     r"\1 \2 (--compare-to); \3pick a later date."),
    (re.compile(r"compare_to \((\S+)\) must be before"), r"--compare-to \1 must be before"),
    # the value models on order lines of a single day, or of one-time buyers (rfm.clv)
    (re.compile(r"no customer made a repeat purchase \(every x is 0: no one bought on a "
                r"second, later day\): .*"),
     "--clv: no customer bought on a second, later day, so the value models have no repeat "
     "purchase to learn from (they count purchase days: several orders on one day are one "
     "purchase). Leave out --clv, or use orders over a longer period."),
    (re.compile(r"every customer with a repeat purchase bought last at the end of the "
                r"period \(t_x = T\): .*"),
     "--clv: every customer who bought on a second day bought last on the last day of the "
     "data, so the value models see no one stop buying and cannot learn how customers "
     "leave. Leave out --clv, or use orders over a longer period."),
    # a single repeat customer: the spend model learns how customers' spend differs
    (re.compile(r"Gamma-Gamma needs at least two customers with a repeat purchase "
                r"\(x > 0\); got (\d+)\."),
     lambda m: (f"--clv: {'only ' + m[1] if m[1] != '0' else 'no'} "
                f"customer{'s' if m[1] != '1' else ''} bought on a second, later day, and the "
                "spend model needs at least two to learn how customers differ in what they "
                "spend per purchase (it counts purchase days: several orders on one day are "
                "one purchase). Leave out --clv, or use orders over a longer period.")),
    # returns kept by --keep-* flags, which the value models cannot take (rfm.app.value)
    (re.compile(r"^clv: (.*) kept by cleaning=\{([^}]*)\} (.*); switch those rules back on "
                r"(.*), or leave out clv\.$"),
     lambda m: (f"--clv: {m[1]} kept by {_keep_flags(m[2])} {m[3]}; leave out "
                f"{'that flag' if m[2].count(':') == 1 else 'those flags'} {m[4]}, or leave "
                "out --clv.")),
    # the value models' holdout check (rfm.app.value), run with --clv and --holdout DAYS
    (re.compile(r"holdout_days=(\d+)"), r"--holdout \1"),
    (re.compile(r"a shorter holdout_days"), "a shorter --holdout"),
    # Dask's reader, when a later block of a CSV file holds text where the first held numbers
    (re.compile(r"Mismatched dtypes found in `pd\.read_csv`.*?\| Expected \| \+[-+]+ "
                r"\| (\S+) +\| (\S+) +\| (\S+) +\|.*"),
     r"column '\1' holds values of another type (\2) in a later part of the files than "
     r"in the first rows (\3); fix those cells."),
)  # fmt: skip


def _keep_flags(switches: str) -> str:
    """The --keep-* flags of cleaning switches as the library names them
    (``'drop_cancelled': False, 'drop_nonpositive_quantity': False``), joined by "and"."""
    flags = {rule: "--" + dest.replace("_", "-") for dest, (rule, _) in CLEANING_FLAGS.items()}
    named = [flags.get(rule, rule) for rule in re.findall(r"'(\w+)': False", switches)]
    return " and ".join(named)


def _for_cli(text: str) -> str:
    for pattern, flag in _CLI_HINTS:
        text = pattern.sub(flag, text)
    return text


class _Reporter:
    """Progress lines on stderr, each stamped with the time since the command started
    (one clock for the whole run, so the stamps and "done in" add up)."""

    def __init__(self, quiet: bool, interrupted: threading.Event | None = None) -> None:
        self.quiet = quiet
        self.t0 = time.perf_counter()
        self.interrupted = interrupted or threading.Event()
        self.step = "starting"
        self.compiled_in: set[str] = set()

    def compiling(self, module: str) -> None:
        """A kernel started compiling: say so once per step, naming the step (a first
        run compiles for this machine, and later runs load the result from disk)."""
        if self.step in self.compiled_in:
            return
        self.compiled_in.add(self.step)
        if not self.quiet:
            print(f"{PROG}: [{self.elapsed():5.1f}s] {self.step}: compiling its fast kernels "
                  "for this machine (first run only; later runs reuse them)",
                  file=sys.stderr, flush=True)  # fmt: skip

    def check_interrupt(self) -> None:
        """Raise the Ctrl-C that Python swallowed because it landed inside a finaliser
        (``__del__``) rather than in the running code; called at every step."""
        if self.interrupted.is_set():
            raise KeyboardInterrupt

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def __call__(self, message: str) -> None:
        self.check_interrupt()
        self.step = message
        if not self.quiet:
            print(f"{PROG}: [{self.elapsed():5.1f}s] {message}", file=sys.stderr, flush=True)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError) and len(exc.args) == 5:
        # raised on a Dask worker (a file read with --dask whose later bytes are not in
        # the encoding sniffed from the first file's start; its text is lost on the way)
        encoding, data, start = exc.args[0], exc.args[1], exc.args[2]
        around = bytes(data[max(0, start - 20) : start + 20])
        return (
            f"the data is not {encoding} throughout: byte 0x{data[start]:02X} in {around!r}; "
            "pass the files' --encoding (e.g. cp1252 for Windows-1252)."
        )
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, KeyError):
        text = f"missing key {text}"
    return text


#: the column names a "no ... column recognised" message lists (rfm.TransactionColumns)
_COLUMNS_FOUND = re.compile(r"columns found: (\[.*\])\s*$")
#: a header cell that is a value: a number or a date such as 19970101, 29.33, 2011-01-02
_VALUE_LIKE = re.compile(r"[+-]?\d[\d.,:/\- ]*(?:[ T]\d[\d:.]*)?")


def _looks_like_data(names: Sequence[str]) -> bool:
    """Column names of which most are numbers or dates: the first row of a file without
    a header row, read as its header."""
    values = sum(bool(_VALUE_LIKE.fullmatch(str(n).strip())) for n in names)
    return values > len(names) / 2


@contextlib.contextmanager
def _header_hint(args: argparse.Namespace) -> Any:
    """Columns not recognised whose names look like data: say how to read a file without
    a header row (``--no-header --names``), unless the names were given."""
    try:
        yield
    except ValueError as exc:
        found = _COLUMNS_FOUND.search(str(exc))
        if found is None or not args.header or args.names:
            raise
        import ast

        try:
            names = ast.literal_eval(found.group(1))
        except (ValueError, SyntaxError):
            raise exc from None
        if not isinstance(names, list) or not names or not _looks_like_data(names):
            raise
        raise UsageError(
            f"{_one_line(exc)}; they look like values, not column names: if the file has no "
            f"header row, pass --no-header --names A,B,... (its {len(names)} column names, "
            "in order)."
        ) from None


def _load(args: argparse.Namespace, say: _Reporter) -> tuple[pd.DataFrame, Any, str]:
    """The transactions, their :class:`rfm.TransactionColumns` and where they come from."""
    if args.command == "demo":
        from rfm.datasets import make_transactions

        if args.rows < args.customers:
            raise UsageError(
                f"--rows ({args.rows}) must be at least --customers ({args.customers})."
            )
        from rfm.app.pipeline import compile_silhouette_ahead

        compile_silhouette_ahead(args.customers)  # every generated customer has orders
        say(f"generating {args.rows:,} order lines for {args.customers:,} customers")
        from rfm.columns import TransactionColumns

        df = make_transactions(n_customers=args.customers, n_rows=args.rows, random_state=args.seed)
        return df, TransactionColumns(amount="TotalAmount"), "generated demo data"
    given = {
        k: getattr(args, k) for k in ("customer", "invoice", "date", "amount", "quantity", "price")
    }
    loaded = read_orders(args, say, given)
    args.date_format_used = loaded.date_format
    return loaded.frame, loaded.columns, str(args.file)


def read_orders(args: argparse.Namespace, say: Any, roles: dict[str, Any]) -> Any:
    """FILE's order lines with the column ``roles`` (in memory, or lazily with ``--dask``),
    read with the reading flags; the sheet read from a workbook and the date format are
    said, and ``--snapshot`` and ``--compare-to`` are then read in the order of its dates."""
    if getattr(args, "dask", None):
        from rfm.io.loading_dask import load_transactions_dask

        say(f"reading {args.file} lazily on Dask")
        with _header_hint(args):
            loaded = load_transactions_dask(args.file, options=_read_options(args), **roles)
    else:
        from rfm.io.loading import load_transactions

        say(f"reading {args.file}")
        with _header_hint(args):
            loaded = load_transactions(args.file, options=_read_options(args), **roles)
        if loaded.sheet is not None:
            say(f"read the sheet {loaded.sheet!r}")
    _currency_read(args, loaded.currency)
    args.read_notes = loaded.notes
    _option_dates(args, loaded.date_format, say)
    return loaded


def _currency_read(args: argparse.Namespace, sign: str | None) -> None:
    """The currency the report shows: --currency, else the sign the file's amounts carried
    (``args.currency_shown``); a --currency other than that sign is refused."""
    from rfm.io.loading import currency_sign

    given = getattr(args, "currency", "") or ""
    if given and sign and currency_sign(given) != sign:
        raise UsageError(f"--currency {given!r}, but the file's amounts carry {sign!r}; pass "
                         f"--currency {sign!r}, or leave it out to show the file's sign.")
    args.currency_shown = given or (sign if not sign or len(sign) == 1 else f"{sign} ")


def said_reading(args: argparse.Namespace, run: Any) -> None:
    """The run's currency (see :func:`_currency_read`) and the reader's notes (what it read
    off the file's money), shown by the console and the report."""
    run.settings["currency"] = getattr(args, "currency_shown", getattr(args, "currency", ""))
    run.notes.extend(getattr(args, "read_notes", []))


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, outputs that cannot be written (see rfm/io/_atomic.py),
    and flags that only work together."""
    if getattr(args, "holdout", None) and not getattr(args, "clv", None):
        raise UsageError("--holdout checks the value predictions: it needs --clv MONTHS.")
    if getattr(args, "clv_model", None) and not getattr(args, "clv", None):
        raise UsageError("--clv-model chooses the purchase model of the value predictions: "
                         "it needs --clv MONTHS.")  # fmt: skip
    with_amount = [f for f in ("quantity", "price") if getattr(args, f, None)]
    if getattr(args, "amount", None) and with_amount:
        given = " and ".join(f"--{f}" for f in with_amount)
        raise UsageError(f"--amount cannot go with {given}: each says where the spend comes "
                         "from; give either --amount COL, or --quantity COL with --price "
                         "COL.")  # fmt: skip
    from rfm.app.outputs import output_files
    from rfm.io._atomic import check_folder
    from rfm.io.export import missing_package

    package = missing_package(args.format)
    if package is not None:
        raise UsageError(
            f"--format {args.format} needs the {package} package: pip install {package} "
            "(or use --format csv)"
        )
    migration = getattr(args, "compare_to", None) or getattr(args, "previous", None)
    writes, removes = output_files(args.format, migration is not None,
                                   applied=args.command == "apply")  # fmt: skip
    inputs = [args.file] if args.command != "demo" else []
    if getattr(args, "dask", None):
        inputs = _dask_inputs(args)
    extra = [p for p in (getattr(args, "model", None), getattr(args, "previous", None)) if p]
    check_folder(args.out, writes, removes=removes, inputs=inputs + extra)
    if getattr(args, "save_model", None):  # (it may replace the model it refits)
        from rfm.app.model_commands import check_model_path

        check_model_path(args.save_model, args.out, writes + removes, inputs)


def _dask_inputs(args: argparse.Namespace) -> list[str]:
    """The files a --dask run reads; refuse an --out inside a data folder (the next run
    would read segments.parquet as order lines)."""
    from rfm.io.loading_dask import source_files

    _, files = source_files(args.file)
    data = Path(args.file).resolve()
    out = Path(args.out).resolve()
    if data.is_dir() and (out == data or data in out.parents):
        raise UsageError(f"--out {args.out} is inside the data folder {args.file}; "
                         "write the results somewhere else.")  # fmt: skip
    return files


def _check_customers(fmt: str, k: int | str = "auto") -> Callable[[int], None]:
    """Refuse, before clustering, more customers than a file of ``fmt`` holds, and a
    ``--k`` of as many clusters as customers or more (the silhouette compares each
    customer with those of another cluster: at most one cluster fewer)."""

    def check(n: int) -> None:
        from rfm.io.export import max_rows

        if isinstance(k, int) and k >= n > 2:  # (fewer customers: the scores say why)
            raise UsageError(
                f"--k {k} is too many clusters for the {n:,} customers; give --k {n - 1} "
                "or fewer, or --k auto."
            )
        limit = max_rows(fmt)
        if limit is not None and n > limit:
            raise UsageError(
                f"{n:,} customers do not fit in an {fmt} sheet (at most {limit:,} rows); "
                "use --format csv (or --format parquet)"
            )

    return check


def _session(args: argparse.Namespace, say: _Reporter) -> Any:
    """The Dask cluster of a --dask run while the data is read and reduced (its value
    releases the cluster early), else nothing."""
    address = getattr(args, "dask", None)
    if not address:
        return contextlib.nullcontext(None)
    from rfm.app.dask_session import dask_session

    return dask_session(address, say, say.interrupted)


def settings_of(args: argparse.Namespace, columns: Any) -> Any:
    """The run's :class:`rfm.Settings` from the command's flags (a flag left out is the
    library's default, since the flags' defaults are the settings' own)."""
    from rfm.settings import CleaningRules, Settings

    return Settings(
        columns=columns,
        cleaning=CleaningRules(**_cleaning(args)),
        snapshot=getattr(args, "snapshot", "max+1d"),
        rules=args.rules,
        ties=args.ties,
        k=args.k,
        scaling=args.scaling,
        random_state=args.seed,
        compare_to=getattr(args, "compare_to", None),
        clv=args.clv,
        clv_model=args.clv_model,
        holdout_days=args.holdout,
    )


def _pipeline(
    args: argparse.Namespace, df: Any, cols: Any, say: _Reporter,
    release: Callable[[], None] | None = None,
) -> Any:
    from rfm.app.pipeline import run_pipeline

    return run_pipeline(
        df,
        settings_of(args, cols),
        progress=say,
        check_customers=_check_customers(args.format, args.k),
        on_reduced=release,
    )


def _run(args: argparse.Namespace, interrupted: threading.Event | None = None) -> int:
    from kmeans_np.jit import on_compile
    from rfm._cleaning_rules import NothingLeft
    from rfm._table_core import SnapshotRefused

    say = _Reporter(args.quiet, interrupted)
    forget = on_compile(say.compiling)
    try:
        return _run_steps(args, say)
    except NothingLeft as exc:
        raise UsageError(_nothing_left(exc, args.command)) from None
    except SnapshotRefused as exc:  # the library's words name snapshot=, not the flag
        from rfm.app.model_commands import snapshot_refused

        raise UsageError(snapshot_refused(exc, args)) from None
    finally:
        forget()


def _nothing_left(exc: Any, command: str) -> str:
    """A cleaning that removed every order line (``exc``: rfm._cleaning_rules.NothingLeft),
    in one line: what each rule removed, from which column, and the flag that keeps those
    lines, or the column flag when no flag can keep them (a line without a customer id
    or a date counts towards no customer). ``apply`` and ``refit`` clean as the model's
    run did, and take no such flags."""
    from rfm._cleaning_rules import RULE_WORDS

    keep = {switch.removeprefix("drop_"): "--" + dest.replace("_", "-")
            for dest, (switch, _) in CLEANING_FLAGS.items()}  # fmt: skip
    fixes = {
        "missing_customer": "{col!r} is the column read as the customer id; --customer COL "
                            "reads the ids from another",
        "bad_dates": "{col!r} is the column read as the date; --date COL reads another",
        "duplicates": "leave out --drop-duplicates to keep them",
        **{rule: f"{flag} keeps " + ("those of 0 or less" if rule.startswith("nonpositive")
                                     else "them") for rule, flag in keep.items()},
    }  # fmt: skip
    parts = []
    for rule, n, col in exc.removed():
        said = f"{n:,} {RULE_WORDS[rule].format(col=col)}"
        if command == "segment" and rule in fixes:  # (apply and refit take no such flag)
            said += f" ({fixes[rule].format(col=col)})"
        parts.append(said)
    text = f"cleaning removed every order line: {'; '.join(parts)}"
    if command != "segment":
        text += ("; the model reads the file with the columns and cleaning rules of the run "
                 "that saved it")
    return text + "."


def _run_steps(args: argparse.Namespace, say: _Reporter) -> int:
    from rfm._cleaning_rules import KEEP_TOTALS
    from rfm.app.console import print_summary
    from rfm.app.outputs import write_outputs

    _check_outputs(args)
    if args.command in ("apply", "refit"):
        from rfm.app import model_commands

        run = model_commands.run_apply if args.command == "apply" else model_commands.run_refit
        shown: set[str] = set()  # the warnings the summary printed, as the library said them
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code = run(args, say, shown)
        _say_warnings(say, caught, shown)
        say(f"done in {say.elapsed():.1f}s")
        return code
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _session(args, say) as release:
            df, cols, source = _load(args, say)
            result = _pipeline(args, df, cols, say, release)
        shown = set(result.warnings)  # as the library said them (and warned them)
        # the report names the flag that keeps a totals row, as the console does
        result.warnings[:] = [_for_cli(w) if KEEP_TOTALS in w else w for w in result.warnings]
        result.settings["source"] = source
        said_reading(args, result)
        result.settings["date_format"] = getattr(args, "date_format_used", None)
        name = Path(source).name if args.command == "segment" else "demo"
        with _model_stage(args, result) as save_model:
            paths = write_outputs(
                result,
                args.out,
                format=args.format,
                progress=say,
                title=f"Customer segmentation — {name}",
            )
            save_model()
    _say_warnings(say, caught, shown)
    say.check_interrupt()
    print_summary(result, args.out, [p.name for p in paths.values()])
    if args.save_model:  # its own folder, which need not be --out
        print(f"model written to {Path(args.save_model).resolve()}")
    say(f"done in {say.elapsed():.1f}s")
    return 0


def _say_warnings(say: _Reporter, caught: list, shown: set[str]) -> None:
    """The library's warnings, one line each, deduplicated, but those the summary shows;
    advice in the library's terms (``scaling='log-minmax'``) names the flag instead."""
    for message in dict.fromkeys(str(w.message) for w in caught if w.category is UserWarning):
        if message not in shown:
            say(f"warning: {_for_cli(' '.join(message.split()))}")


@contextlib.contextmanager
def _model_stage(args: argparse.Namespace, result: Any) -> Any:
    """With --save-model: the model file staged beside its target while the run's files
    are written; the returned function moves it into place (after them), and a failure
    before that leaves no model file. Without it, a function that does nothing."""
    if not args.save_model:
        yield lambda: None
        return
    from rfm.io._atomic import StagedFolder
    from rfm.model import SegmentModel
    from rfm.model_file import dumps

    text = dumps(SegmentModel.from_result(result))
    target = Path(args.save_model)
    with StagedFolder(target.parent) as stage:
        with stage.writing(target.name) as staged:
            staged.write_text(text, encoding="utf-8")
        yield stage.commit


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rfmseg``; returns the exit status."""
    interrupted = threading.Event()
    # first of all: building the parser imports the method (pandas, numpy), which takes
    # a good part of a second; a Ctrl-C during it is an interrupt like any other
    restore_interrupts = catch_interrupts(interrupted)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        return _run(args, interrupted)
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:  # e.g. `rfmseg demo | head`: the reader left, nothing to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except UsageError as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except USER_ERRORS as exc:
        if interrupted.is_set():
            return _interrupted()
        if isinstance(exc, ImportError) and "pip install" not in str(exc):
            raise  # a broken installation, not a user mistake: show the traceback
        print(f"{PROG}: error: {_for_cli(_one_line(exc))}", file=sys.stderr)
        return 2
    except Exception:
        # a Ctrl-C that surfaced as another exception (the handler keeps it out of numba's
        # callbacks, but a library may still wrap it)
        if interrupted.is_set():
            return _interrupted()
        raise
    finally:
        restore_interrupts()


def _interrupted() -> int:
    print(f"{PROG}: interrupted", file=sys.stderr, flush=True)
    return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
