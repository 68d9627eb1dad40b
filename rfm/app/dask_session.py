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
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["LOCAL", "dask_session", "local_cluster_size"]

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


@contextlib.contextmanager
def dask_session(address: str, say: Callable[[str], None]) -> Iterator[Any]:
    """Connect to ``address`` (or start a local cluster for :data:`LOCAL`) for the block.

    The ``distributed.Client`` is the default scheduler while the block runs. The value
    of the block is a function that closes client and cluster early, when the order
    lines are reduced: the workers' memory goes back to the machine before the customer
    table is clustered. They are closed at the end of the block in any case."""
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
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                memory_limit=memory, silence_logs=logging.ERROR,
            ))
            client = stack.enter_context(Client(cluster))
        else:
            say(f"connecting to the Dask scheduler at {address}")
            try:
                # waits Dask's distributed.comm.timeouts.connect (30 s by default)
                client = stack.enter_context(Client(address))
            except (OSError, TimeoutError) as exc:
                raise OSError(f"cannot reach a Dask scheduler at {address} (--dask ADDRESS): "
                              f"{exc}") from None  # fmt: skip
        n = len(client.scheduler_info().get("workers", {}))
        say(f"Dask: {n} worker(s), {_dashboard(client)}")

        def release() -> None:
            stack.close()
            say("order lines reduced; Dask cluster closed")

        yield release
