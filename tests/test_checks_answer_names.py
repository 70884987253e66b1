"""Are the checks' parameter names the notebooks' variable names?

The grader reads the values an exercise computed by the names of its check's parameters
(`Exercise.answers`, read in the kernel with `graded.answers`): a check whose parameter is renamed, or a
notebook whose verify cell passes another variable, would be graded on a variable that is not there.

The answer names are declared once, with the exercise: its check function's parameters in
helpers/smworkbook/checks/lessonNN.py. Nothing else lists them.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import nbformat
import pytest

from smworkbook.checks import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))


def code_cells(path: Path) -> list[ast.Module]:
    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            cells.append(ast.parse(source))
    return cells


def bound_names(tree: ast.Module) -> set[str]:
    """The names a cell assigns or defines at its top level (and in its blocks)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def verify_calls(tree: ast.Module) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "verify"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "checks"
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_each_verify_cell_passes_the_checks_parameters_by_their_names(path):
    """checks.verify("N.M", a, b) passes exactly the variables named like the check's parameters, each assigned
    (or defined) in that cell or an earlier one."""
    lesson = str(int(path.name.split("_")[0]))
    expected = sorted(number for number in EXERCISES if number.split(".")[0] == lesson)
    seen, bound = [], set()
    for tree in code_cells(path):
        bound |= bound_names(tree)
        for call in verify_calls(tree):
            number = ast.literal_eval(call.args[0])
            passed = [arg.id if isinstance(arg, ast.Name) else ast.unparse(arg) for arg in call.args[1:]]
            declared = EXERCISES[number].answers
            assert passed == declared, (
                f"Rule: a verify cell passes the check's parameters by name. {path.parent.name}/{path.name} calls "
                f"checks.verify({number!r}, {', '.join(passed)}) but the check of {number} (in "
                f"helpers/smworkbook/checks/lesson{int(lesson):02d}.py) takes ({', '.join(declared)}): change the "
                "notebook's verify cell (solutions/, then `make exercises`) or the check's parameters."
            )
            assert set(passed) <= bound, (
                f"Rule: the answers a verify cell passes are assigned before it. In {path.parent.name}/{path.name}, "
                f"exercise {number}'s {sorted(set(passed) - bound)} is never assigned."
            )
            seen.append(number)
    assert sorted(seen) == expected, (
        f"Rule: each exercise of lesson {lesson} has one verify cell in {path.parent.name}/{path.name}; "
        f"found verify cells for {sorted(seen)}, the registry (helpers/smworkbook/checks/lesson{int(lesson):02d}.py) "
        f"declares {expected}."
    )


@pytest.mark.parametrize("number", list(EXERCISES))
def test_each_checks_parameters_are_plain_names_the_grader_can_ask_the_kernel_for(number):
    """The grader reads each parameter by name from the kernel and passes them in order: a check's parameters are
    plain positional names, without defaults, *args or **kwargs (nothing the kernel could not hand over by name)."""
    check = EXERCISES[number].check
    odd = [
        str(parameter)
        for parameter in inspect.signature(check).parameters.values()
        if parameter.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD or parameter.default is not parameter.empty
    ]
    assert odd == [], (
        f"Rule: a check's parameters are its answers' names. The check of exercise {number} "
        f"(helpers/{check.__module__.replace('.', '/')}.py, {check.__name__}) has {odd}: "
        "use plain names without defaults."
    )
