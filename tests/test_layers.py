"""The package's layers read one way: each folder of helpers/smworkbook/ is a layer, and imports point down.

Each layer is a subpackage whose __init__.py declares `LAYER = N` (1 is the lowest: the mock engine). A module
may import its own layer and the layers below it, never one above; the package's top (__init__.py, cli.py)
sits above every layer. Every import between the package's modules is read from the source (imports inside
functions too), so a lazy import cannot hide an upward edge or a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import smworkbook

PACKAGE = Path(smworkbook.__file__).parent
TOP = float("inf")  # __init__.py and cli.py: above every layer


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, package: Path = PACKAGE) -> set[str]:
    """The package's modules that `path` imports, by name relative to the package."""
    name = module_name(path, package)
    parts = name.split(".") if name else []
    here = parts if path.name == "__init__.py" else parts[:-1]
    known = {module_name(p, package) for p in package.rglob("*.py")}
    found = set()

    def imported_from(module: str, names: list[str]) -> None:
        # `from pkg import mod` imports the module pkg.mod; `from pkg import name` imports pkg itself.
        for alias in names:
            submodule = ".".join(filter(None, [module, alias]))
            found.add(submodule if submodule in known else module)

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
            imported_from(".".join([*base, *([node.module] if node.module else [])]), [a.name for a in node.names])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("smworkbook"):
            imported_from(node.module.removeprefix("smworkbook").lstrip("."), [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("smworkbook.") for a in node.names if a.name.startswith("smworkbook."))
    return {target for target in found if target in known and target != name}


def declared_layer(init: Path) -> int | None:
    """The `LAYER = N` a layer's __init__.py declares, read without importing it."""
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["LAYER"]:
            return node.value.value if isinstance(node.value, ast.Constant) else None
    return None


def layers(package: Path = PACKAGE) -> dict[str, int]:
    """Each layer folder's name -> its level, from the folders themselves."""
    return {
        folder.name: declared_layer(folder / "__init__.py")
        for folder in sorted(package.iterdir())
        if (folder / "__init__.py").is_file()
    }


def layer_of(module: str, levels: dict[str, int]) -> float:
    head = module.split(".")[0]
    return levels[head] if head in levels and module != "" else TOP


def upward_imports(package: Path = PACKAGE) -> list[str]:
    """Every import from a module to a module of a higher layer, as 'a (layer 2) imports b (layer 4)'."""
    levels = layers(package)
    found = []
    for path in sorted(package.rglob("*.py")):
        name = module_name(path, package)
        for target in sorted(imports_of(path, package)):
            if layer_of(target, levels) > layer_of(name, levels):
                found.append(
                    f"{name} (layer {layer_of(name, levels)}) imports {target} (layer {layer_of(target, levels)})"
                )
    return found


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    return {module_name(path, package): imports_of(path, package) for path in package.rglob("*.py")}


def test_every_folder_of_the_package_is_a_layer_that_says_its_level():
    """Does each subpackage declare `LAYER = N` in its __init__.py (a new folder must say where it sits)?"""
    missing = sorted(name for name, level in layers().items() if not isinstance(level, int))
    assert missing == [], (
        f"{missing}: add `LAYER = N` to helpers/smworkbook/<folder>/__init__.py (1 = the mock engine; a folder may "
        "import its own layer and those below it). See docs/maintainer.md, Architecture."
    )
    assert not [p.name for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "cli")], (
        "Only __init__.py and cli.py live at the top of helpers/smworkbook/: put a new module in the layer folder "
        "for its role (engine, toolkit, fixtures, checks, authoring, grading)."
    )


def test_the_layers_are_the_roles_from_engine_up_to_grading():
    """Engine, what lessons call, fixtures, checks, authoring, grading: lowest first."""
    assert sorted(layers(), key=layers().get) == ["engine", "toolkit", "fixtures", "checks", "authoring", "grading"]


def test_no_import_points_up():
    """Does every module import only its own layer and the layers below (read from each folder's LAYER)?"""
    found = upward_imports()
    why = "An import points up a layer (move the code it needs down, or the module up): "
    assert found == [], why + "; ".join(found)


def test_an_import_that_points_up_is_found(tmp_path):
    """The check itself: a copy of the package with one upward import (the engine importing the toolkit) fails."""
    import shutil

    copy = tmp_path / "smworkbook"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    server = copy / "engine" / "server.py"
    server.write_text(server.read_text() + "\n\ndef _up():\n    from smworkbook.toolkit import mock  # noqa\n")
    assert upward_imports(copy) == ["engine.server (layer 1) imports toolkit.mock (layer 2)"]
    relative = copy / "fixtures" / "load.py"
    relative.write_text(relative.read_text() + "\n\nfrom ..grading import gradebook  # noqa\n")
    assert "fixtures.load (layer 3) imports grading.gradebook (layer 6)" in upward_imports(copy)


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
        # A package's __init__ re-exports its submodules; a submodule importing a sibling through the
        # package is the same edge, so packages themselves are not nodes here.
        if not (PACKAGE.joinpath(*start.split(".")) / "__init__.py").exists() and start:
            visit(start, [start])
    assert circles == []


def test_corrections_import_nothing_from_the_toolkit():
    """Is the circle mock -> corrections -> rotation -> mock gone (the corrections stay in the engine)?"""
    edges = graph()
    assert "toolkit.mock" in edges["toolkit.other_backends"] or "toolkit.backend" in edges["toolkit.other_backends"]
    assert "toolkit.mock" not in edges["toolkit.other_backends"]
    for module in [n for n in edges if n.startswith("engine.corrections")]:
        assert not {t for t in edges[module] if not t.startswith("engine")}, module
