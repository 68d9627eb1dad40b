"""The application: the ``rfmseg`` command and the run it drives.

pipeline  :func:`run_pipeline`: transactions → segments, clusters, personas, validation
          and KPIs, as one :class:`PipelineResult`. It only computes.
outputs   :func:`write_outputs`: the run's files and report, all or nothing.
cli       The ``rfmseg`` command line (``rfmseg demo``, ``rfmseg segment FILE``).
"""

from __future__ import annotations

from rfm.app.pipeline import PipelineResult, run_pipeline

__all__ = ["PipelineResult", "run_pipeline"]
