"""The instructor's kit on paper: a lesson plan with timings per section, and a printable key of the hints.

    from smworkbook.grading import kit
    kit.lesson_plan(4)                 # a table: each section of lesson 4, its share of the lesson's time
    kit.hints_key("hints-key.html")    # every exercise's title and the hints its check can give, one page

Both are read from the workbook itself: the sections from the lesson notebook's `## ` headings, the time from its
`**Time:**` line, the machine's run time from bench/results.json (`make bench`), the hints from the check modules'
source (the messages of `require(...)` and `CheckFailed(...)`), so nothing here is kept by hand.
"""

from __future__ import annotations

import ast
import html
import inspect
import json
from pathlib import Path

from smworkbook.checks import EXERCISES
from smworkbook.engine.errors import WorkbookError

BENCH = "bench/results.json"


def sections(number: int) -> list[tuple[str, int]]:
    """Lesson `number`'s sections in order: each `## ` heading and how much there is to read and run under it
    (words of its text plus lines of its code; the set-up before the first heading counts as "Set-up")."""
    from smworkbook.authoring import lessons

    info = lessons.lesson(number)
    cells = json.loads(info.notebook.read_text(encoding="utf-8"))["cells"]
    found: list[list] = []
    for cell in cells[1:]:  # the first cell is the lesson's header: title, time, objectives
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] != "markdown":
            found = found or [["Set-up", 0]]
            found[-1][1] += len(source.splitlines())
            continue
        for line in source.splitlines():  # a cell may hold two sections (Key points, then Clean-up)
            if line.startswith("## "):
                found.append([line[3:].strip(), 0])
            found = found or [["Set-up", 0]]
            found[-1][1] += len(line.split())
    return [(title, size) for title, size in found]


def _run_seconds(notebook: str, root: Path) -> float | None:
    """The benchmark's median time for running `solutions/<notebook>` under nbval, if `make bench` measured it."""
    try:
        results = json.loads((root / BENCH).read_text(encoding="utf-8"))
        return results["grading"]["per_notebook_nbval_s"][f"solutions/{notebook}"]["median"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def lesson_plan(number: int) -> str:
    """Lesson `number`'s plan as a Markdown table: each section with its share of the lesson's stated time,
    shared by how much the section holds to read and run (rounded to whole minutes that add up to the total)."""
    from IPython.display import Markdown

    from smworkbook.authoring import lessons

    info = lessons.lesson(number)
    if not info.minutes:
        raise WorkbookError(f"Lesson {number} states no time (its **Time:** line): no plan to share it out.")
    parts = sections(number)
    total = sum(size for _, size in parts) or 1
    # Largest remainder: whole minutes that add up to the lesson's time.
    exact = [info.minutes * size / total for _, size in parts]
    minutes = [int(share) for share in exact]
    for index in sorted(range(len(exact)), key=lambda i: exact[i] - minutes[i], reverse=True)[
        : info.minutes - sum(minutes)
    ]:
        minutes[index] += 1
    lines = [
        f"### Lesson {info.number}: {info.title}, {info.minutes} minutes",
        "",
        "| # | section | minutes | from start |",
        "|---|---|---|---|",
    ]
    elapsed = 0
    for index, ((title, _), share) in enumerate(zip(parts, minutes, strict=True), 1):
        lines.append(f"| {index} | {title} | {share} | {elapsed}-{elapsed + share} |")
        elapsed += share
    seconds = _run_seconds(info.notebook.name, lessons.ROOT)
    machine = (
        f"Running all of its solutions takes {seconds:.0f} s on the benchmark's machine ({BENCH}), so the minutes "
        "are reading, talking and typing, not waiting."
        if seconds is not None
        else f"The benchmark has not timed this lesson's solutions ({BENCH})."
    )
    lines += [
        "",
        f"The header's {info.minutes} minutes, shared by what each section holds (words of text, lines of code). "
        f"{machine}",
    ]
    return Markdown("\n".join(lines))


def _message(node: ast.AST) -> str | None:
    """A hint's text from its source: a string as it is, an f-string with each value shown as `…`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "…" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _message(node.left), _message(node.right)
        return left + right if left is not None and right is not None else None
    return None


def hints(number: str) -> list[str]:
    """The hints exercise `number`'s check can give: the messages of its require(...) and CheckFailed(...) calls,
    and those of the module's own functions it calls (one level), in source order, without repeats."""
    exercise = EXERCISES[number]
    module = inspect.getmodule(exercise.check)
    tree = ast.parse(inspect.getsource(module))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    check = functions[exercise.check.__name__]
    found: list[str] = []
    visited = set()

    def collect(function: ast.FunctionDef, depth: int) -> None:
        visited.add(function.name)
        for node in ast.walk(function):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            if name == "require" and len(node.args) > 1:
                text = _message(node.args[1])
            elif name == "CheckFailed" and node.args:
                text = _message(node.args[0])
            else:
                text = None
                if depth and name in functions and name not in visited:
                    collect(functions[name], depth - 1)
            if text and text not in found:
                found.append(" ".join(text.split()))

    collect(check, 1)
    return found


def hints_key(path: str | Path | None = None):
    """Every exercise's number, title and hints as one printable HTML page; written to `path` if given.

    One file, no script, nothing loaded, every text escaped: print it from the browser (File > Print)."""
    from IPython.display import HTML

    body = []
    for number, exercise in EXERCISES.items():
        items = "".join(f"<li>{html.escape(text)}</li>" for text in hints(number)) or "<li>(no hint in its source)</li>"
        body.append(f"<h2>{html.escape(number)} {html.escape(exercise.title)}</h2><ul>{items}</ul>")
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<title>The workbook's hints, by exercise</title>"
        "<style>body { font-family: sans-serif; color: #000; background: #fff; max-width: 50em; margin: 1em auto }"
        " h2 { font-size: 1.1em; margin: 1em 0 0.2em; break-after: avoid } li { margin: 0.2em 0 }</style></head>"
        "<body><h1>The workbook's hints, by exercise</h1><p>What each check says when an exercise is not right "
        "yet (… stands for what the learner's answer holds).</p>" + "".join(body) + "</body></html>"
    )
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return HTML(page)
