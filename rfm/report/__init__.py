"""The HTML report: it only presents what the pipeline computed.

html      :func:`render_report` / :func:`write_report`: one self-contained page (inline
          SVG, no network request) for a marketing reader.
_html     Small HTML building blocks (escaped tables, sections, the treemap's SVG).
charts    A small SVG chart kit: scales, nice ticks, axes, marks, legends.
plots     The report's figures as SVG text (elbow, silhouette, PCA scatter, boxplots,
          monthly trend, heatmaps), also for scripts: ``plots.save`` writes .svg files.
treemap   The squarified treemap layout (Bruls, Huizing & van Wijk 2000).
"""

from __future__ import annotations

from rfm.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
