"""Ctrl-C for the ``rfmseg`` command: stop at once, but never inside numba's own code.

Python runs a signal handler between two bytecodes of the main thread, and the handler's
``KeyboardInterrupt`` is raised wherever that happens to be. Almost always that is fine.
The exception is Python code that *compiled* code has called back into: a numba kernel
that returns a new array calls ``numba.core.serialize._numba_unpickle`` to get the
array's dtype while it boxes the result, and its dispatcher calls numba's ``typeof`` to
type the arguments. The compiled side does not expect that callback to fail; an interrupt
raised there was seen to end the command with ``free(): double free detected`` (exit
-6) instead of a clean exit 130, and with "SystemError: ... returned a result with an
exception set". The same holds for numba's compiler, whose LLVM objects are freed by
finalisers.

So the handler looks at the stack first. Outside numba it raises ``KeyboardInterrupt`` at
once. Inside numba it only remembers the interrupt and sends the signal again
``RETRY_SECONDS`` later, from a timer thread; the handler then runs again at the next
bytecode, which is soon in rfmseg's own code (between two kernel calls) where unwinding
is safe. The delay is at most one kernel call, or one kernel's compilation.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

__all__ = ["RETRY_SECONDS", "catch_interrupts", "inside_numba"]

#: how long to wait before delivering an interrupt that arrived inside numba's code
RETRY_SECONDS = 0.01


def _numba_folder() -> str | None:
    numba = sys.modules.get("numba")
    origin = getattr(numba, "__file__", None)
    return os.path.dirname(origin) + os.sep if origin else None


def inside_numba(frame: FrameType | None) -> bool:
    """Whether ``frame`` or any frame that called it runs a file of the numba package.

    Parameters
    ----------
    frame : frame or None
        The frame a signal handler was given (the innermost Python frame).
    """
    folder = _numba_folder()
    if folder is None:  # numba is not even imported yet
        return False
    while frame is not None:
        if frame.f_code.co_filename.startswith(folder):
            return True
        frame = frame.f_back
    return False


def catch_interrupts(flag: threading.Event) -> Callable[[], None]:
    """Install the Ctrl-C handler of the command (main thread only).

    On Ctrl-C, ``flag`` is set and ``KeyboardInterrupt`` is raised at the first safe point
    (see the module's docstring). A Ctrl-C that Python cannot raise because it landed in a
    finaliser is not printed as a traceback: ``flag`` carries it to the command's next step.

    Returns
    -------
    callable
        Puts back the handler and the unraisable-exception hook that were there before,
        so that a program calling :func:`rfm.app.cli.main` gets its own back.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signal handlers can only be set from the main thread

    pending = threading.Event()  # an interrupt waits for a safe point

    def send_again() -> None:
        if pending.is_set():
            os.kill(os.getpid(), signal.SIGINT)

    def handler(signum: int, frame: FrameType | None) -> None:
        flag.set()
        if inside_numba(frame):
            pending.set()
            timer = threading.Timer(RETRY_SECONDS, send_again)
            timer.daemon = True
            timer.start()
            return
        pending.clear()
        raise KeyboardInterrupt

    previous_handler = signal.signal(signal.SIGINT, handler)
    default_hook = sys.unraisablehook

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if not isinstance(info.exc_value, KeyboardInterrupt):
            default_hook(info)

    sys.unraisablehook = unraisable

    def restore() -> None:
        signal.signal(signal.SIGINT, previous_handler)
        if sys.unraisablehook is unraisable:
            sys.unraisablehook = default_hook

    return restore
