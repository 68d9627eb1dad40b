"""The application: the ``rfmseg`` command and the run it drives.

pipeline  :func:`run_pipeline`: transactions → segments, clusters, personas, validation
          and KPIs, as one :class:`PipelineResult`. It only computes.
outputs   :func:`write_outputs`: the run's files and report, all or nothing.
cli       The ``rfmseg`` command line (``rfmseg demo``, ``rfmseg segment FILE``).

The names are imported from :mod:`rfm.app.pipeline` on first use: the command's module
(``rfm.app.cli``) loads before the Ctrl-C handler is installed and must stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rfm.app.pipeline import PipelineResult, run_pipeline

__all__ = ["PipelineResult", "run_pipeline"]


def __getattr__(name: str) -> object:
    """``PipelineResult`` and ``run_pipeline``, imported on first use."""
    if name in __all__:
        from rfm.app import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'rfm.app' has no attribute {name!r}")
