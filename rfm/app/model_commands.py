"""``rfmseg apply`` and ``rfmseg refit``, and ``--save-model``: segments that live over time.

``rfmseg segment FILE --save-model MODEL.json``
    Also writes the run's model (:class:`rfm.SegmentModel`, JSON), with the other files:
    all of them, or none.

``rfmseg apply MODEL.json FILE --out DIR [--snapshot DATE] [--previous OLD/segments.csv]``
    Scores, segments and clusters the customers of FILE with the saved model: nothing is
    fitted. Writes ``segments.*``, ``profile.csv``, ``drift.csv`` (PSI and KS per feature
    against the training customers), ``report.html`` and, with ``--previous``,
    ``migration.csv``.

``rfmseg refit MODEL.json FILE --save-model NEW.json --out DIR [--snapshot DATE] [--warm-start]``
    Fits afresh on FILE and keeps the old model's cluster ids and persona names where the
    clusters persist; writes the usual files of a run and the new model.

Both read FILE with the model's columns and cleaning rules, and take ``--dask``. Both
count recency from ``--snapshot`` or else from the model's snapshot: its rule, or the date
its training run was given, while FILE's last order is at or before that date's 00:00;
past it (even later on that day), from the default rule, saying so: the library's rule
(:meth:`rfm.SegmentModel.snapshot_for`), said in the command's words (:func:`_as_of`).
"""

from __future__ import annotations

import argparse
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rfm.io.export import FORMATS

T = TypeVar("T")

__all__ = ["add_model_commands", "check_model_path", "run_apply", "run_refit",
           "snapshot_refused"]


def _io_flags(p: argparse.ArgumentParser, default_out: str) -> None:
    from rfm.app.cli import _reader_flags

    p.add_argument("model", metavar="MODEL.json", help="a model saved by --save-model")
    p.add_argument(
        "file", metavar="FILE",
        help="transaction file, read with the model's columns and cleaning rules; with "
        "--dask also a folder of Parquet files or a quoted glob",
    )  # fmt: skip
    p.add_argument(
        "--dask", nargs="?", const="local", metavar="ADDRESS",
        help="read and reduce the order lines on Dask (a local cluster, or the scheduler at "
        "ADDRESS); the results are the same as without it",
    )  # fmt: skip
    _reader_flags(p, cleaning=False)
    o = p.add_argument_group("output")
    o.add_argument("--out", default=default_out, metavar="DIR",
                   help=f"output folder, created if needed (default: {default_out})")
    o.add_argument("--format", choices=FORMATS, default="csv",
                   help="format of the per-customer file segments.* (default: csv)")
    o.add_argument("--currency", default="", metavar="SYMBOL",
                   help="currency symbol shown before money in the report (default: the sign "
                   "the file's amounts carry, as in £15.30, else none)")
    o.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")


def add_model_commands(sub: Any) -> None:
    """The ``apply`` and ``refit`` sub-commands."""
    apply = sub.add_parser(
        "apply",
        help="segment new data with a saved model (same thresholds, clusters and names)",
        description="Score, segment and cluster the customers of FILE with a model saved by "
        "--save-model: the model's thresholds, scaler and cluster centres, nothing refitted. "
        "Writes segments.*, profile.csv, drift.csv (how far each feature moved since "
        "training: PSI and Kolmogorov-Smirnov, with 'refit recommended' when any PSI is "
        "above 0.25 on 200 customers or more), report.html and, with --previous, migration.csv.",
    )
    _io_flags(apply, "rfmseg-apply")
    _snapshot_flag(apply)
    apply.add_argument(
        "--previous", metavar="OLD/segments.csv",
        help="the segments file of an earlier run (segments.csv, .xlsx or .parquet): adds "
        "who changed segment or cluster and the from -> to matrix (migration.csv); a file "
        "of another model is read again by this one, so both runs are compared alike",
    )  # fmt: skip
    refit = sub.add_parser(
        "refit",
        help="refit a saved model on new data, keeping its cluster ids",
        description="Fit the model's segmentation afresh on FILE (new thresholds, new "
        "centres) and match the new clusters to the old ones by the smallest total distance "
        "between centres: clusters that persist keep their id, and their persona name while "
        "their customers still fit it (a renamed cluster is reported); the others are "
        "reported as appeared or vanished. Writes the usual files of a run and the new "
        "model.",
    )
    _io_flags(refit, "rfmseg-refit")
    _snapshot_flag(refit, "; the refitted model keeps the date or rule used")
    refit.add_argument("--save-model", required=True, metavar="NEW.json",
                       help="where to write the refitted model")  # fmt: skip
    refit.add_argument("--warm-start", action="store_true",
                       help="start K-means from the old centres (keeps the old number of "
                       "clusters) instead of fresh k-means++ starts")  # fmt: skip


def _snapshot_flag(p: argparse.ArgumentParser, after: str = "") -> None:
    """``--snapshot``, read as ``rfmseg segment`` reads it; ``after`` ends its help."""
    from rfm.app.cli import _snapshot

    p.add_argument(
        "--snapshot", type=_snapshot, default=None, metavar="max+1d|max|DATE",
        help="instant recency is measured from: 24 hours after the last order in FILE "
        "(max+1d), the last date (max), or a date on or after it. Default: the model's "
        "rule (usually max+1d); a model saved with --snapshot DATE keeps DATE while FILE "
        f"ends by DATE 00:00, and counts from max+1d, saying so, once FILE goes past it{after}",
    )  # fmt: skip


def check_model_path(path: str, out: str, writes: list[str], inputs: list[str]) -> None:
    """Refuse, before any work, a --save-model path that cannot be written."""
    from rfm.app.cli import UsageError

    target = Path(path)
    if not target.name.lower().endswith(".json"):
        raise UsageError(f"--save-model {path}: give a file name ending in .json")
    if target.is_dir():
        raise UsageError(f"--save-model {path} is a folder; give a file name ending in .json")
    # a folder that does not exist yet is created, as --out's is: the nearest one that
    # exists must be a folder that can be written
    base = next(p for p in (target.parent, *target.parent.parents) if os.path.lexists(p))
    if not base.is_dir():
        raise UsageError(f"--save-model {path}: {base} is not a folder")
    if not os.access(base, os.W_OK):
        raise UsageError(f"--save-model {path}: folder {base} cannot be written")
    resolved = target.resolve()
    if any(resolved == (Path(out) / name).resolve() for name in writes):
        raise UsageError(f"--save-model {path} is one of the files written to --out {out}")
    if any(Path(i).exists() and resolved == Path(i).resolve() for i in inputs):
        raise UsageError(f"--save-model {path} is the data file; choose another name")


def _model(args: argparse.Namespace) -> Any:
    from rfm.model import SegmentModel

    return SegmentModel.load(args.model)


def _load(args: argparse.Namespace, say: Any, model: Any) -> Any:
    """The transactions of FILE, read with the model's column roles; ``--snapshot`` then
    read in the order of FILE's dates, as ``rfmseg segment`` reads it."""
    from rfm.app.cli import read_orders

    try:
        return read_orders(args, say, model.settings.columns.roles()).frame
    except ValueError as exc:  # a saved model has no column flags: --names renames
        if "not found; columns found:" not in str(exc):
            raise
        raise ValueError(f"{str(exc).rstrip('.')}. The model reads the columns it was trained "
                         "with: rename them in the file, or name every column with "
                         "--names.") from None  # fmt: skip


def _as_of(args: argparse.Namespace, run: Callable[[Any], T],
           refit: bool = False) -> tuple[T, str | None]:  # fmt: skip
    """``run(snapshot)`` with ``--snapshot`` (``None`` when not given: the model's own), and
    the line that says when recency was counted from another day than the model's.

    The rule is the library's (:meth:`rfm.SegmentModel.snapshot_for`): a model saved by a
    run given ``--snapshot DATE`` keeps DATE, that run's "as of" day (midnight), on order
    lines whose last order is at or before it (the model applied to its own training
    file gives that run's figures back); on lines that go on past it, recency is counted
    from 24 hours after their last order (``max+1d``, ``rfmseg segment``'s default and
    the rule a model keeps when no date was given), and the library warns
    :class:`rfm.model.SnapshotPassedWarning`, which this line says instead, in the
    command's words (``refit``: the new model keeps that rule). A date given with
    ``--snapshot`` is used as given; one these lines cannot take is refused in words
    that name the flag (:func:`snapshot_refused`).
    """
    from rfm.model import SnapshotPassedWarning, instant

    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", category=SnapshotPassedWarning)
        out = run(args.snapshot)
    passed = None
    for w in caught:  # the others, as they came, to the command's own record of them
        if isinstance(w.message, SnapshotPassedWarning):
            passed = w.message
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if passed is None:
        return out, None
    said = (f"The model counts recency from {instant(passed.date)}, the date its training "
            f"run was given with --snapshot, but the orders in {args.file} go on to "
            f"{instant(passed.last)}: recency is counted from 24 hours after their last "
            "order instead, as --snapshot max+1d does"
            + ("; the refitted model keeps that rule" if refit else "")
            + " (--snapshot DATE counts it from another day)")  # fmt: skip
    return out, said


def snapshot_refused(exc: Any, args: argparse.Namespace) -> str:
    """A snapshot the order lines cannot take (``exc``,
    :class:`rfm._table_core.SnapshotRefused`), in one line naming ``--snapshot``, for
    every command that reads one: ``segment``'s (with or without ``--dask`` or
    ``--clv``), and ``apply``'s and ``refit``'s, whose model file is named when the date
    is the model's (no ``--snapshot`` given)."""
    import pandas as pd

    from rfm.model import instant

    given = getattr(args, "snapshot", None)
    file = getattr(args, "file", "the data")
    if given is not None:
        whose = f"--snapshot {given}"
    elif exc.last is None:  # a zoned date: only a model made in Python has one
        zone = pd.Timestamp(exc.snapshot).tzinfo
        whose = f"the model's snapshot {instant(exc.snapshot)} ({zone}, kept in {args.model})"
    else:
        whose = (f"the model's snapshot {instant(exc.snapshot)} (the date its training run "
                 f"was given with --snapshot, kept in {args.model})")  # fmt: skip
    if exc.last is None:
        return (f"{whose} has a time zone and the dates of {file} have none; give "
                "--snapshot max+1d, max or a date YYYY-MM-DD.")  # fmt: skip
    head = (f"{whose} is before the last purchase in {file} ({instant(exc.last)}); "
            "recency would be negative. Give --snapshot a date on or after that last "
            "purchase, ")  # fmt: skip
    if args.command == "segment":  # leaving it out is max+1d
        return head + ("or max (that last purchase), or leave --snapshot out to count "
                       "from 24 hours after it (max+1d).")  # fmt: skip
    return head + ("or --snapshot max+1d (24 hours after it) or max, or leave --snapshot "
                   "out to count it as the model does.")  # fmt: skip


def run_apply(args: argparse.Namespace, say: Any, shown: set[str]) -> int:
    """``rfmseg apply``: assign, measure drift, write the files, print the summary (whose
    warnings are added to ``shown``, so that the library's own are not said twice)."""
    from rfm.app.applying import apply_model, read_previous
    from rfm.app.cli import _session, said_reading
    from rfm.app.console import print_apply_summary
    from rfm.app.outputs import write_apply_outputs

    model = _model(args)
    previous = read_previous(args.previous) if args.previous else None
    with _session(args, say):
        df = _load(args, say, model)
        try:
            run, said = _as_of(args, lambda snapshot: apply_model(
                model, df, snapshot=snapshot, previous=previous, progress=say))
        except ValueError as exc:  # the file the message is about, by its flag
            if not str(exc).startswith("the previous segments"):
                raise
            raise ValueError(f"--previous {args.previous}: {exc}") from None
    if said:
        run.notes.insert(0, said)
    run.settings["source"] = str(args.file)
    said_reading(args, run)
    paths = write_apply_outputs(run, args.out, format=args.format, progress=say,
                                title=f"Segments from a saved model — {Path(args.file).name}")
    say.check_interrupt()
    shown.update(run.warnings)
    print_apply_summary(run, args.out, list(paths))
    return 0


def run_refit(args: argparse.Namespace, say: Any, shown: set[str]) -> int:
    """``rfmseg refit``: fit afresh with stable ids, write the run's files and the model
    (the summary's warnings are added to ``shown``, as in :func:`run_apply`)."""
    from rfm._cleaning_rules import KEEP_TOTALS, MODEL_KEEPS_TOTALS, TOTALS_WARNING
    from rfm.app.cli import _session, said_reading
    from rfm.app.console import print_refit_lines, print_summary
    from rfm.app.outputs import write_outputs
    from rfm.io._atomic import StagedFolder
    from rfm.model_file import dumps

    model = _model(args)
    with _session(args, say):
        df = _load(args, say, model)
        with warnings.catch_warnings():  # said once, below, as refit keeps it
            warnings.filterwarnings("ignore", message=TOTALS_WARNING, category=UserWarning)
            (new, result), said = _as_of(args, lambda snapshot: model.refit_run(
                df, warm_start=args.warm_start, progress=say, snapshot=snapshot), refit=True)
    if said:
        result.notes.insert(0, said)
    shown.update(result.warnings)  # as the library said them (and warned them)
    # a totals row is kept by the segment run that saves a model, not by refit
    result.warnings[:] = [w.replace(KEEP_TOTALS, MODEL_KEEPS_TOTALS) for w in result.warnings]
    result.settings["source"] = str(args.file)
    said_reading(args, result)
    text = dumps(new)
    target = Path(args.save_model)
    with StagedFolder(target.parent) as stage:
        with stage.writing(target.name) as staged:
            staged.write_text(text, encoding="utf-8")
        paths = write_outputs(result, args.out, format=args.format, progress=say,
                              title=f"Customer segmentation (refit) — {Path(args.file).name}")
        stage.commit()
    say.check_interrupt()
    print_summary(result, args.out, [p.name for p in paths.values()])
    print_refit_lines(result.settings["refit"], target)
    return 0
