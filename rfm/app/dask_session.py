"""The Dask cluster of ``rfmseg segment --dask``: a local one sized to the machine, or yours.

``--dask`` alone starts a ``distributed.LocalCluster`` on this machine:

- one worker process per usable core, one thread each: the numba kernels release the
  GIL, but one thread per process keeps each worker's memory at one task's worth and
  lets the operating system share the cores when other programs hold them;
- each worker may use a share of the memory, ``total / (workers + 1)``, the extra share
  being left to this process, which holds the customer table (one row per customer)
  after the distributed steps. Workers spill to disk before they reach it;
- Dask's own log lines are silenced: progress goes through the command's own lines.

``--dask tcp://host:8786`` connects to a running scheduler instead; its workers must
have rfmseg installed and must see PATH at the same place.

Ctrl-C ends a ``--dask`` run as any other, with the one line "rfmseg: interrupted":

- the local cluster starts with SIGINT blocked: a Ctrl-C waits until it has started
  (a cluster half started cannot be closed cleanly), and the worker processes and
  Dask's threads inherit the block, so the terminal's Ctrl-C, which reaches every
  process of the command, does not make each worker print a traceback: the command
  closes them;
- once interrupted, what Dask's event loop still reports about the work it was
  cancelled in (e.g. "Task exception was never retrieved") is not printed.

An address where no scheduler answers is one line within Dask's connect timeout
(:func:`check_scheduler`). The local cluster's workers log nothing below CRITICAL: a
task that fails is reported once, by the command, as the one-line error it raises.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["LOCAL", "check_scheduler", "dask_session", "local_cluster_size"]

#: the value of ``--dask`` given without an address
LOCAL = "local"


def local_cluster_size() -> tuple[int, int]:
    """Workers (one per usable core) and the memory limit of each, in bytes."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    from distributed.system import MEMORY_LIMIT

    return cores, int(MEMORY_LIMIT // (cores + 1))


def _dashboard(client: Any) -> str:
    try:
        import bokeh  # noqa: F401  (the dashboard needs it)
    except ImportError:
        return "no dashboard (pip install bokeh to get one)"
    link = client.dashboard_link
    return f"dashboard at {link}" if link else "no dashboard"


def _connect_timeout() -> float:
    """Seconds to wait for a scheduler: Dask's ``distributed.comm.timeouts.connect``."""
    import dask
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s"))


def check_scheduler(address: str, seconds: float) -> None:
    """Refuse, within ``seconds``, an ``address`` where no Dask scheduler answers.

    ``distributed.Client`` waits for ever for the first message of a server that accepts
    the connection but never answers, and reads an HTTP server's reply as the size of a
    message ("Unable to allocate 3.07 EiB"). Here Dask's own connection and handshake
    run under a deadline, in a loop of their own, before the client is made.

    Raises
    ------
    OSError
        One line naming the address, ``--dask ADDRESS`` and what happened.
    """
    import asyncio

    from distributed.comm import connect

    async def handshake() -> None:
        comm = await connect(address, timeout=seconds)
        await comm.close()

    where = f"cannot reach a Dask scheduler at {address} (--dask ADDRESS)"
    loop = asyncio.new_event_loop()
    try:  # a little longer than connect's own timeout, which says what it saw
        loop.run_until_complete(asyncio.wait_for(handshake(), seconds + 1))
    except (TimeoutError, asyncio.TimeoutError):
        raise OSError(f"{where}: the server there did not answer within {seconds:g} s; check "
                      "the address and port.") from None  # fmt: skip
    except OSError as exc:
        raise OSError(f"{where}: {exc}") from None
    except Exception:  # a server that speaks another protocol
        raise OSError(
            f"{where}: the server there answered, but not as a Dask scheduler; check the "
            "address and port (a scheduler listens on 8786 by default; 8787 is its "
            "dashboard)."
        ) from None
    finally:
        loop.close()


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """SIGINT blocked in this thread for the block, and so in the threads and processes
    started in it; one that arrives meanwhile is delivered when the block ends."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    # multiprocessing's resource tracker unblocks SIGINT in the thread that first starts
    # it (Dask's event loop, which then starts the workers): start it here, first
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _quiet_after(interrupted: threading.Event, client: Any) -> None:
    """Once ``interrupted`` is set, errors of the work Dask was cancelled in are not
    printed by its event loop (they are the interrupt itself)."""
    loop = getattr(getattr(client, "loop", None), "asyncio_loop", None)
    if loop is None:
        return

    def handler(loop: Any, context: dict[str, Any]) -> None:
        if not interrupted.is_set():
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


@contextlib.contextmanager
def dask_session(
    address: str, say: Callable[[str], None], interrupted: threading.Event | None = None
) -> Iterator[Any]:
    """Connect to ``address`` (or start a local cluster for :data:`LOCAL`) for the block.

    The ``distributed.Client`` is the default scheduler while the block runs. The value
    of the block is a function that closes client and cluster early, when the order
    lines are reduced: the workers' memory goes back to the machine before the customer
    table is clustered. They are closed at the end of the block in any case.
    ``interrupted`` is the command's Ctrl-C flag (see the module docstring)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError(
            "--dask needs Dask's distributed scheduler: pip install 'rfmseg[dask]'"
        ) from None
    with contextlib.ExitStack() as stack:
        if address == LOCAL:
            workers, memory = local_cluster_size()
            say(f"starting a local Dask cluster: {workers} worker(s) x 1 thread, "
                f"{memory / 2**30:.1f} GiB each")  # fmt: skip
            with _ctrl_c_held(), warnings.catch_warnings():
                # another Dask on this machine holds the dashboard's port: the cluster
                # takes another one, and the line below says where; not a warning
                warnings.filterwarnings("ignore", message="Port .* is already in use",
                                        category=UserWarning)
                cluster = stack.enter_context(LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    memory_limit=memory, silence_logs=logging.CRITICAL,
                ))
                client = stack.enter_context(Client(cluster))
        else:
            say(f"connecting to the Dask scheduler at {address}")
            seconds = _connect_timeout()
            check_scheduler(address, seconds)
            try:
                client = stack.enter_context(Client(address, timeout=seconds))
            except (OSError, TimeoutError) as exc:
                raise OSError(f"cannot reach a Dask scheduler at {address} (--dask ADDRESS): "
                              f"{exc}") from None  # fmt: skip
        if interrupted is not None:
            _quiet_after(interrupted, client)
        n = len(client.scheduler_info().get("workers", {}))
        say(f"Dask: {n} worker(s), {_dashboard(client)}")

        def release() -> None:
            stack.close()
            say("order lines reduced; Dask cluster closed")

        yield release
