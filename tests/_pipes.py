"""A named pipe (FIFO) in a test, without the risk of a test that hangs.

Opening a FIFO for reading blocks until a writer comes. Code that must refuse a FIFO
without opening it is tested inside :func:`released_after`: should it open the pipe
after all, a writer comes after a few seconds, the read ends, and the test fails on
the wrong message instead of hanging.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def released_after(fifo: Path, seconds: float = 5.0) -> Iterator[None]:
    """If the code under test blocks reading ``fifo``, a writer opens and closes it
    after ``seconds``: the read ends (empty) and the test fails instead of hanging."""

    def release() -> None:
        with contextlib.suppress(OSError):  # nobody reading: nothing to release
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(seconds, release)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
