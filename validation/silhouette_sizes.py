"""Which compiled code a silhouette of n points runs on, known without importing numba.

A first run starts compiling the silhouette's kernels in a side process before numba is
loaded (:func:`rfm.app.pipeline.compile_silhouette_ahead`), and a run whose kernels are
cached starts nothing; both need to know which kernels the run's silhouettes take. This
module imports nothing of numba or rfmseg, so the kernel module can import it in that side
process too (where ``validation`` is a bare package whose ``__init__`` does not run).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ONE_THREAD_UP_TO", "round_kernels"]

#: up to this many points the tournament's rounds run on the one-thread twin of the round
#: kernel: there a silhouette takes at most about 50 ms on one thread, and threads save
#: less than compiling them costs (the threaded kernel takes about 0.35 s more CPU to
#: compile, and saves 5 ms at 10,000 points, 23 ms at 20,000, on 2 cores)
ONE_THREAD_UP_TO = 20_000


def round_kernels(sizes: Iterable[int]) -> tuple[str, ...]:
    """Names of the round kernels in ``validation.silhouette_numba`` that silhouettes of
    ``sizes`` points run on (the one-thread twin when no size is given)."""
    names = {"_play_round_one_thread" if n <= ONE_THREAD_UP_TO else "_play_round" for n in sizes}
    return tuple(sorted(names)) or ("_play_round_one_thread",)
