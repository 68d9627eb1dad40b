"""``python -m rfm``: the same as the ``rfmseg`` command (see :mod:`rfm.app.cli`)."""

import sys

from rfm.app.cli import main

sys.exit(main())
