"""Grade a learner's exercise notebooks: run each in a fresh kernel, read every check's outcome.

`smworkbook grade` (or `make grade`; by default both grade the learner's my-work/) prints one row per
exercise (passed, failed or not attempted, with the check's hint) and can write the same results as
JSON and as JUnit XML, the format CI services show as a test report. The exercises come from the check registry
(`smworkbook.checks.EXERCISES`), so an exercise whose cells were deleted is reported, not skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

# jsonschema (under nbformat) imports its optional checker of the "iri" string format,
# rfc3987-syntax, which builds some 35 parsers on import: 1 to 3 s, more than the rest of the
# grader's imports together (python-jsonschema/jsonschema#1428). No notebook schema uses that
# format, so the grader goes without it: jsonschema skips a checker it cannot import.
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402
from nbclient.util import run_sync  # noqa: E402

from .checks import EXERCISES  # noqa: E402
from .errors import WorkbookError  # noqa: E402

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"

_SETUP = re.compile(r"""checks\.setup\(\s*["']([\d.]+)["']""")
_VERIFY = re.compile(r"""checks\.verify\(\s*["']([\d.]+)["']""")
_STUB = re.compile(r"^\s*raise NotImplementedError\(\)\s*$", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NOT_YET = re.compile(r"^Exercise [\d.]+ \(.*?\) is not right yet\. ")


@dataclass
class Result:
    """The outcome of one exercise: status, and for anything but a pass, a hint."""

    number: str
    title: str
    notebook: str
    status: str
    hint: str = ""


@dataclass
class Report:
    """Every exercise's result, in exercise order."""

    results: list[Result] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(result.status == status for result in self.results)

    @property
    def passed(self) -> int:
        return self.count(PASSED)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def full_marks(self) -> bool:
        return self.total > 0 and self.passed == self.total

    def table(self) -> str:
        """The score table a learner reads: one row per exercise, the hint under each one not passed."""
        width = max([len(result.title) for result in self.results] + [5])
        lines = [f"{'':2}{'Exercise':9}{'Title':{width}}  Result", f"{'':2}{'-' * (9 + width + 15)}"]
        marks = {PASSED: "✔", FAILED: "✘", NOT_ATTEMPTED: "·"}
        for result in self.results:
            lines.append(f"{marks[result.status]:2}{result.number:9}{result.title:{width}}  {result.status}")
            if result.hint:
                lines.append(f"{'':11}hint: {result.hint}")
        lines.append(
            f"Score: {self.passed}/{self.total} passed, {self.count(FAILED)} failed, "
            f"{self.count(NOT_ATTEMPTED)} not attempted."
        )
        return "\n".join(lines)

    def to_json(self) -> str:
        summary = {"passed": self.passed, "failed": self.count(FAILED), "not_attempted": self.count(NOT_ATTEMPTED)}
        return json.dumps(
            {"score": self.passed, "total": self.total, **summary, "results": [asdict(r) for r in self.results]},
            indent=2,
            ensure_ascii=False,
        )

    def to_junit(self) -> str:
        """JUnit XML: one test suite per notebook, one test case per exercise.

        A failed exercise is a <failure> whose message is the hint; one not attempted is <skipped>.
        """
        root = ET.Element("testsuites", name="smworkbook grade", tests=str(self.total))
        root.set("failures", str(self.count(FAILED)))
        root.set("skipped", str(self.count(NOT_ATTEMPTED)))
        for notebook in dict.fromkeys(result.notebook for result in self.results):
            results = [result for result in self.results if result.notebook == notebook]
            suite = ET.SubElement(root, "testsuite", name=notebook, tests=str(len(results)))
            suite.set("failures", str(sum(result.status == FAILED for result in results)))
            suite.set("skipped", str(sum(result.status == NOT_ATTEMPTED for result in results)))
            for result in results:
                case = ET.SubElement(suite, "testcase", classname=notebook, name=f"{result.number} {result.title}")
                if result.status == FAILED:
                    ET.SubElement(case, "failure", message=result.hint, type="CheckFailed").text = result.hint
                elif result.status == NOT_ATTEMPTED:
                    ET.SubElement(case, "skipped", message=result.hint)
        ET.indent(root)
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def grade(paths: list[Path] | Path, timeout: int = 120, workers: int | None = None) -> Report:
    """Run exercise notebooks (a folder, or notebook files) in fresh kernels and grade every exercise.

    Grading a folder expects every registered exercise; grading single notebooks expects the
    exercises of their lessons (the file name's leading number). Up to `workers` notebooks run
    at once (default: one more than the CPU cores), each in its own kernel with its own mock AWS.
    """
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise WorkbookError(f"workers is how many notebooks run at once (1 or more), not {workers!r}.")
    notebooks, expected = _notebooks_and_expected(paths)
    found: dict[str, Result] = {}
    for results in run_sync(_grade_notebooks)(notebooks, timeout, workers or _default_workers(len(notebooks))):
        for result in results:
            found.setdefault(result.number, result)
    report = Report()
    for number in sorted(set(expected) | set(found), key=_order):
        if number in found:
            report.results.append(found[number])
        else:
            title = EXERCISES[number].title
            hint = f"No cell calls checks.setup({number!r}) and checks.verify({number!r}, ...): restore the exercise."
            report.results.append(Result(number, title, "(missing)", NOT_ATTEMPTED, hint))
    return report


def grade_notebook(path: Path, timeout: int = 120) -> list[Result]:
    """Run one notebook top to bottom in a fresh kernel, through errors, and read each check's outcome."""
    return run_sync(_grade_notebook)(Path(path), timeout)


def _default_workers(notebooks: int) -> int:
    # A kernel keeps one core busy most of the time (imports, the mock's server, the checks), but
    # not all of it (its start, waits on its servers): one kernel more than there are cores fills
    # those gaps (on 2 cores, 3 kernels graded the solutions about 5% faster than 2, and 4 slower).
    return max(1, min(notebooks, (os.cpu_count() or 1) + 1))


async def _grade_notebooks(notebooks: list[Path], timeout: int, workers: int) -> list[list[Result]]:
    """Grade `notebooks`, `workers` at a time; the results come back in the notebooks' order."""
    slots = asyncio.Semaphore(workers)

    async def one(path: Path) -> list[Result]:
        async with slots:
            return await _grade_notebook(path, timeout)

    return await asyncio.gather(*(one(path) for path in notebooks))


async def _grade_notebook(path: Path, timeout: int) -> list[Result]:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        # Only this run's outputs count: a cell that does not run (the kernel died or a cell timed
        # out before it) must not keep a pass line saved with the learner's notebook.
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        # A learner's endless loop is interrupted after `timeout` seconds; the rest still runs.
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": "TimeoutError",
            "evalue": f"the cell ran for more than {timeout} s and was stopped (an endless loop?)",
            "traceback": [],
        },
        record_timing=False,
        # Every outcome is in the notebook once its last cell has run: stop the kernel at once
        # rather than wait for its graceful exit (up to a few seconds). Its mock AWS dies with it;
        # its PostgreSQL server, if any, is removed by the database's watcher (smworkbook.database).
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(path.parent)}},
    )
    stopped = ""
    try:
        # The kernel's own log lines (e.g. its transport warning) are not the learner's: keep them
        # out of the score table.
        # Grading is always against the embedded mock: the checks compare exact names and tags,
        # and a grader must never reach an endpoint or AWS the shell happened to choose.
        env = {name: value for name, value in os.environ.items() if name != "SMWORKBOOK_BACKEND"}
        await client.async_execute(stderr=subprocess.DEVNULL, env=env)
    except CellTimeoutError:
        stopped = f"A cell ran for more than {timeout} s and was stopped; the cells after it did not run."
    except DeadKernelError:
        stopped = "The kernel died while running the notebook; the cells after that did not run."
    return _read_results(notebook, path.name, stopped, timeout)


def _read_results(notebook: nbformat.NotebookNode, name: str, stopped: str, timeout: int) -> list[Result]:
    results = []
    attempt_errors: dict[str, list[dict]] = {}
    untouched: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        setup = _SETUP.search(cell.source)
        verify = _VERIFY.search(cell.source)
        if setup and not verify:
            attempt_errors[setup.group(1)] = _errors(cell)
            if _STUB.search(cell.source):  # the generator's stub is still there: nothing written yet
                untouched.add(setup.group(1))
        if not verify:
            continue
        number = verify.group(1)
        title = EXERCISES[number].title if number in EXERCISES else "(unknown exercise)"
        errors = _errors(cell)
        passed_line = f"✔ Exercise {number} passed"
        if not errors and any(passed_line in text for text in _stdout(cell)):
            results.append(Result(number, title, name, PASSED))
            continue
        attempt = attempt_errors.get(number, [])
        if errors:
            hint = _one_line(errors[0])
        elif stopped:
            hint = stopped
        else:
            hint = "The check cell printed no pass line. Run it again after the exercise cell."
        if number in untouched or any(error["ename"] == "NotImplementedError" for error in attempt):
            results.append(Result(number, title, name, NOT_ATTEMPTED, hint))
        else:
            if attempt and attempt[0]["ename"] == "KeyboardInterrupt":
                hint = f"Your exercise cell ran for more than {timeout} s and was stopped (an endless loop?). {hint}"
            elif attempt:  # the learner's own code failed: that error says more than the check
                hint = f"Your exercise cell raised {_one_line(attempt[0])} Then: {hint}"
            results.append(Result(number, title, name, FAILED, hint))
    return results


def _errors(cell) -> list[dict]:
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


def _stdout(cell) -> list[str]:
    return [output.text for output in cell.get("outputs", []) if output.output_type == "stream"]


def _one_line(error: dict) -> str:
    if error["ename"] == "CheckFailed":
        # "Exercise 1.2 (title) is not right yet. <hint>": the table already names the exercise.
        return _NOT_YET.sub("", _ANSI.sub("", error["evalue"]))
    if error["ename"] == "WorkbookError":
        return _ANSI.sub("", error["evalue"])
    return _ANSI.sub("", f"{error['ename']}: {error['evalue']}".strip())


def _order(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split(".") if part.isdigit())


def _notebooks_and_expected(paths: list[Path] | Path) -> tuple[list[Path], list[str]]:
    paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    notebooks: list[Path] = []
    expected: set[str] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.ipynb"))
            if not found:
                raise WorkbookError(f"There are no notebooks in {path}/.")
            notebooks.extend(found)
            expected.update(EXERCISES)
        elif path.suffix == ".ipynb" and path.is_file():
            notebooks.append(path)
            lesson = re.match(r"(\d+)_", path.name)
            if lesson:
                expected.update(n for n in EXERCISES if n.split(".")[0] == str(int(lesson.group(1))))
        else:
            raise WorkbookError(f"{path} is neither a folder nor a notebook (.ipynb) file.")
    return notebooks, sorted(expected, key=_order)


def write_reports(report: Report, json_path: Path | None, junit_path: Path | None) -> list[Path]:
    """Write the JSON and JUnit XML reports where asked; returns the files written."""
    written = []
    for path, text in ((json_path, report.to_json()), (junit_path, report.to_junit())):
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
