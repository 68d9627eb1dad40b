"""The ``rfmseg`` command's old import path, kept so ``rfm.cli:main`` keeps working.

The command line lives in :mod:`rfm.app.cli`.
"""

from rfm.app.cli import main

__all__ = ["main"]
