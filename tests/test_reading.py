"""What a learner reads, checked without running anything: lines that fit a laptop, stored outputs that read
well before Run All (no widget's Python form, no address of another machine), links that lead somewhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from smworkbook.authoring import lessons

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
SHIPPED = NOTEBOOKS + sorted((ROOT / "exercises").glob("*.ipynb"))
LESSONS = [lesson.notebook for lesson in lessons.lessons()]  # not the start page
# The course lesson's lines ("Mastering AWS Secrets Manager with Boto3") that the lessons quote verbatim and that
# are longer than WIDTH: the only long lines allowed. (The course lesson's text is not part of the repository.)
COURSE_LINES = {
    """client.create_secret(Name="TestSecret", SecretString='{"username":"test","password":"password"}')""",
    """response_create = client.create_secret(Name="TestSecret", SecretString='{"username":"test","password":"password"}')""",  # noqa: E501
    """response_update = client.update_secret(SecretId="TestSecret", SecretString='{"username":"test","password":"newpassword"}')""",  # noqa: E501
}
# At 1400 px with JupyterLab's file browser open, a code cell shows about 100 characters.
WIDTH = 100


def _ids(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_code_lines_fit_a_laptop_screen_except_quotes_of_the_course_lesson(path):
    long = [
        line
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > WIDTH and line.strip() not in COURSE_LINES
    ]
    assert long == [], (
        f"Rule WIDTH (tests/test_reading.py): {path.parent.name}/{path.name} has {len(long)} code lines over {WIDTH} "
        f"characters (what a laptop shows beside JupyterLab's file browser), e.g. {long[0][:60]!r}: wrap them "
        "(ruff's 120 is for the package, not for notebooks)."
    )


# What a widget looks like to a notebook that has no kernel: its Python form, e.g. "VBox(children=(HBox(..."
WIDGET_REPR = re.compile(r"^\w+\((children|secret|description|value)=")
# A loopback address with a port, as a mock, a database or a service of a past run listened on.
LOOPBACK = re.compile(r"(127\.0\.0\.1|localhost|\[::1\]):\d+")


@pytest.mark.parametrize("path", SHIPPED, ids=_ids)
def test_no_stored_output_is_a_bare_widget_repr_or_an_address_or_token_of_a_past_run(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                assert "text/html" in data, f"a widget without a static rendering: {cell.source[:60]!r}"
            plain = data.get("text/plain", "")
            assert not WIDGET_REPR.match(plain), f"a widget stored as its Python form: {plain[:60]!r}"
            # A past run's port (mock, database, service) or token means nothing to the next reader.
            stored = json.dumps(output)
            assert not LOOPBACK.search(stored), f"an output stores a past run's address: {LOOPBACK.search(stored)[0]}"
            assert "token=" not in stored, f"an output stores a token: {cell.source[:60]!r}"


def _links(path: Path) -> list[str]:
    return _links_in(
        "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown")
    )


def _links_in(text: str) -> list[str]:
    # [text](target) or, for an anchor with parentheses, [text](<target>) (CommonMark's form for a target that
    # holds parentheses).
    found = re.findall(r"\]\((?:<([^>\s]+\.ipynb(?:#[^>\s]*)?)>|([^)\s<]+\.ipynb(?:#[^)\s]*)?))\)", text)
    return [angled or plain for angled, plain in found if "://" not in angled + plain]


@pytest.mark.parametrize("path", SHIPPED, ids=_ids)
def test_links_between_notebooks_lead_to_a_notebook_and_a_heading_that_exist(path):
    for link in _links(path):
        target, _, anchor = link.partition("#")
        # my-work/ is made from exercises/ by `smworkbook my-work`: a link into it opens the learner's copy.
        resolved = (path.parent / target.replace("../my-work/", "../exercises/")).resolve()
        assert resolved.exists(), f"{link} leads nowhere"
        if anchor:
            headings = {
                line.lstrip("#").strip().replace("`", "").replace(" ", "-")
                for cell in nbformat.read(resolved, as_version=4).cells
                if cell.cell_type == "markdown"
                for line in cell.source.splitlines()
                if line.startswith("#")
            }
            # JupyterLab compares the anchor, as written, with the heading's text (spaces as "-"): a
            # percent-encoded "(" (%28) finds no heading, and the lesson opens at its top.
            assert anchor in headings, f"{link}: no such heading (write the heading's text, not %-escapes)"


@pytest.mark.parametrize("path", LESSONS, ids=_ids)
def test_each_lesson_ends_with_its_exercises_and_where_to_go_next(path):
    links = _links(path)
    assert f"../my-work/{lessons.exercises_name(path.name)}" in links
    assert any(not link.startswith("../") and link != path.name for link in links[-3:])


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=_ids)
def test_each_exercise_links_to_the_lesson_section_it_practises_and_offers_a_hint(path):
    tasks = [
        cell.source
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "markdown" and cell.source.startswith("## Exercise")
    ]
    assert tasks
    for task in tasks:
        assert any(link.startswith(f"../notebooks/{path.name}#") for link in _links_in(task)), task[:60]
        assert "<details><summary>Hint</summary>" in task, task[:60]


def test_the_start_page_names_the_course_lesson_and_sends_the_learner_to_lesson_1_before_the_instructors():
    cells = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4).cells
    text = "\n".join(cell.source for cell in cells)
    assert "Mastering AWS Secrets Manager with Boto3" in " ".join(text.split())
    assert text.index("](01_create_retrieve_update_delete.ipynb)") < text.index("## Instructors' corner")
    for path in NOTEBOOKS:  # the lessons say "the course lesson", the name the start page gives it
        assert "source lesson" not in nbformat.writes(nbformat.read(path, as_version=4)), path.name
