"""A grade's report: each exercise's result, the score table a learner reads, and the JSON and JUnit XML files.

JUnit XML is the format CI services show as a test report; the JSON is what the gradebook and the Gradescope and
Classroom formats (formats.py) read.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

from smworkbook.grading.discover import exercises_of, order

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"
RANK = {PASSED: 0, FAILED: 1, NOT_ATTEMPTED: 2}

# What no grade file may hold as it is: a surrogate (a file name's byte that is not UTF-8, which Python reads as
# U+DC80-U+DCFF, or a lone surrogate in an error a kernel sent: UTF-8 cannot encode either), a control character
# (XML 1.0 allows only tab, newline and carriage return; in a printed table, a carriage return or an escape
# rewrites the lines above), and the two non-characters XML refuses.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode() could not decode: show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: str) -> str:
    """`text` that every grade file can hold: UTF-8, XML and a terminal (e.g. `01_\\xff.ipynb`, `\\ud800`)."""
    return _UNSAFE.sub(_escaped, str(text))


def safe(value):
    """`value` (JSON: dicts, lists, text) with every text made safe_text, keys included."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(key) if isinstance(key, str) else key: safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [safe(item) for item in value]
    return value


def private_folder(path: Path) -> Path:
    """`path` made (parents too) and closed to other users (0700): grades are read by the grader alone."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def write_private(path: Path, text: str) -> Path:
    """Write `text` to `path`, readable by its owner alone (0600), whole or not at all (an interrupted write
    leaves the old file, never half a new one)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()  # a partial file left by a killed run may have another mode: start afresh
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    # backslashreplace: text a caller forgot to make safe is written escaped, never a crash.
    with os.fdopen(descriptor, "w", encoding="utf-8", errors="backslashreplace", newline="") as file:
        os.fchmod(file.fileno(), 0o600)  # whatever the umask
        file.write(text)
    os.replace(partial, path)
    return path


@dataclass
class Result:
    """The outcome of one exercise: status, and for anything but a pass, a hint; the learner's exercise cell
    (`code`) and the error it raised (`error`), for the feedback page a learner reads (feedback.py)."""

    number: str
    title: str
    notebook: str
    status: str
    hint: str = ""
    code: str = ""
    error: str = ""


@dataclass
class Report:
    """Every exercise's result, in exercise order."""

    results: list[Result] = field(default_factory=list)
    # Lessons with no notebook in the folder graded: reported once, not as each of their exercises.
    missing_lessons: list[str] = field(default_factory=list)

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
        results = [Result(**safe(asdict(result))) for result in self.results]
        width = max([len(result.title) for result in results] + [5])
        lines = [f"{'':2}{'Exercise':9}{'Title':{width}}  Result", f"{'':2}{'-' * (9 + width + 15)}"]
        marks = {PASSED: "✔", FAILED: "✘", NOT_ATTEMPTED: "·"}
        for result in results:
            mark = marks.get(result.status, "?")
            lines.append(f"{mark:2}{result.number:9}{result.title:{width}}  {result.status}")
            if result.hint:
                lines.append(f"{'':11}hint: {result.hint}")
        for lesson in self.missing_lessons:
            count = len(exercises_of({lesson}))
            lines.append(f"  Lesson {lesson}: missing (no notebook for it; its {count} exercises are not graded).")
        lines.append(
            f"Score: {self.passed}/{self.total} passed, {self.count(FAILED)} failed, "
            f"{self.count(NOT_ATTEMPTED)} not attempted."
        )
        return "\n".join(lines)

    def closing(self) -> str:
        """The line a learner reads last: where they stand, and what to do next."""
        missing = (
            f" Not graded (no notebook): lesson {', '.join(self.missing_lessons)}." if self.missing_lessons else ""
        )
        if not self.results:
            return "No exercise was graded: grade a folder or notebook that holds the workbook's exercises." + missing
        if self.full_marks:
            return f"All {self.total} exercises passed.{missing}"
        left = next(result for result in self.results if result.status != PASSED)
        return (
            f"{self.passed} of {self.total} passed so far. Next: exercise {left.number} in {left.notebook} "
            f"(its hint is above); then grade again.{missing}"
        )

    def to_json(self) -> str:
        summary = {"passed": self.passed, "failed": self.count(FAILED), "not_attempted": self.count(NOT_ATTEMPTED)}
        body = {
            "score": self.passed,
            "total": self.total,
            **summary,
            "missing_lessons": self.missing_lessons,
            "results": [asdict(r) for r in self.results],
        }
        return json.dumps(safe(body), indent=2, ensure_ascii=False)

    def to_junit(self) -> str:
        """JUnit XML: one test suite per notebook, one test case per exercise.

        A failed exercise is a <failure> whose message is the hint; one not attempted is <skipped>.
        """
        root = ET.Element("testsuites", name="smworkbook grade", tests=str(self.total))
        root.set("failures", str(self.count(FAILED)))
        root.set("skipped", str(self.count(NOT_ATTEMPTED)))
        every = [Result(**safe(asdict(result))) for result in self.results]
        for notebook in dict.fromkeys(result.notebook for result in every):
            results = [result for result in every if result.notebook == notebook]
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


def assemble(graded: list[list[Result]], expected: list[str], missing: list[str]) -> Report:
    """One report from each notebook's results: every expected exercise once, in exercise order."""
    found: dict[str, Result] = {}
    for results in graded:
        for result in results:
            # Two notebooks of one lesson: the better result counts (a notebook without the
            # exercise's cells does not hide one that has them); on a tie, the first.
            if result.number not in found or RANK[result.status] < RANK[found[result.number].status]:
                found[result.number] = result
    report = Report(missing_lessons=missing)
    for number in sorted(set(expected) | set(found), key=order):
        report.results.append(found[number])
    return report


def write_reports(report: Report, json_path: Path | None, junit_path: Path | None) -> list[Path]:
    """Write the JSON and JUnit XML reports where asked, each readable by the grader's user alone (0600; a folder
    made for them 0700); returns the files written."""
    written = []
    for path, text in ((json_path, report.to_json()), (junit_path, report.to_junit())):
        if path is not None:
            path = Path(path)
            if not path.parent.is_dir():
                private_folder(path.parent)
            written.append(write_private(path, text))
    return written
