"""``python -m rfm``: the same as the ``rfmseg`` command (see :mod:`rfm.cli`)."""

import sys

from rfm.cli import main

sys.exit(main())
