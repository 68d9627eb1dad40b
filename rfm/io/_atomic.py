"""Write the files of a run all at once, or not at all.

A run writes several files that belong together (``segments.csv``, ``profile.csv``,
``elbow.csv``, ``validation.csv``, ``report.html``). Written straight into the output folder,
a failure half-way (disk full, file-size limit, Ctrl-C, bad input) would leave a truncated
file next to an older run's report. So:

1. **Check first.** :func:`check_folder` runs before any computation: the output folder is a
   folder (or can be created), a probe folder can be made in it, no output name is taken by a
   folder, and the input file is not one of the files the run writes or removes.
2. **Stage.** :class:`StagedFolder` makes a private staging folder
   ``.rfmseg-tmp-<pid>-<random>`` (``tempfile.mkdtemp``, mode 0700) *inside* the output
   folder, and every file is written there. Inside rather than beside: it is then on the same
   filesystem as the targets by construction (so the final renames are atomic), and the run
   needs no write access to the output folder's parent (``--out ~`` works).
3. **Commit.** When every file is complete, each is moved into place with ``os.replace``
   (SIGINT is held back during these few renames, then delivered), files that an earlier run
   wrote in another format are removed (``segments.xlsx`` when now writing csv; reported in
   :attr:`StagedFolder.removed`), and the staging folder is deleted.
4. **Or roll back.** On any exception, ``KeyboardInterrupt`` included, the staging folder is
   deleted and the output folder is exactly as it was (a folder this run created is removed
   again if it is still empty). An ``OSError`` while writing becomes an :class:`OutputError`
   naming the file being written.

Symlinks: nothing is ever opened for writing outside the staging folder, which this process
created itself. A symlink planted at an output name (``segments.csv -> victim.txt``) is
*replaced* by the new regular file by ``os.replace``; its target is never opened or changed.

A staging folder left by a process that was killed outright (SIGKILL, power loss) is removed by
the next run in the same folder once that process id is no longer alive (POSIX only).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

__all__ = ["OutputError", "StagedFolder", "check_folder"]

PREFIX = ".rfmseg-tmp-"


class OutputError(OSError):
    """An output file could not be written; the message names it."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _nearest_existing(path: Path) -> Path:
    for parent in (path, *path.parents):
        if os.path.lexists(parent):
            return parent
    return Path.cwd()  # pragma: no cover - a relative path's ancestors end at "."


def _same_file(a: str | os.PathLike[str], b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_folder(
    out: str | os.PathLike[str],
    writes: Iterable[str],
    *,
    removes: Iterable[str] = (),
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Check, before any work, that the files ``writes`` can be written into ``out``.

    Parameters
    ----------
    out : str or PathLike
        Output folder; it may not exist yet (it is created when the files are written).
    writes : iterable of str
        File names the run writes into ``out``.
    removes : iterable of str
        File names the run removes from ``out`` (an earlier run's other formats).
    inputs : iterable of path
        Files the run reads: none may be one of ``writes`` or ``removes``.

    Raises
    ------
    ValueError
        ``out`` (or an ancestor) is a file or a symlink to nothing, an output name is a
        folder, or an input would be replaced or removed.
    OutputError
        ``out`` cannot be written (read-only, no permission...).
    """
    out = Path(out)
    writes, removes = list(writes), list(removes)
    base = _nearest_existing(out)
    if base.is_symlink() and not base.exists():  # a link to nothing: not "a file"
        what = f"--out {out} is" if base == out else f"--out {out}: {base} is"
        raise ValueError(f"{what} a symlink to {os.readlink(base)}, which does not exist; "
                         "create that folder or choose another --out.")  # fmt: skip
    if os.path.lexists(out) and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder.")
    if not base.is_dir():
        raise ValueError(f"--out {out}: {base} is a file, not a folder.")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=PREFIX, dir=base))
    except OSError as exc:
        where = "" if base == out else f" (cannot create it in {base})"
        raise OutputError(f"--out {out} cannot be written{where}: {_reason(exc)}.") from exc
    for name in writes:
        target = out / name
        if target.is_dir() and not target.is_symlink():
            raise ValueError(
                f"--out {out} holds a folder named {name}; move it or choose another --out."
            )
    for source in inputs:
        for name in writes + removes:
            if _same_file(source, out / name):
                fate = "replace" if name in writes else "remove (an earlier run's output)"
                raise ValueError(
                    f"the input file {source} is {name} in --out {out}, which this run "
                    f"would {fate}; choose another --out."
                )


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold SIGINT back (POSIX, main thread) until the block ends, then deliver it."""
    if (
        not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. another user's process
    return True


def _sweep(out: Path) -> None:
    """Remove staging folders of processes that no longer exist (POSIX only)."""
    if os.name != "posix":
        return
    for old in out.glob(f"{PREFIX}*"):
        pid = old.name[len(PREFIX) :].split("-", 1)[0]
        if (
            pid.isdigit()
            and int(pid) != os.getpid()
            and not _alive(int(pid))
            and not old.is_symlink()
        ):
            shutil.rmtree(old, ignore_errors=True)


class StagedFolder:
    """Write files into a staging folder and move them all into ``out`` on :meth:`commit`.

    Use as a context manager; leaving it without :meth:`commit` (an exception) deletes the
    staging folder and leaves ``out`` as it was. See the module docstring for the design.

    Parameters
    ----------
    out : str or PathLike
        Output folder, created (with its parents) if needed.
    removes : iterable of str
        File names removed from ``out`` on commit (an earlier run's other formats); the names
        actually removed are in :attr:`removed` afterwards.
    """

    def __init__(self, out: str | os.PathLike[str], *, removes: Iterable[str] = ()) -> None:
        self.out = Path(out)
        self.removes = list(removes)
        self.removed: list[str] = []
        self.written: list[str] = []
        self._created: list[Path] = []
        self._staging: Path | None = None
        self._committed = False

    def __enter__(self) -> StagedFolder:
        out = self.out
        if os.path.lexists(out) and not out.is_dir():
            raise ValueError(f"{out} exists and is not a folder.")
        try:
            missing = [p for p in (out, *out.parents) if not os.path.lexists(p)]
            for folder in reversed(missing):
                folder.mkdir()
                self._created.append(folder)
            _sweep(out)
            self._staging = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=out))
        except OSError as exc:
            self._rollback()
            raise OutputError(f"cannot write into the folder {out}: {_reason(exc)}.") from exc
        return self

    @contextmanager
    def writing(self, name: str) -> Iterator[Path]:
        """Yield the staging path of ``name``; an ``OSError`` raised while it is written
        becomes an :class:`OutputError` (``ValueError``/``TypeError`` keep their type) whose
        message names ``out / name``."""
        if self._staging is None or self._committed:
            raise RuntimeError("StagedFolder.writing is only valid inside the with block.")
        target = self.out / name
        try:
            yield self._staging / name
        except OSError as exc:
            raise OutputError(f"could not write {target}: {_reason(exc)}.") from exc
        except (ValueError, TypeError) as exc:
            kind = ValueError if isinstance(exc, ValueError) else TypeError
            raise kind(f"could not write {target}: {_reason(exc)}") from exc
        self.written.append(name)

    def commit(self) -> dict[str, Path]:
        """Move every written file into ``out``, remove the stale names; return name → path."""
        if self._staging is None or self._committed:
            raise RuntimeError("StagedFolder.commit is only valid once, inside the with block.")
        paths = {name: self.out / name for name in self.written}
        with _sigint_held():
            for name, target in paths.items():
                os.replace(self._staging / name, target)
            for name in self.removes:
                old = self.out / name
                if name not in paths and (old.is_symlink() or old.is_file()):
                    old.unlink()
                    self.removed.append(name)
            self._committed = True
            shutil.rmtree(self._staging, ignore_errors=True)
        return paths

    def _rollback(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
        for folder in reversed(self._created):
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                break

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self._rollback()
