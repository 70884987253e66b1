"""`make check-lesson L=N`: one lesson's quick loop, derived from the lessons and check modules found."""

from __future__ import annotations

import os
import subprocess

import pytest

from smworkbook import checks
from smworkbook.authoring import lessons
from tools import check_lesson

from .conftest import ROOT


@pytest.mark.parametrize("wrong", ["", "x", "0", "99", "3.1"])
def test_a_lesson_that_is_not_there_is_a_short_error_listing_the_lessons(wrong, capsys):
    assert check_lesson.main([wrong]) == 2
    known = ", ".join(str(lesson.number) for lesson in lessons.lessons())
    assert capsys.readouterr().err.strip() == (
        f"There is no lesson {wrong!r}. The lessons are: {known} (make check-lesson L=3)."
    )


@pytest.mark.parametrize("lesson", lessons.lessons(), ids=lambda lesson: lesson.notebook.stem)
def test_each_lessons_loop_runs_its_check_tests_and_its_two_notebooks_under_nbval(lesson):
    args = check_lesson.command(str(lesson.number))
    module = checks.lesson_modules()[lesson.number]
    for part in (f"tests/test_checks_{module}.py", f"notebooks/{lesson.notebook.name}",
                 f"solutions/{lesson.notebook.name}", "tests/test_conventions.py"):  # fmt: skip
        assert part in args
    assert args[args.index("--nbval-sanitize-with") + 1] == "tests/sanitize.cfg"
    assert f"{lesson.number:02d}_" in args[args.index("-k") + 1]


def test_make_check_lesson_without_l_names_the_lessons():
    done = subprocess.run(
        ["make", "--no-print-directory", "check-lesson"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, MAKEFLAGS=""),  # under `make test`, not the outer make's flags
    )
    assert done.returncode != 0
    assert "There is no lesson ''. The lessons are: 1, " in done.stderr
