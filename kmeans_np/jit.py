"""How rfmseg loads and runs its numba kernels: where they are cached, how their threads wait.

Every package of rfmseg (``kmeans_np``, ``validation``, ``rfm``) imports its numba kernel
modules through :func:`load_kernels`, never directly, so that two things are set up once,
before the first kernel is compiled or launched.

Where compiled kernels are cached
---------------------------------
numba's default (``cache=True``) writes the compiled machine code into a ``__pycache__``
folder beside the source file. For an installed package that is inside
``site-packages``, and those folders outlive ``pip uninstall``: left behind as empty
namespace packages, they shadow a later editable install of the same project
(``ImportError: cannot import name 'KMeans' from 'kmeans_np' (unknown location)``).

So rfmseg's kernels are cached in a per-user folder instead, chosen in this order:

1. ``NUMBA_CACHE_DIR``, when the user sets it (numba's own rule, unchanged);
2. ``$XDG_CACHE_HOME/rfmseg/numba``, else ``~/.cache/rfmseg/numba``;
3. when that folder cannot be written, ``<system temp>/rfmseg-numba-<user>``.

This is done with a numba *cache locator* that claims only the source files of rfmseg's
own packages: the user's own ``@njit(cache=True)`` functions keep numba's defaults, and no
environment variable is changed.

How threads wait between parallel loops
---------------------------------------
numba's ``prange`` loops run on its threading layer; on Linux that is GNU OpenMP
(``libgomp``) unless Intel TBB is installed. By default libgomp's worker threads *spin*
for a while at the end of every parallel loop, waiting for the next one. On an idle
machine that saves a few microseconds per loop. On a busy one it is ruinous: when other
processes hold the cores, the spinning threads steal the time slices that the thread
doing real work needs, and a run that takes 2 s idle took 30–60 s beside two busy loops.

rfmseg therefore caps the spinning: waiting threads spin for at most ``SPIN_COUNT``
rounds (a few tens of microseconds, libgomp's default is ten times more), then sleep
(``GOMP_SPINCOUNT``), unless the user has chosen a wait policy or a spin count
themselves. Sleeping at once (``OMP_WAIT_POLICY=passive``) was measured too: as good on a
busy machine, but each wake-up costs a few hundred microseconds on this virtual machine,
which made small K-means fits (20,000 points, a dozen parallel loops) twice as slow when
idle. libgomp reads its environment once, when it is loaded, so the variable is set only
for the moment numba loads its thread pool and is then removed again: the process
environment (and every child process) is left as the user had it. The alternatives were
measured and rejected:

* numba's ``workqueue`` layer does not spin, but it aborts the whole process when two
  Python threads call parallel kernels at once, and Dask's threaded scheduler does
  exactly that;
* Intel TBB does not spin either, but it is an extra binary dependency.

The figures (idle, busy, one thread) are in README, from ``python -m benchmarks load``.
Parallel loops cut their rows into fixed chunks whose partial sums are added up in chunk
order, so the answers do not depend on the number of threads, or on which of these
settings is in force.

Compiling on the side
---------------------
On a first run two steps' kernels can compile at once, on two cores: :func:`compile_ahead`
starts a separate Python process that loads a kernel module and calls its
``warm_up(*sizes)`` (the kernels that problems of those sizes run on, called on a few
points with the argument types of a real run), which writes them
to the same cache. The run goes on meanwhile (compiling its own next kernels), and
:func:`load_kernels` waits for that process before the module's kernels are first used,
so that they are read from the cache rather than compiled a second time. If the process
fails, or the cache turns out not to hold a kernel, the run compiles it itself: the
answer never depends on it, only the time does.

Nothing here compiles anything, and numba is imported only when a kernel module is
first needed.
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import hashlib
import importlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["cache_dir", "compile_ahead", "kernels_cached", "load_kernels", "on_compile"]

#: the packages whose kernels this module caches and reports on
PACKAGES = ("kmeans_np", "rfm", "validation")
_ROOTS = tuple(str(Path(__file__).resolve().parent.parent / name) for name in PACKAGES)

_lock = threading.RLock()
_prepared = False
_compile_callbacks: list[Callable[[str], None]] = []
#: kernel modules being compiled in a separate process (compile_ahead), by dotted name
_ahead: dict[str, subprocess.Popen] = {}
#: seconds load_kernels waits for such a process before compiling the kernels itself
#: (a few seconds is normal; a busy machine may take ten times as long)
AHEAD_TIMEOUT = 120.0


def _user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rfmseg/numba`` or ``~/.cache/rfmseg/numba``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rfmseg" / "numba"


def _temp_cache_dir() -> Path:
    """A per-user folder in the system's temporary directory (the fallback)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (some containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"rfmseg-numba-{user}"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def cache_dir() -> Path | None:
    """The folder where rfmseg's compiled kernels are cached.

    ``NUMBA_CACHE_DIR`` when set, else the per-user cache folder, else a per-user folder
    in the system temp directory; ``None`` when none of them can be written (numba then
    falls back to its own rules).
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    for folder in (_user_cache_dir(), _temp_cache_dir()):
        if _writable(folder):
            return folder
    return None


def _cache_subfolder(py_file: str, digits: int | None) -> str:
    """The cache's subfolder for the kernels of ``py_file``: the package folder's name and
    a hash of its full path, so that two checkouts or installs of rfmseg never share (or
    overwrite) each other's cache. rfmseg's locator keeps 16 hex digits of the hash,
    numba's own (``NUMBA_CACHE_DIR``) all of them."""
    folder = os.path.dirname(os.path.abspath(py_file))
    digest = hashlib.sha1(folder.encode()).hexdigest()[:digits]
    return f"{os.path.basename(folder)}_{digest}"


def kernels_cached(module: str, functions: Sequence[str] = ()) -> bool:
    """Whether kernels of ``module`` (a dotted name) are already compiled in the cache:
    any of them, or each of ``functions`` (their names) when given.

    Cheap, and imports neither numba nor the module: it looks for the module's index
    files (``<module>.<function>-<line>.py311.nbi``) in the cache folder that numba will
    read. ``False`` means a run that calls the module's kernels compiles them first (a
    cache left by an older version may still recompile; this only checks presence).
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        return False
    if os.environ.get("NUMBA_CACHE_DIR"):
        root, digits = Path(os.environ["NUMBA_CACHE_DIR"]), None
    else:
        found = cache_dir()
        if found is None:
            return False
        root, digits = found, 16
    folder = root / _cache_subfolder(spec.origin, digits)
    stem = Path(spec.origin).stem
    if functions:
        return all(any(folder.glob(f"{stem}.{name}-*.nbi")) for name in functions)
    return any(folder.glob(f"{stem}.*.nbi"))


def _ours(py_file: str) -> bool:
    path = os.path.abspath(py_file)
    return any(path.startswith(root + os.sep) for root in _ROOTS)


def _install_cache_locator() -> None:
    """Put rfmseg's locator in numba's list, after the ``NUMBA_CACHE_DIR`` one."""
    from numba.core import caching, config

    # public names since numba 0.61, underscored before
    base = getattr(caching, "UserProvidedCacheLocator", None) or caching._UserProvidedCacheLocator
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl

    class RfmsegCacheLocator(base):
        """Caches rfmseg's own kernels in :func:`cache_dir`; declines every other file."""

        def __init__(self, py_func, py_file, root: Path) -> None:
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(root / self.get_suitable_cache_subpath(py_file))

        @classmethod
        def from_function(cls, py_func, py_file):
            if config.CACHE_DIR or not os.path.exists(py_file) or not _ours(py_file):
                return None
            root = cache_dir()
            if root is None:
                return None
            self = cls(py_func, py_file, root)
            try:
                self.ensure_cache_path()
            except OSError:
                return None
            return self

        @classmethod
        def get_suitable_cache_subpath(cls, py_file):
            return _cache_subfolder(py_file, digits=16)

    classes = impl._locator_classes
    if not any(c.__name__ == "RfmsegCacheLocator" for c in classes):
        classes.insert(1, RfmsegCacheLocator)


#: rounds a waiting OpenMP thread spins before it sleeps (libgomp's default: 300,000)
SPIN_COUNT = 30_000


@contextlib.contextmanager
def _short_spin_while_loading():
    """Set ``GOMP_SPINCOUNT`` for the moment libgomp is loaded, unless the user chose a
    wait policy or spin count; the environment is restored afterwards."""
    user_chose = "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ
    if not user_chose:
        os.environ["GOMP_SPINCOUNT"] = str(SPIN_COUNT)
    try:
        yield
    finally:
        if not user_chose:
            os.environ.pop("GOMP_SPINCOUNT", None)


def _launch_threads() -> None:
    """Start numba's thread pool now, with the wait policy in force."""
    import numba

    with _short_spin_while_loading():
        numba.get_num_threads()  # loads the threading layer and starts its threads


def _on_compile_event(event) -> None:
    if not event.is_start:
        return
    py_func = getattr(event.data.get("dispatcher"), "py_func", None)
    module = getattr(py_func, "__module__", "") or ""
    if module.split(".")[0] not in PACKAGES:
        return
    for callback in list(_compile_callbacks):
        callback(module)


def _install_compile_listener() -> None:
    from numba.core import event

    class _FirstCompile(event.Listener):
        def on_start(self, ev) -> None:
            _on_compile_event(ev)

        def on_end(self, ev) -> None:
            pass

    event.register("numba:compile", _FirstCompile())


def _prepare() -> None:
    global _prepared
    with _lock:
        if _prepared:
            return
        _install_cache_locator()
        _install_compile_listener()
        _launch_threads()
        _prepared = True


def load_kernels(module: str) -> ModuleType:
    """Import one of rfmseg's numba kernel modules, after the one-time setup above.

    When :func:`compile_ahead` is compiling the module in another process, wait for it
    first, so that its kernels come from the cache.

    Parameters
    ----------
    module : str
        Its dotted name, e.g. ``"kmeans_np.engine_numba"``.
    """
    if _ahead:
        _wait_for_ahead(module)
    if module not in sys.modules:
        _prepare()
    return importlib.import_module(module)


#: the side process: import rfmseg from the folder this run imports it from (the cache
#: is per source folder), never from the current folder (``-c`` puts it first on the
#: path, where a folder named ``validation`` would shadow rfmseg's), then compile.
#: ``kmeans_np`` and the kernel module's top-level package (one of ``PACKAGES``) are
#: registered as bare packages, so that their ``__init__`` (which imports pandas and all
#: the public API) does not run: the kernel modules import only numpy, numba (llvmlite)
#: and modules that import neither pandas nor a package's API (``kmeans_np.numba_options``,
#: ``validation.silhouette_sizes``), and the side process then takes 0.2 s less CPU, which a
#: busy machine's first run feels. (A subpackage's ``__init__``, as ``rfm.clv``'s, still
#: runs.) Should a kernel module need its package after all, the process fails and the
#: run compiles the kernels itself, as with any failure here.
_AHEAD_SCRIPT = (
    "import os, sys, types\n"
    "module, root = sys.argv[1], sys.argv[2]\n"
    "sys.path[:] = [p for p in sys.path if p != '']\n"
    "root in sys.path or sys.path.insert(0, root)\n"
    "def bare(name):\n"
    "    package = types.ModuleType(name)\n"
    "    package.__path__ = [os.path.join(root, name)]\n"
    "    sys.modules.setdefault(name, package)\n"
    "bare('kmeans_np')\n"
    "from kmeans_np.jit import PACKAGES, load_kernels\n"
    "top, _, rest = module.partition('.')\n"
    "if rest and top in PACKAGES:\n"
    "    bare(top)\n"
    "load_kernels(module).warm_up(*map(int, sys.argv[3:]))\n"
)


def compile_ahead(module: str, *sizes: int, functions: Sequence[str] = ()) -> None:
    """Start compiling ``module``'s kernels in a separate process, unless they are cached.

    For a first run that will need ``module`` a few steps later: its kernels then compile
    on another core while this process works (and compiles) on. The process runs
    ``load_kernels(module).warm_up(*sizes)``; :func:`load_kernels` waits for it. Nothing
    is started on a machine with a single core, when the module's kernels are already in
    the cache, or when the module is already loaded here.

    Parameters
    ----------
    module : str
        Dotted name of a kernel module that has a ``warm_up(*sizes)`` function.
    *sizes : int
        Passed on to ``warm_up``: the sizes of the problems the run will hand the
        kernels, where the module picks its kernels by size.
    functions : sequence of str
        The kernels (names) that ``warm_up(*sizes)`` compiles: nothing starts when all of
        them are cached. Empty: when any kernel of the module is. Either way only the
        presence of their cache files is checked, not the argument types they were
        compiled for.

    While a side process for ``module`` is under way, another call for it starts nothing,
    whatever its sizes.
    """
    if not sys.executable or getattr(sys, "frozen", False) or _usable_cores() < 2:
        return  # no interpreter to start (embedded or frozen app), or no second core
    if module in sys.modules or kernels_cached(module, functions):
        return
    with _lock:
        if module in _ahead:
            return
        root = str(Path(__file__).resolve().parent.parent)  # where kmeans_np is
        try:
            _ahead[module] = subprocess.Popen(
                [sys.executable, "-c", _AHEAD_SCRIPT, module, root, *map(str, sizes)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        except OSError:
            return  # no process: the run compiles the kernels itself when it needs them


def _usable_cores() -> int:
    """Cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _wait_for_ahead(module: str) -> None:
    """Wait for the process compiling ``module`` (if any); say so while it runs."""
    with _lock:
        proc = _ahead.pop(module, None)
    if proc is None:
        return
    if proc.poll() is None:
        for callback in list(_compile_callbacks):
            callback(module)  # the step waits for a compilation, as if it ran here
        try:
            proc.wait(timeout=AHEAD_TIMEOUT)
        except subprocess.TimeoutExpired:  # stuck: stop it, the kernels compile here
            _stop(proc)
        except BaseException:  # Ctrl-C
            _stop(proc)
            raise


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


@atexit.register
def _stop_ahead() -> None:
    """A run that ends (or fails) before it needed a module compiled ahead leaves no
    process behind."""
    with _lock:
        procs = list(_ahead.values())
        _ahead.clear()
    for proc in procs:
        if proc.poll() is None:
            _stop(proc)


def on_compile(callback: Callable[[str], None]) -> Callable[[], None]:
    """Call ``callback(module)`` whenever one of rfmseg's kernels starts compiling.

    Kernels compile on first use and are then loaded from the on-disk cache; a
    compilation therefore means a first run (or a new version). The command line uses
    this to say, at the step that waits for it, why the first run is slower. ``module``
    is the kernel module's dotted name. The callback may run in any thread that calls a
    kernel (Dask's threaded scheduler, for one).

    Returns
    -------
    callable
        Removes ``callback`` again (a command run in process calls it when it ends).
    """
    _compile_callbacks.append(callback)

    def remove() -> None:
        with contextlib.suppress(ValueError):
            _compile_callbacks.remove(callback)

    return remove
