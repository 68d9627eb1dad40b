"""The HTML report: it only presents what the pipeline computed.

html      :func:`render_report` / :func:`write_report`: one self-contained page (inline
          SVG and PNG, no network request) for a marketing reader.
_html     Small HTML building blocks (escaped tables, sections, the treemap's SVG).
plots     The matplotlib figures (imported lazily; the report falls back to tables).
treemap   The squarified treemap layout (Bruls, Huizing & van Wijk 2000).
"""

from __future__ import annotations

from rfm.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
