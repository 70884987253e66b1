"""The lessons as read from their notebooks, and the start page that links every one of them."""

from __future__ import annotations

import re

import nbformat

from smworkbook.authoring import lessons

from .conftest import ROOT

START = ROOT / "notebooks" / "00_start_here.ipynb"


def _start_page_text() -> str:
    return "\n".join(c.source for c in nbformat.read(START, as_version=4).cells if c.cell_type == "markdown")


def test_every_lesson_states_its_title_time_and_objectives():
    found = lessons.lessons()
    assert [lesson.number for lesson in found][:1] == [1]
    for lesson in found:
        assert lesson.title and not lesson.title.startswith("Lesson"), lesson
        assert lesson.minutes, f"{lesson.notebook.name} has no '**Time:** about N minutes' line"
        assert len(lesson.objectives) >= lessons.MIN_OBJECTIVES, f"{lesson.notebook.name}: too few objectives"


def test_lesson_one_is_read_from_its_notebook():
    one = lessons.lesson(1)
    assert one.title == "Create, retrieve, update and delete a secret"
    assert one.minutes == 30
    assert one.objectives[0] == "why a secret belongs in AWS Secrets Manager and not in your code"
    assert one.exercises == ROOT / "exercises" / "01_exercises_create_retrieve_update_delete.ipynb"


def test_the_start_page_links_every_lesson_with_its_objectives_and_time():
    rows = {}
    for line in _start_page_text().splitlines():
        row = re.match(r"\|\s*(\d+)\s*\|(.*)\|\s*$", line)
        if row:
            rows[int(row.group(1))] = row.group(2)
    for lesson in lessons.lessons():
        assert lesson.number in rows, f"the start page's lesson table has no row for lesson {lesson.number}"
        row = rows[lesson.number]
        assert f"]({lesson.notebook.name})" in row
        if lesson.exercises:
            assert f"](../my-work/{lesson.exercises.name})" in row  # the learner's own copy
        assert f"{lesson.minutes} min" in row
        cells = [cell.strip() for cell in row.split("|")]
        assert len(cells) >= 4 and all(cells[:4]), f"lesson {lesson.number}'s row lacks its objectives: {row}"


def test_the_start_page_tells_instructors_how_to_present_reset_and_grade():
    text = _start_page_text()
    for needle in ("instructor.present(", "add demo secrets", "moto's dashboard", "make grade"):
        assert needle in text
