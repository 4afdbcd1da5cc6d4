"""The shape of the package: its import graph, read from the source of the installed package.

Checks (docs/architecture.md, docs/decisions/0001-package-layout.md):

* no import cycle between modules (type-only imports count: a circle is a circle);
* no import inside a function, except the documented lazy imports of heavy third-party
  modules in :data:`LAZY` (start-up time of ``lospw --help``);
* no ``_private`` name of one module imported or read by another;
* the wings depend one way: core <- intake <- classical / efa / cfa <- validation <-
  scoring / planning <- pipeline <- lospw (CLI, report); ``lospw.instrument`` may use
  ``lospw.analysis``, never the reverse; the CFA engine knows nothing of keys.

The source files are found through the installed package (``lospw.analysis.__path__`` ...),
so the test reads what ``import lospw`` runs, in the repository or in a wheel.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOTS = ("lospw", "lospw.analysis", "lospw.instrument")

#: Third-party modules (and their submodules) a function may import on use, and why (each
#: costs start-up time, is needed by one command only, or exists on one platform only).
#: Nothing else is imported inside a function.
LAZY = {
    "matplotlib": "figures only (about 0.3 s to import)",
    "openpyxl": "XLSX files only",
    "pyreadstat": "SPSS .sav files only",
    "dask": "lospw plan --scheduler only (about 1 s to import)",
    "distributed": "lospw plan --scheduler only",
    "joblib": "lospw plan --jobs > 1 only",
    "scipy.optimize": "0.15-0.3 s to import (with scipy.linalg, sparse, spatial, fft); a CFA "
                      "needs it only for the BFGS fallback and two-level models, an EFA for "
                      "its extraction and factor matching (not `lospw reliability`)",
    "fcntl": "POSIX only: on Windows the import fails and the output lock uses an exclusive create",
    "importlib.metadata": "about 30 ms to import; read for lospw.__version__ (--version) only",
    "IPython": "the book's notebooks only (display of tables and figures)",
    "myst_nb": "the book's notebooks only (glue)",
}

#: Private attributes of third-party objects a module reads, and why (no public API).
THIRD_PARTY_PRIVATE = {
    "lospw.analysis.intake.xlsx_reader": (
        {"_archive", "_worksheet_path", "_shared_strings", "_date_formats",
         "_timedelta_formats"},
        "openpyxl's streaming sheet parser is fed from the workbook's own archive and formats "
        "(formula cells are marked; openpyxl has no public API for that)"),
}


def _lazy(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in LAZY)


#: The wings in dependency order: a module may import its own wing and the wings it lists.
WINGS: dict[str, tuple[str, ...]] = {
    "lospw.analysis.core": (),
    "lospw.analysis.intake": ("core",),
    "lospw.analysis.classical": ("core",),
    "lospw.analysis.efa": ("core", "classical"),
    "lospw.analysis.cfa": ("core", "classical"),
    "lospw.analysis.validation": ("core", "classical", "efa", "cfa"),
    "lospw.analysis.scoring": ("core", "intake", "classical", "validation"),
    "lospw.analysis.planning": ("core", "intake", "classical", "cfa", "validation"),
    "lospw.analysis.pipeline": ("core", "intake", "classical", "efa", "cfa", "validation",
                                "scoring", "planning"),
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    in_function: bool
    type_only: bool
    names: tuple[str, ...]


def _source_files() -> dict[str, Path]:
    """Module name -> source file, for every module of the installed package."""
    out: dict[str, Path] = {}
    for root in ROOTS:
        folder = Path(importlib.import_module(root).__file__).parent
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("").parts
            # a module belongs to the package only when every folder on its way is one
            if not all((folder.joinpath(*rel[:i]) / "__init__.py").is_file()
                       for i in range(len(rel))):
                continue
            if root == "lospw" and rel[:1] in (("analysis",), ("instrument",)):
                continue
            parts = rel[:-1] if rel[-1] == "__init__" else rel
            out[".".join((root, *parts))] = path
    return out


MODULES = _source_files()


def _package_of(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def _absolute(module: str, level: int, name: str | None) -> str:
    if not level:
        return name or ""
    base = _package_of(module).split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.edges: list[Edge] = []
        self.depth = 0
        self.type_only = 0

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        guarded = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
        if guarded:
            self.type_only += 1
            for stmt in node.body:
                self.visit(stmt)
            self.type_only -= 1
            for stmt in node.orelse:
                self.visit(stmt)
        else:
            self.generic_visit(node)

    def _add(self, node: ast.AST, target: str, names: tuple[str, ...]) -> None:
        self.edges.append(Edge(self.module, target, node.lineno, self.depth > 0,
                               self.type_only > 0, names))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name, ())

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _absolute(self.module, node.level, node.module)
        plain = []
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            if sub in MODULES:  # "from package import module"
                self._add(node, sub, ())
            else:
                plain.append(alias.name)
        if plain:
            self._add(node, base, tuple(plain))


def _edges() -> list[Edge]:
    edges = []
    for module, path in MODULES.items():
        visitor = _Imports(module)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        edges.extend(visitor.edges)
    return edges


EDGES = _edges()


def _project(name: str) -> bool:
    return name == "lospw" or name.startswith("lospw.")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or a self-loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for e in EDGES:
        if _project(e.target) and e.target in MODULES and e.target != e.source:
            graph[e.source].add(e.target)
    return graph


def _wing(module: str) -> str | None:
    for wing in WINGS:
        if module == wing or module.startswith(wing + "."):
            return wing
    return None


def test_the_walk_finds_every_wing():
    for wing in (*WINGS, "lospw.cli", "lospw.instrument.delphi"):
        assert wing in MODULES, wing
    assert len(MODULES) > 100


def test_no_import_cycles():
    cycles = _cycles(module_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_project_import_inside_a_function():
    bad = [f"{e.source}:{e.line} imports {e.target}" for e in EDGES
           if e.in_function and not _lazy(e.target)]
    assert not bad, ("imports inside functions (move them to the top of the module, or add a "
                     "heavy third-party module with its reason to LAZY):\n" + "\n".join(bad))


def test_lazy_imports_are_third_party():
    assert not any(_project(name) for name in LAZY)


def test_every_import_resolves_to_a_module():
    bad = [f"{e.source}:{e.line} imports {e.target}" for e in EDGES
           if _project(e.target) and e.target not in MODULES]
    assert not bad, "\n".join(bad)


def _defined_here(tree: ast.AST) -> set[str]:
    """Private names a module defines itself: functions, classes, variables, attributes."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {n for n in names if n.startswith("_")}


def _private_reads() -> Iterator[str]:
    for e in EDGES:
        if _project(e.target):
            for name in e.names:
                if name.startswith("_") and not name.startswith("__"):
                    yield f"{e.source}:{e.line} imports {name} from {e.target}"
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _defined_here(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__") and node.attr not in own
                    and node.attr not in ("_replace", "_asdict", "_fields", "_make")
                    and node.attr not in THIRD_PARTY_PRIVATE.get(module, ((),))[0]):
                yield f"{module}:{node.lineno} reads .{node.attr}"


def test_no_private_name_crosses_a_module():
    bad = sorted(set(_private_reads()))
    assert not bad, ("private names used outside their module (make them public, or move "
                     "the code that needs them):\n" + "\n".join(bad))


def test_wings_depend_one_way():
    bad = []
    for e in EDGES:
        src, dst = _wing(e.source), _wing(e.target)
        if src and dst and src != dst and dst.rpartition(".")[2] not in WINGS[src]:
            bad.append(f"{e.source}:{e.line} imports {e.target}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("outside", ["lospw.cli", "lospw.report", "lospw.instrument"])
def test_analysis_never_imports_the_cli_the_report_or_the_instrument(outside):
    bad = [f"{e.source}:{e.line} imports {e.target}" for e in EDGES
           if e.source.startswith("lospw.analysis")
           and (e.target == outside or e.target.startswith(outside + "."))]
    assert not bad, "\n".join(bad)


def test_the_cfa_engine_knows_no_key():
    """lospw.analysis.cfa takes model syntax and data only (the lavaan-parity engine)."""
    allowed = ("lospw.analysis.cfa", "lospw.analysis.core.errors",
               "lospw.analysis.core.warnings", "lospw.analysis.core.degenerate",
               "lospw.analysis.core.missing", "lospw.analysis.core.options",
               "lospw.analysis.core.distributions", "lospw.analysis.core.special",
               "lospw.analysis.core.roots",
               "lospw.analysis.classical.polychoric")
    bad = [f"{e.source}:{e.line} imports {e.target}" for e in EDGES
           if e.source.startswith("lospw.analysis.cfa") and _project(e.target)
           and not e.target.startswith(allowed)]
    assert not bad, "\n".join(bad)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
