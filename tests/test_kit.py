"""The instructor's kit on paper: a lesson plan from the lesson's headings, and the printable key of the hints."""

from __future__ import annotations

import json
import re

import pytest

from smworkbook import WorkbookError
from smworkbook.authoring import lessons
from smworkbook.checks import EXERCISES
from smworkbook.grading import kit


@pytest.mark.parametrize("number", [lesson.number for lesson in lessons.lessons()])
def test_a_lesson_plan_has_every_heading_in_order_and_its_minutes_add_up_to_the_lessons_time(number):
    info = lessons.lesson(number)
    cells = json.loads(info.notebook.read_text())["cells"]
    headings = [
        line[3:].strip()
        for cell in cells
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
        if line.startswith("## ")
    ]
    plan = kit.lesson_plan(number).data
    rows = re.findall(r"^\| (\d+) \| (.+) \| (\d+) \| (\d+)-(\d+) \|$", plan, re.MULTILINE)
    titles = [title for _, title, *_ in rows]
    assert [title for title in titles if title != "Set-up" or "Set-up" in headings] == headings
    assert sum(int(minutes) for _, _, minutes, _, _ in rows) == info.minutes
    assert rows[-1][4] == str(info.minutes)
    assert f"{info.minutes} minutes" in plan


def test_the_plan_says_the_benchmarks_run_time_or_that_there_is_none(tmp_path):
    assert "s on the benchmark's machine (bench/results.json)" in kit.lesson_plan(2).data
    assert kit._run_seconds("02_versions_and_staging_labels.ipynb", tmp_path) is None


def test_a_lesson_plan_of_no_lesson_is_a_one_line_error():
    with pytest.raises(WorkbookError, match="There is no lesson 42"):
        kit.lesson_plan(42)


def test_every_exercise_has_hints_read_from_its_checks_source():
    for number in EXERCISES:
        assert kit.hints(number), number
    assert "previous is still None. Assign it the SecretString of the AWSPREVIOUS version." in kit.hints("2.1")
    # An f-string's values are shown as an ellipsis; a helper's hint (one level down) counts.
    assert "There is no secret called …. Run the exercise cell again from the top." in kit.hints("2.1")


def test_the_hints_key_is_one_printable_page_escaped_without_scripts(tmp_path):
    target = tmp_path / "hints-key.html"
    page = kit.hints_key(target).data
    assert target.read_text() == page
    assert "<script" not in page and "default-src 'none'" in page
    for number, exercise in EXERCISES.items():
        assert f"<h2>{number} " in page and exercise.title.replace("'", "&#x27;") in page
    assert "Ask get_secret_value for VersionStage=&#x27;AWSPREVIOUS&#x27;" in page  # escaped, not raw
