"""The package's shape: imports run one way, with no circle, and every public name stays where
users import it from.

The import graph is read from the source with ``ast`` (nothing is imported to build it), and
every ``import`` statement counts, wherever it stands: an import inside a function is still a
dependency, only a later one.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "minidl"

# The layers of the library, lowest first: a module may import from its own layer and the
# layers below it, never from one above. The longest matching prefix decides a module's layer.
LAYERS = [
    (
        "foundation",
        [
            "minidl._checks",
            "minidl.errors",
            "minidl.init",
            "minidl.io",
            "minidl.random",
            "minidl.version",
        ],
    ),
    ("data", ["minidl.data"]),
    ("ops", ["minidl.ops"]),
    ("layers", ["minidl.layers", "minidl.regularizers"]),
    (
        "training",
        [
            "minidl.callbacks",
            "minidl.gradcheck",
            "minidl.losses",
            "minidl.metrics",
            "minidl.models",
            "minidl.optimizers",
            "minidl.saving",
            "minidl.testing",
        ],
    ),
    (
        "applications",
        [
            "minidl.applications",
            "minidl.course",
            "minidl.detect",
            "minidl.plot",
            "minidl.sparse",
        ],
    ),
    ("public API", ["minidl"]),
    ("command line", ["minidl.cli", "minidl.__main__"]),
]


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package's __init__)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def _imported(module: str, is_package: bool, node: ast.AST, known) -> set[str]:
    """The minidl modules one import statement names (a name imported from a package is the
    submodule of that name when there is one, else the package itself)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            parent = ".".join(base + ([node.module] if node.module else []))
        else:
            parent = node.module or ""
        names = [f"{parent}.{alias.name}" for alias in node.names]
        names = [name if name in known else parent for name in names]
    out = set()
    for name in names:
        while name and name not in known:  # 'minidl.ops.conv.x' -> 'minidl.ops.conv'
            name = name.rpartition(".")[0]
        if name and name.split(".")[0] == "minidl":
            out.add(name)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        deps: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                deps |= _imported(name, is_package, node, modules)
        graph[name] = deps - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
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
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_of(module: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    if rank is None:
        raise AssertionError(f"{module} belongs to no layer of LAYERS; add it where it belongs")
    return rank


def test_the_graph_reader_sees_relative_absolute_and_function_level_imports(tmp_path):
    source = (
        "from . import conv\n"
        "from ..layers import Dense\n"
        "import minidl.errors\n"
        "def f():\n"
        "    from ..models import sequential\n"
    )
    tree = ast.parse(source)
    known = {
        "minidl",
        "minidl.errors",
        "minidl.layers",
        "minidl.models",
        "minidl.models.sequential",
        "minidl.ops",
        "minidl.ops.conv",
    }
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= _imported("minidl.ops.pool", False, node, known)
    assert found == {
        "minidl.ops.conv",
        "minidl.layers",
        "minidl.errors",
        "minidl.models.sequential",
    }


def test_the_cycle_finder_finds_a_planted_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_imports_itself_back_through_others():
    cycles = _cycles(import_graph())
    assert not cycles, "import circles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_imports_run_one_way_ops_layers_training_applications_cli():
    graph = import_graph()
    wrong = []
    for module, deps in sorted(graph.items()):
        for dep in sorted(deps):
            if layer_of(dep) > layer_of(module):
                wrong.append(
                    f"{module} ({LAYERS[layer_of(module)][0]}) imports {dep} "
                    f"({LAYERS[layer_of(dep)][0]})"
                )
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_nothing_in_the_library_imports_the_command_line():
    graph = import_graph()
    users = sorted(
        m
        for m, deps in graph.items()
        if any(d == "minidl.cli" or d.startswith("minidl.cli.") for d in deps)
        and not (m == "minidl.cli" or m.startswith("minidl.cli.") or m == "minidl.__main__")
    )
    assert users == []


def test_the_course_package_holds_only_the_course_function_apis():
    course = sorted(p.name for p in (PACKAGE / "course").glob("*.py"))
    assert course == ["__init__.py", "cnn.py", "dnn.py"]
    graph = import_graph()
    for module in ("minidl.course.dnn", "minidl.course.cnn"):
        assert not any(d.startswith(("minidl.models", "minidl.layers")) for d in graph[module])


# Every name each public package exports (public_names.json): user code and notebooks import
# these from these paths, so they stay (a package may add names, never lose one).
PUBLIC_NAMES = json.loads((Path(__file__).with_name("public_names.json")).read_text())


@pytest.mark.parametrize("path", sorted(PUBLIC_NAMES))
def test_every_public_name_keeps_its_import_path(path):
    module = importlib.import_module(path)
    exported = set(module.__all__)
    missing = sorted(set(PUBLIC_NAMES[path]) - exported)
    assert not missing, f"{path}.__all__ lost {missing}"
    unbound = sorted(name for name in PUBLIC_NAMES[path] if not hasattr(module, name))
    assert not unbound, f"{path} names {unbound} in __all__ but does not define them"
