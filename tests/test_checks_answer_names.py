"""Are the checks' parameter names the notebooks' variable names?

The grader reads the values an exercise computed by the names of its check's parameters
(`Exercise.answers`, read in the kernel with `graded.answers`): a check whose parameter is renamed, or a
notebook whose verify cell passes another variable, would be graded on a variable that is not there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from smworkbook.checks import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions").glob("0*.ipynb")) + sorted((ROOT / "exercises").glob("0*.ipynb"))


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
            assert passed == EXERCISES[number].answers, f"exercise {number} in {path.name}"
            assert set(passed) <= bound, f"exercise {number}: {sorted(set(passed) - bound)} never assigned"
            seen.append(number)
    assert sorted(seen) == expected


def test_the_parameter_names_are_the_ones_the_grader_asks_the_kernel_for():
    """What the grader reads from the kernel for an exercise is its check's parameters, in order."""
    answers = {number: exercise.answers for number, exercise in EXERCISES.items() if exercise.answers}
    assert answers == {
        "1.2": ["api_key"],
        "1.4": ["key_bytes"],
        "2.1": ["previous"],
        "2.2": ["deprecated_value"],
        "3.1": ["payments_secrets"],
        "3.4": ["values", "failed"],
        "3.5": ["get_config"],
        "4.1": ["create_secret"],
        "4.2": ["set_secret"],
        "4.3": ["test_secret"],
        "4.4": ["finish_secret"],
        "6.2": ["orders"],
        "6.3": ["orders_with_retry"],
        "6.4": ["create_secret", "set_secret"],
    }
