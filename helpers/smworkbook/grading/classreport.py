"""The class at a glance: each exercise's status per learner (status.csv) and the class report (class-report.html).

Both come from the learners' signed reports (the dicts gradebook.read_learner returns). An exercise's status is
the report's: passed; failed (the learner's cell ran and the check found it wrong, or it raised); not attempted (the
exercise's cell still ends in `raise NotImplementedError()`, as the generated exercise does, or is gone: run.py
tells them apart by that line, `checks._registry.STUB`). An exercise of a lesson whose notebook the learner did not
hand in counts as not attempted too.

The class report is the instructor's page, not a learner's: it names every learner. It is built with
feedback.page, so it follows the feedback pages' rules: every text escaped, no script, nothing loaded, the
grader's keys redacted.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from smworkbook.checks import EXERCISES
from smworkbook.grading.feedback import CLASSES, page, text
from smworkbook.grading.report import FAILED, NOT_ATTEMPTED, PASSED, safe_text

STATUS_HEADER = ["learner", *(f"{number} {safe_text(e.title)}" for number, e in EXERCISES.items())]
STATUS_HEADER += ["passed", "failed", "not attempted"]
COMMON_HINTS = 3  # the most common hints shown per exercise


def _by_number(report: dict) -> dict[str, dict]:
    return {str(r.get("number")): r for r in report.get("results", []) if isinstance(r, dict)}


def status_of(result: dict | None) -> str:
    """passed, failed or not attempted; a result missing (its lesson's notebook was not handed in): not attempted."""
    status = (result or {}).get("status")
    return status if status in CLASSES else (NOT_ATTEMPTED if result is None else FAILED)


def statuses(report: dict) -> list[str]:
    """One learner's row of status.csv after the name: each registered exercise's status, then the three counts."""
    found = _by_number(report)
    row = [status_of(found.get(number)) for number in EXERCISES]
    return [*row, *(str(row.count(status)) for status in (PASSED, FAILED, NOT_ATTEMPTED))]


def _exercise_rows(reports: list[dict], secrets: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The per-exercise table's rows, and the exercises no learner handed in a notebook for (left out)."""
    found = [_by_number(report) for report in reports]
    rows, absent = [], []
    for number, exercise in EXERCISES.items():
        results = [each.get(number) for each in found]
        if all(result is None for result in results):
            absent.append(number)
            continue
        counts = Counter(status_of(result) for result in results)
        hints = Counter(r.get("hint", "") for r in results if r and status_of(r) == FAILED and r.get("hint"))
        common = "".join(
            f"<li>{text(hint, secrets)} <span class='count'>({times} learner{'s' if times > 1 else ''})</span></li>"
            for hint, times in hints.most_common(COMMON_HINTS)
        )
        rate = round(100 * counts[PASSED] / len(results)) if results else 0
        rows.append(
            f'<tr id="exercise-{text(number)}"><td>{text(number)}</td><td>{text(exercise.title, secrets)}</td>'
            f"<td>{counts[PASSED]}</td><td>{counts[FAILED]}</td><td>{counts[NOT_ATTEMPTED]}</td><td>{rate}%</td>"
            f"<td>{f'<ul>{common}</ul>' if common else ''}</td></tr>"
        )
    return rows, absent


def _learner(report: dict, secrets: tuple[str, ...], absent: set[str]) -> str:
    name = str(report.get("learner", ""))
    results = report.get("results", [])
    passed = sum(status_of(r) == PASSED for r in results)
    failed = [r for r in results if status_of(r) == FAILED]
    untried = [str(r.get("number", "")) for r in results if status_of(r) == NOT_ATTEMPTED]
    parts = [
        f'<section class="{CLASSES[FAILED if failed else NOT_ATTEMPTED if untried else PASSED]}" '
        f'id="learner-{text(name, secrets)}">',
        f'<h2><a href="feedback/{text(quote(name, safe=""), secrets)}.html">{text(name, secrets)}</a>: '
        f"{passed} / {len(results)} passed</h2>",
    ]
    if failed:
        items = "".join(
            f"<li><strong>{text(r.get('number', ''), secrets)} {text(r.get('title', ''), secrets)}</strong>: "
            f"{text(r.get('hint', ''), secrets)}</li>"
            for r in failed
        )
        parts.append(f'<p>Failed:</p><ul class="failed-exercises">{items}</ul>')
    if untried:
        parts.append(f"<p>Not attempted: {text(', '.join(untried), secrets)}.</p>")
    # A lesson no learner handed in is said once for the class, not under each learner.
    missing = [str(lesson) for lesson in report.get("missing_lessons") or [] if str(lesson) not in absent]
    if missing:
        parts.append(f"<p>No notebook for lesson {text(', '.join(str(m) for m in missing), secrets)}.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def render(reports: list[dict], secrets: tuple[str, ...] = ()) -> str:
    """The class report: per exercise its title, how many passed / failed / did not try and the most common hints;
    per learner the exercises failed, with their hints."""
    rows, absent = _exercise_rows(reports, secrets)
    body = [
        "<h1>Secrets Manager workbook: class report</h1>",
        f"<p>{len(reports)} learner(s). Each learner's name links to their feedback page (feedback/NAME.html, "
        "beside this file). Not attempted: the exercise's cell still raises NotImplementedError, is gone, or its "
        "lesson's notebook was not handed in.</p>",
        "<h2>By exercise</h2>",
        "<table><tr><th>Exercise</th><th>Title</th><th>Passed</th><th>Failed</th><th>Not attempted</th>"
        "<th>Pass rate</th><th>Most common hints (failed)</th></tr>",
        *rows,
        "</table>",
    ]
    lessons = list(dict.fromkeys(number.split(".")[0] for number in absent))
    if lessons:
        body.append(
            f"<p>No learner handed in a notebook for lesson {text(', '.join(lessons))}: its exercises are left out.</p>"
        )
    body.append("<h2>By learner</h2>")
    body += [_learner(report, secrets, set(lessons)) for report in reports]
    return page("Class report: Secrets Manager workbook", "\n".join(body))
