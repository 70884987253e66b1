"""The package's layers read one way: server <- corrections <- mock <- the learner's helpers and course tools.

Every import between the package's modules is read from the source (imports inside functions
too), so a lazy import cannot hide a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import smworkbook

PACKAGE = Path(smworkbook.__file__).parent
# The mock engine, lowest first: none of these may import the mock or anything above it.
ENGINE = {
    "errors",
    "isolation",
    "server",
    "policies",
    "enforcement",
    "lambdas",
    "corrections",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The package's modules that `path` imports, by name relative to the package."""
    name = module_name(path)
    parts = name.split(".") if name else []
    package = parts if path.name == "__init__.py" else parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = ".".join([*base, node.module] if node.module else base)
            if node.module:
                found.add(target)
            else:  # from . import a, b
                found.update(".".join([*base, alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            for module in [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]:
                if module and module.startswith("smworkbook."):
                    found.add(module.removeprefix("smworkbook."))
    known = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {target for target in found if target in known and target != name}


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in PACKAGE.rglob("*.py")}


def test_the_engine_imports_nothing_above_it():
    """Do the server, corrections and the engine's modules stay below the mock and the helpers?"""
    in_engine = {name for name in graph() if name.split(".")[0] in ENGINE}
    assert {"corrections.validation", "corrections.rotation", "lambdas", "server"} <= in_engine
    above = {name: sorted(t for t in targets if t not in in_engine) for name, targets in graph().items()}
    assert {name: targets for name, targets in above.items() if name in in_engine and targets} == {}


def test_no_import_circles():
    """Does no module import itself through others (mock <-> backends, corrections -> rotation -> mock)?"""
    edges = graph()
    circles = []

    def visit(name: str, path: list[str]) -> None:
        for target in sorted(edges.get(name, ())):
            if target in path:
                circles.append([*path[path.index(target) :], target])
            elif len(path) < 12:
                visit(target, [*path, target])

    for start in sorted(edges):
        # The package's __init__ re-exports its submodules; a submodule importing a sibling
        # through the package is the same edge, so the package itself is not a node here.
        if start not in ("", "corrections", "checks"):
            visit(start, [start])
    assert circles == []


def test_corrections_import_neither_the_mock_nor_the_rotation_helpers():
    """Is the circle mock -> corrections -> rotation -> mock gone?"""
    edges = graph()
    assert "mock" in edges["backends"] or "backend" in edges["backends"]
    assert "mock" not in edges["backends"]
    for name in [n for n in edges if n.startswith("corrections")]:
        assert not edges[name] & {"mock", "rotation", "backends", "versions", "history", "widgets"}, name
