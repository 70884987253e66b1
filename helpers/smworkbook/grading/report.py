"""A grade's report: each exercise's result, the score table a learner reads, and the JSON and JUnit XML files.

JUnit XML is the format CI services show as a test report; the JSON is what the gradebook and the Gradescope and
Classroom formats (formats.py) read.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

from smworkbook.grading.discover import exercises_of, order

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"
RANK = {PASSED: 0, FAILED: 1, NOT_ATTEMPTED: 2}


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
        width = max([len(result.title) for result in self.results] + [5])
        lines = [f"{'':2}{'Exercise':9}{'Title':{width}}  Result", f"{'':2}{'-' * (9 + width + 15)}"]
        marks = {PASSED: "✔", FAILED: "✘", NOT_ATTEMPTED: "·"}
        for result in self.results:
            lines.append(f"{marks[result.status]:2}{result.number:9}{result.title:{width}}  {result.status}")
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
        return json.dumps(
            {
                "score": self.passed,
                "total": self.total,
                **summary,
                "missing_lessons": self.missing_lessons,
                "results": [asdict(r) for r in self.results],
            },
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
    """Write the JSON and JUnit XML reports where asked; returns the files written."""
    written = []
    for path, text in ((json_path, report.to_json()), (junit_path, report.to_junit())):
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
