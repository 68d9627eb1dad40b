"""Ctrl-C in process: at every step of the command, and at random moments inside numba.

A real SIGINT sent from outside to a real process is one smoke test
(``tests/test_smoke.py``); here the signal is sent by the test process to itself, with the
command's own handler installed by :func:`rfm.app.cli.main` (or by
:func:`rfm.app.interrupts.catch_interrupts`), which puts the previous handler back after.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import traceback

import numpy as np
import pytest

from kmeans_np import KMeans
from rfm.app import cli as cli_module
from rfm.app.interrupts import catch_interrupts

STEPS = ["cleaning", "clustering", "silhouette per customer", "validating", "rendering"]


@pytest.mark.parametrize("after", STEPS)
def test_ctrl_c_at_each_step_exits_130_with_one_line(cli, tmp_path, monkeypatch, after) -> None:
    """SIGINT as the step starts: exit 130, "rfmseg: interrupted" last, no traceback, and
    the process's own SIGINT handler is back afterwards."""
    say = cli_module._Reporter.__call__

    def say_then_interrupt(self, message: str) -> None:
        say(self, message)
        if message.startswith(after):
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(cli_module._Reporter, "__call__", say_then_interrupt)
    before = signal.getsignal(signal.SIGINT)
    proc = cli("demo", "--customers", "300", "--rows", "3000", "--out", str(tmp_path / "o"))
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "rfmseg: interrupted", proc.stderr
    assert "Traceback" not in proc.stderr
    assert any(after in line for line in proc.stderr.splitlines())
    assert signal.getsignal(signal.SIGINT) is before
    assert not (tmp_path / "o").exists()  # all or nothing: no partial results


def test_ctrl_c_is_raised_outside_numbas_callbacks() -> None:
    """Ctrl-C at 30 random moments of a K-means loop on the numba kernels. numba's
    compiled code calls back into Python (to box the arrays a kernel returns); an
    interrupt raised in that callback is swallowed as "SystemError: ... returned a result
    with an exception set" (or worse, a double free). With the command's handler every
    interrupt surfaces as a KeyboardInterrupt raised outside numba's own files."""
    x = np.random.default_rng(0).normal(size=(20_000, 3))
    KMeans(4, random_state=0, backend="numba", n_init=1).fit(x)  # loaded before the loop
    restore = catch_interrupts(threading.Event())
    rng = random.Random(1)
    outside = 0
    try:
        for _ in range(30):
            try:
                timer = threading.Timer(rng.uniform(0.001, 0.03), os.kill,
                                        (os.getpid(), signal.SIGINT))  # fmt: skip
                timer.start()
                while True:
                    KMeans(4, random_state=0, backend="numba", n_init=1).fit(x)
            except KeyboardInterrupt as exc:
                frames = traceback.extract_tb(exc.__traceback__)
                outside += all(os.sep + "numba" + os.sep not in f.filename for f in frames)
    finally:
        time.sleep(0.1)  # a deferred interrupt still in flight lands on our handler
        restore()
    assert outside == 30


def test_ctrl_c_while_the_command_loads_its_modules(cli, tmp_path, monkeypatch) -> None:
    """The handler is the first thing main() installs: a Ctrl-C while the parser is built
    (which imports the method: pandas, numpy, a good part of a second in a fresh
    process) ends with the one line, exit 130, the previous handler back."""
    build = cli_module.build_parser

    def build_then_interrupt():
        parser = build()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)  # the interrupt lands here, as it would inside an import
        return parser

    monkeypatch.setattr(cli_module, "build_parser", build_then_interrupt)
    before = signal.getsignal(signal.SIGINT)
    proc = cli("demo", "--customers", "300", "--rows", "3000", "--out", str(tmp_path / "o"))
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip().splitlines() == ["rfmseg: interrupted"]
    assert signal.getsignal(signal.SIGINT) is before
