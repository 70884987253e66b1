"""The workbook's IPython extension, loaded into every kernel of the workbook's environment.

`python -m smworkbook_kernel` (run by `make lab`, `make test` and Binder's postBuild) writes
`{sys.prefix}/etc/ipython/ipython_kernel_config.json`, which IPython reads in every kernel started from this
environment (JupyterLab's, a hub's, nbval's, the grader's), so the extension is there before any cell runs,
also after a restart. It imports nothing of the workbook (no boto3: a kernel starts as fast as before).

What it does:
- a NameError for a name that a cell of the open notebook sets (after a restart, `arn`, `json`, `client`) gets
  one line more, saying which cell to run first: the set-up cell, or the cell that sets it;
- `add_handler(shell, types, handler)`: one place for the workbook's custom exception handlers. IPython keeps
  one custom handler per shell (`set_custom_exc`), so the package (`smworkbook.engine.errors`) and this
  extension share it through this function instead of replacing each other's.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable
from pathlib import Path

CONFIG = "ipython_kernel_config.json"
NAME = __name__

_HANDLERS: dict[type, Callable] = {}  # exception type -> handler(shell, etype, value, tb, tb_offset)


def add_handler(shell, types: tuple[type, ...], handler: Callable) -> None:
    """Show exceptions of `types` with `handler`, keeping the handlers added before (for other types)."""
    for kind in types:
        _HANDLERS[kind] = handler
    shell.set_custom_exc(tuple(_HANDLERS), _dispatch)


def _dispatch(shell, etype, value, tb, tb_offset=None):
    for kind, handler in _HANDLERS.items():
        if issubclass(etype, kind):
            return handler(shell, etype, value, tb, tb_offset)
    return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def load_ipython_extension(shell) -> None:
    add_handler(shell, (NameError,), show_name_error)


def show_name_error(shell, etype, value, tb, tb_offset=None):
    """The usual traceback, and a line saying which cell of the notebook sets the missing name."""
    hint = name_error_hint(getattr(value, "name", None), shell.user_ns.get("__session__"))
    if not hint:
        return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    lines = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, [*lines, hint])


def name_error_hint(name: str | None, session: str | None) -> str:
    """Which cell of the notebook `session` (JupyterLab's path for the kernel's notebook) sets `name`, or ''."""
    notebook = _notebook(session)
    if not name or notebook is None:
        return ""
    try:
        cells = [cell for cell in json.loads(notebook.read_text())["cells"] if cell.get("cell_type") == "code"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    for index, cell in enumerate(cells):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if name in names_set_by(source):
            if index == 0:
                return (
                    f"→ `{name}` is set by this notebook's set-up cell (its first code cell), which this kernel has "
                    "not run since it started: after a restart every name is gone. Run the set-up cell first "
                    "(or Run > Run All Above Selected Cell), then this cell."
                )
            first = next((line.strip() for line in source.splitlines() if line.strip()), "")
            first = first if len(first) <= 60 else first[:59] + "…"
            return (
                f"→ `{name}` is set by another cell of this notebook (the one starting `{first}`), which this kernel "
                "has not run since it started. Run the cells from the top (Run > Run All Above Selected Cell), "
                "then this cell."
            )
    return ""


def section_setup_cell(session: str | None, source: str) -> str:
    """The first line of the first code cell of the section (`## ` heading) holding the cell `source`, or ''.

    A lesson's section starts afresh in that cell ("# workbook set-up: start this section afresh")."""
    notebook = _notebook(session)
    if notebook is None or not source.strip():
        return ""
    try:
        cells = json.loads(notebook.read_text())["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    first = ""
    for cell in cells:
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        if cell.get("cell_type") == "markdown" and text.lstrip().startswith("## "):
            first = ""
        elif cell.get("cell_type") == "code":
            first = first or next((line.strip() for line in text.splitlines() if line.strip()), "")
            if text.strip() == source.strip():
                return first if len(first) <= 60 else first[:59] + "…"
    return ""


def _notebook(session: str | None) -> Path | None:
    """The notebook file the kernel runs, from JupyterLab's session path (relative to the server's root)."""
    if not session or not str(session).endswith(".ipynb"):
        return None
    path = Path(session)
    for candidate in (path, Path.cwd() / path.name):  # the kernel starts in the notebook's folder
        if candidate.is_file():
            return candidate
    return None


def names_set_by(source: str) -> set[str]:
    """The names a cell's code sets at its top level: assignments, imports, functions, classes, loops, `with`."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found: set[str] = set()
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)  # its body's names are its own
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        if isinstance(node, ast.Lambda):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def install(prefix: str = sys.prefix) -> Path:
    """Have every kernel of the environment at `prefix` load this extension (kept: other settings there)."""
    path = Path(prefix, "etc", "ipython", CONFIG)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        config = json.loads(path.read_text()) if path.exists() else {}
    except ValueError:
        config = {}
    extensions = config.setdefault("IPKernelApp", {}).setdefault("extensions", [])
    if NAME not in extensions:
        extensions.append(NAME)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path
