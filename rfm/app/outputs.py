"""Write one run's files: the customer table, profile, elbow, validation and the report.

:func:`write_outputs` writes ``segments.csv`` (or ``.xlsx``, ``.parquet``), ``profile.csv``,
``elbow.csv``, ``validation.csv``, ``migration.csv`` when there is one, and ``report.html``
into a folder, all or nothing (:class:`rfm.io._atomic.StagedFolder`);
:func:`write_apply_outputs` the files of an application of a saved model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rfm.app.pipeline import PipelineResult, Progress, Steps
from rfm.io._atomic import StagedFolder
from rfm.io.export import (
    CSV_DIGITS,
    FORMATS,
    export_table,
    write_csv,
    write_table,
)

if TYPE_CHECKING:  # pragma: no cover
    from rfm.app.applying import AppliedRun

__all__ = ["output_files", "write_apply_outputs", "write_outputs"]


def output_files(
    format: str = "csv", migration: bool = False, *, applied: bool = False
) -> tuple[list[str], list[str]]:
    """File names :func:`write_outputs` writes (``applied``: :func:`write_apply_outputs`),
    and those it removes, left by an earlier run: ``segments.*`` of the other formats,
    ``migration.csv`` when this run has none, and the other kind of run's own tables
    (``drift.csv``; ``elbow.csv`` and ``validation.csv``, as nothing is fitted when a saved
    model is applied), so that none can pass for this run's."""
    fitted, applying = ["elbow.csv", "validation.csv"], ["drift.csv"]
    own, other = (applying, fitted) if applied else (fitted, applying)
    writes = [f"segments.{format}", "profile.csv", *own, "report.html"]
    removes = [f"segments.{f}" for f in FORMATS if f != format] + other
    if migration:
        writes.append("migration.csv")
    else:
        removes.append("migration.csv")
    return writes, removes


def write_outputs(
    result: PipelineResult,
    out_dir: str | Path,
    *,
    format: str = "csv",
    title: str = "Customer segmentation",
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Write the files of a run into ``out_dir`` (created if needed); return their paths.

    All or nothing: the files are written into a staging folder and moved into place only
    when all are complete, so a failure leaves ``out_dir`` as it was and names the file being
    written; a symlink at an output name is replaced, never written through. ``segments.*``
    files of the other formats, left by an earlier run, are removed (and reported through
    ``progress``).
    """
    from rfm.report import write_report

    writes, removes = output_files(format, migration=result.migration is not None)

    def tables(stage: StagedFolder) -> None:
        with stage.writing(writes[0]) as path:
            table = export_table(
                result.rfm,
                result.clusters.labels,
                scores=result.scores,
                segments=result.segments,
                personas=result.personas,
                actions=result.actions,
                silhouette=result.silhouette
                if result.silhouette is not None
                else np.full(len(result.rfm), np.nan),
                value=result.value.table if result.value is not None else None,
            )
            write_table(table, path, format)
        with stage.writing("profile.csv") as path:
            write_csv(result.profile, path, index=True, digits=CSV_DIGITS)
        with stage.writing("elbow.csv") as path:
            write_csv(result.clusters.elbow, path)
        with stage.writing("validation.csv") as path:
            write_csv(result.validation, path)
        if result.migration is not None:
            with stage.writing("migration.csv") as path:
                write_csv(result.migration.customers.rename_axis("customer"), path,
                          index=True)  # the id column named as in segments.*

    written = _write_staged(out_dir, format, removes, tables,
                            lambda path: write_report(path, result, title=title), progress)
    keys = ["segments", "profile", "elbow", "validation", "report", "migration"]
    return dict(zip(keys, (written[name] for name in writes), strict=False))


def write_apply_outputs(
    run: AppliedRun,
    out_dir: str | Path,
    *,
    format: str = "csv",
    title: str = "Segments from a saved model",
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Write the files of ``rfmseg apply`` into ``out_dir``, all or nothing (as
    :func:`write_outputs`): ``segments.*`` (the assignment), ``profile.csv`` (the clusters
    on these customers), ``drift.csv`` (one row per feature: ``psi``, ``ks_statistic``,
    ``ks_pvalue``, ``verdict``, …), ``report.html`` and, with a previous run,
    ``migration.csv``."""
    from rfm.report.apply_html import write_apply_report

    writes, removes = output_files(format, run.migration is not None, applied=True)

    def tables(stage: StagedFolder) -> None:
        with stage.writing(writes[0]) as path:
            write_table(run.table, path, format)
        with stage.writing("profile.csv") as path:
            write_csv(run.profile, path, index=True, digits=CSV_DIGITS)
        with stage.writing("drift.csv") as path:
            write_csv(run.drift, path, index=True)
        if run.migration is not None:
            with stage.writing("migration.csv") as path:
                write_csv(run.migration.customers.rename_axis("customer"), path,
                          index=True)  # the id column named as in segments.*

    written = _write_staged(out_dir, format, removes, tables,
                            lambda path: write_apply_report(path, run, title=title), progress)
    return {name: written[name] for name in writes}


def _write_staged(
    out_dir: str | Path,
    format: str,
    removes: list[str],
    tables: Callable[[StagedFolder], None],
    report: Callable[[Path], object],
    progress: Progress | None,
) -> dict[str, Path]:
    """Stage the tables and the report in ``out_dir``, commit them together, remove the
    stale names, and say which were removed; returns name → path written."""
    out = Path(out_dir)
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")
    step = Steps(progress)
    with StagedFolder(out, removes=removes) as stage:
        with step(f"writing files to {out}"):
            tables(stage)
        with step("rendering report.html"), stage.writing("report.html") as path:
            report(path)
        written = stage.commit()
    for name in stage.removed:
        if progress is not None:
            progress(f"removed {name}, left in {out} by an earlier run")
    return written
