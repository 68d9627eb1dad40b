"""One place for each thing: the import rules between and inside the three packages.

Every module of ``rfm``, ``kmeans_np`` and ``validation`` is parsed with :mod:`ast` (none is
imported) and its import statements are checked against two rules:

1. **No package reaches into another's private parts.** A module may import another
   package's public modules and names only: no module path with a part starting with
   ``_`` (``validation._silhouette_core``) and no imported name starting with ``_``
   (``from validation.silhouette import _silhouette_score``). Inside its own package a
   module may use the private helpers.
2. **Each Dask twin is a leaf.** The in-memory module hands a Dask input to its twin
   (``rfm.table`` → ``rfm.table_dask``, imported inside the function that needs it); the
   twin imports neither that module nor any module that imports it (at module level or
   inside a function), and nothing it imports at module level, directly or through
   other modules, leads back to it. The shared helpers live in neutral modules both
   import (``rfm._table_core`` …). The same holds for every module of the Dask paths
   (their helpers and loaders too).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rfm", "kmeans_np", "validation")

#: Dask twin → the in-memory module(s) that send it their Dask inputs
TWINS = {
    "rfm.table_dask": ("rfm.table",),
    "rfm.cleaning_dask": ("rfm.cleaning",),
    "rfm.kpis_dask": ("rfm.kpis",),
    "rfm.clv.customer_summary_dask": ("rfm.clv.customer_summary",),
    "rfm.clv.distinct_dask": ("rfm.clv.beta_geo", "rfm.clv.gamma_gamma"),
    "kmeans_np.kmeans_dask": ("kmeans_np.kmeans",),
    "kmeans_np.transform_dask": ("kmeans_np.pca", "kmeans_np.scaling"),
    "validation._dask": ("validation.anova", "validation.indices", "validation.silhouette",
                         "validation.simplified"),
}  # fmt: skip


@dataclass(frozen=True)
class Import:
    """One imported module (and, for ``from m import a, b``, the names taken from it)."""

    module: str
    names: tuple[str, ...]
    line: int
    top_level: bool  # run when the module is imported (not inside a function)


def module_files() -> dict[str, Path]:
    """Dotted name → file, for every module of the three packages."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports_of(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    """The import statements of a module's source, relative imports resolved."""
    tree = ast.parse(source)
    here = module.split(".") if is_package else module.split(".")[:-1]
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, (), child.lineno, top_level) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = here[: len(here) - (child.level - 1)]
                    base = ".".join([*parent, *([base] if base else [])])
                names = tuple(a.name for a in child.names)
                found.append(Import(base, names, child.lineno, top_level))
            functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            visit(child, top_level and not isinstance(child, functions))

    visit(tree, True)
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(module: str, imports: list[Import]) -> list[str]:
    """The imports by which ``module`` uses another package's private module or name."""
    own = module.split(".")[0]
    bad = []
    for imp in imports:
        package = imp.module.split(".")[0]
        if package not in PACKAGES or package == own:
            continue
        if any(_private(part) for part in imp.module.split(".")):
            bad.append(f"{module}:{imp.line} imports the private module {imp.module}")
        for name in imp.names:
            if _private(name):
                bad.append(f"{module}:{imp.line} imports the private name {imp.module}.{name}")
    return bad


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Import]]:
    """Module → its imports, for every module of the three packages."""
    files = module_files()
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name,
                         is_package=path.name == "__init__.py")
        for name, path in files.items()
    }  # fmt: skip


def _targets(imp: Import, modules: set[str]) -> set[str]:
    """The project modules an import statement loads (``from p import m``: ``p`` and,
    when ``m`` is a module, ``p.m``)."""
    out = {imp.module} & modules
    out |= {f"{imp.module}.{n}" for n in imp.names} & modules
    return out


def test_the_rule_catches_what_the_audit_found() -> None:
    """The check itself, on hand-written sources: the import rfm.clustering had, the one
    before it, and the forms that must pass."""
    old = "from validation._silhouette_core import silhouette_score_checked\n"
    assert private_imports("rfm.clustering", imports_of(old, "rfm.clustering")) == [
        "rfm.clustering:1 imports the private module validation._silhouette_core"
    ]
    older = "def f():\n    from validation.silhouette import _silhouette_score\n"
    assert private_imports("rfm.clustering", imports_of(older, "rfm.clustering")) == [
        "rfm.clustering:2 imports the private name validation.silhouette._silhouette_score"
    ]
    fine = (
        "from validation import silhouette_score\nimport kmeans_np.checks\n"
        "from rfm._inputs import check_rfm\nfrom . import _html\nfrom kmeans_np import __all__\n"
    )
    assert private_imports("rfm.report.html", imports_of(fine, "rfm.report.html")) == []
    relative = imports_of("from ..segments import OTHERS\nfrom . import _html\n",
                          "rfm.report.html")  # fmt: skip
    assert [(i.module, i.names) for i in relative] == [("rfm.segments", ("OTHERS",)),
                                                       ("rfm.report", ("_html",))]
    nested = imports_of("import a\ndef f():\n    import b\nclass C:\n    import c\n", "x")
    assert [(i.module, i.top_level) for i in nested] == [("a", True), ("b", False),
                                                         ("c", True)]


def test_no_package_imports_another_packages_private_modules_or_names(graph) -> None:
    assert len(graph) > 100  # every module was read
    bad = [line for module, imports in graph.items()
           for line in private_imports(module, imports)]  # fmt: skip
    assert bad == []


def test_every_dask_twin_exists_and_its_counterparts_hand_it_their_dask_inputs(graph) -> None:
    for twin, counterparts in TWINS.items():
        assert twin in graph, twin
        for module in counterparts:
            loads = set().union(*(_targets(i, set(graph)) for i in graph[module]))
            assert twin in loads, (module, twin)


def leaf_problems(graph: dict[str, list[Import]], module: str,
                  counterparts: tuple[str, ...] = ()) -> list[str]:
    """How ``module`` fails to be a leaf of its callers (its ``counterparts`` and every
    module that imports it): importing one of them anywhere, or loading one when it is
    imported, directly or through other modules."""
    modules = set(graph)
    callers = set(counterparts) | {
        m for m, imports in graph.items() if any(module in _targets(i, modules) for i in imports)
    }
    direct = set().union(*(_targets(i, modules) for i in graph[module]))
    problems = [f"{module} imports {m}, which imports it" for m in sorted(direct & callers)]
    seen, todo = set(), [module]
    while todo:
        for imp in graph[todo.pop()]:
            if imp.top_level:
                for target in _targets(imp, modules) - seen:
                    seen.add(target)
                    todo.append(target)
    problems += [f"{module} loads {m} when imported" for m in sorted(seen & callers)]
    return problems


def test_the_leaf_rule_catches_an_import_circle() -> None:
    """The check itself, on a hand-made graph: the circle the twins had (table ↔
    table_dask), the same circle through a helper, and the neutral-module layout."""

    def graph_of(sources: dict[str, str]) -> dict[str, list[Import]]:
        return {m: imports_of(s, m) for m, s in sources.items()}

    lazy = "def rfm_table(df):\n    from p.table_dask import rfm_table_dask\n"
    circle = graph_of({"p.table": lazy, "p.table_dask": "from p.table import check\n"})
    assert leaf_problems(circle, "p.table_dask") == [
        "p.table_dask imports p.table, which imports it",
        "p.table_dask loads p.table when imported",
    ]
    through = graph_of({"p.table": lazy, "p.table_dask": "from p.helper import h\n",
                        "p.helper": "from p.table import check\n"})  # fmt: skip
    assert leaf_problems(through, "p.table_dask") == ["p.table_dask loads p.table when imported"]
    declared = graph_of({"p.table": "", "p.table_dask": "def f():\n    import p.table\n"})
    assert leaf_problems(declared, "p.table_dask", ("p.table",)) == [
        "p.table_dask imports p.table, which imports it"
    ]
    neutral = graph_of({"p.table": lazy + "from p._core import check\n",
                        "p.table_dask": "from p._core import check\n", "p._core": ""})
    assert leaf_problems(neutral, "p.table_dask") == []


#: every module of the Dask paths: the twins above and their helpers (blocks, parts,
#: loaders, the session); each must be a leaf of the modules that call it
DASK_MODULES = sorted(m for m in module_files() if "dask" in m.split(".")[-1])


@pytest.mark.parametrize("module", DASK_MODULES)
def test_each_dask_module_is_a_leaf(graph, module: str) -> None:
    assert leaf_problems(graph, module, TWINS.get(module, ())) == []
