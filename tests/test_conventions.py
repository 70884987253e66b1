"""The authoring rules: what a lesson and an exercise must look like for the workbook to find them.

A lesson and its exercises are declared once: the lesson notebook (notebooks/NN_name.ipynb), the solution notebook
(solutions/NN_name.ipynb) and the check module (helpers/smworkbook/checks/lessonNN.py), whose `@exercise("N.M", ...)`
functions are the exercise registry (their parameters are the answers' names). Every other list (the start page's
table, the classroom workflow, the mutation targets, the counts in the README and the notebooks) is derived from
those or checked against them here. docs/authoring-rules.md lists every rule with its constant and its test.

Each failure message starts with "Rule:" and names the file to change. The rules:

- NOTEBOOK (smworkbook.authoring.lessons): a lesson notebook is notebooks/NN_snake_case.ipynb; its exercises are in
  solutions/ under the same name, and exercises/ is generated from solutions/ (`make exercises`), each named by
  lessons.exercises_name (NN_exercises_snake_case.ipynb).
- LESSON_MODULE (smworkbook.checks): lesson N's checks are in checks/lessonNN.py, tested by
  tests/test_checks_lessonNN.py; its exercises are numbered N.1, N.2, ... in order, each declared once.
- MIN_EXERCISES_PER_LESSON: a lesson with exercises has at least this many.
- every exercise has a set-up (`@prepares("N.M")`).
- EXERCISE_HEADING (smworkbook.authoring.exercises): each exercise starts at a `## Exercise N.M: title` cell in
  solutions/, and its set-up and check cells follow it, before the next `## ` heading.
- TITLE, TIME, OBJECTIVES, MIN_OBJECTIVES (smworkbook.authoring.lessons): a lesson's first markdown cell holds
  `# Lesson N: title`, `**Time:** about N minutes` and a `**What you will learn**` list of 3 or more items.
- CLEAN_UP_OPENING, CLEAN_UP_RERUN: a lesson's last cell is its clean-up, and what it printed (stored) starts with
  "Clean-up done: " and says "Run the cells from the top".
- NEXT: a lesson's `**Next:**` paragraph links the learner's exercises (../my-work/NN_name.ipynb) and the next lesson
  (the last lesson: the start page); a solution notebook's "## Done?" names only the next lesson.
- COUNT: "N exercises" in a lesson's notebooks, and "[N exercises](...NN_name.ipynb)" or "lesson K's N exercises" in
  README.md and docs/*.md, is the registry's count (digits or number words).
- the start page's lesson table has one row per lesson, and no other.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from smworkbook import checks
from smworkbook.authoring import exercises, lessons

from .conftest import ROOT

# A lesson with exercises has at least this many (one per idea the lesson teaches is the usual measure).
MIN_EXERCISES_PER_LESSON = 4
# What a lesson's clean-up cell prints (stored), so that a reader of Run All knows the mock was emptied.
CLEAN_UP_OPENING = "Clean-up done: "
CLEAN_UP_RERUN = "Run the cells from the top"
# A lesson's "where to go next" paragraph.
NEXT = "**Next:**"
START_PAGE = "00_start_here.ipynb"
CHECKS = "helpers/smworkbook/checks"
# Counts written as words, as the notebooks' intros do ("Six short exercises on lesson 1").
NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split()
# "6 exercises", "Six short exercises", not "Lesson 1 exercises" (a title) or "exercises 3.1".
COUNT = re.compile(r"(?<!lesson )\b(\d+|" + "|".join(NUMBER_WORDS) + r")\s+(?:short\s+|more\s+)?exercises\b", re.I)

LESSONS = lessons.lessons()
BY_NUMBER = {lesson.number: lesson for lesson in LESSONS}
WITH_EXERCISES = sorted({exercise.lesson for exercise in checks.EXERCISES.values()})


def _lid(lesson: lessons.Lesson) -> str:
    return lesson.notebook.stem  # "03_describe_list_and_lifecycle": `-k 03_` picks one lesson's tests


def _declared(number: int) -> list[str]:
    return [n for n, exercise in checks.EXERCISES.items() if exercise.lesson == number]


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.index(word.lower())


def _markdown(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]


def _module_file(number: int) -> str:
    return f"{CHECKS}/lesson{number:02d}.py"


# Files and names ---------------------------------------------------------------------------------------------------


def test_lesson_notebooks_are_named_by_two_digits_and_snake_case_words():
    names = [path.name for path in (ROOT / "notebooks").glob("*.ipynb")]
    odd = [name for name in names if not re.fullmatch(r"\d{2}_[a-z0-9]+(_[a-z0-9]+)*\.ipynb", name)]
    assert odd == [], f"Rule NOTEBOOK: a lesson notebook is notebooks/NN_snake_case.ipynb; rename {odd}."
    numbers = [name[:2] for name in names]
    assert sorted(set(numbers)) == sorted(numbers), (
        f"Rule NOTEBOOK: one notebook per lesson number in notebooks/: {names}"
    )


def test_each_solution_notebook_has_the_name_of_its_lesson_notebook():
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        assert (ROOT / "notebooks" / path.name).exists(), (
            f"Rule NOTEBOOK: solutions/{path.name} has no lesson notebooks/{path.name}: the exercises of lesson "
            f"NN_name.ipynb are solutions/NN_name.ipynb, the same name. Rename solutions/{path.name}."
        )


@pytest.mark.parametrize("number", WITH_EXERCISES, ids=lambda n: f"{n:02d}_")
def test_each_lesson_with_exercises_has_a_lesson_notebook_a_solution_notebook_and_a_check_test(number):
    assert number in BY_NUMBER, (
        f"Rule NOTEBOOK: {_module_file(number)} declares exercises of lesson {number}, but notebooks/ has no "
        f"{number:02d}_name.ipynb: add the lesson notebook."
    )
    name = BY_NUMBER[number].notebook.name
    assert (ROOT / "solutions" / name).exists(), (
        f"Rule NOTEBOOK: lesson {number} has exercises but no solutions/{name} (the same name as its lesson "
        "notebook): add it, then run `make exercises`."
    )
    test = f"tests/test_checks_lesson{number:02d}.py"
    assert (ROOT / test).exists(), (
        f"Rule LESSON_MODULE: {_module_file(number)} is tested by {test}: add it (see tests/check_contract.py)."
    )


def test_the_check_modules_are_named_lessonNN_and_register_only_their_own_lessons_exercises():
    modules = checks.lesson_modules()
    assert sorted(modules) == WITH_EXERCISES, (
        f"Rule LESSON_MODULE: each lesson's checks are in {CHECKS}/lessonNN.py and declare at least one exercise; "
        f"modules found: {modules}, lessons with exercises: {WITH_EXERCISES}."
    )
    for number, exercise in checks.EXERCISES.items():
        home = f"smworkbook.checks.lesson{exercise.lesson:02d}"
        assert exercise.check.__module__ == home, (
            f"Rule LESSON_MODULE: exercise {number} belongs in {_module_file(exercise.lesson)}, not in "
            f"helpers/{exercise.check.__module__.replace('.', '/')}.py."
        )


@pytest.mark.parametrize("number", WITH_EXERCISES, ids=lambda n: f"{n:02d}_")
def test_each_lessons_exercises_are_numbered_in_order_and_declared_once(number):
    source = (ROOT / _module_file(number)).read_text()
    declared = [
        ast.literal_eval(decorator.args[0])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "exercise"
    ]
    expected = [f"{number}.{n}" for n in range(1, len(declared) + 1)]
    assert declared == expected, (
        f"Rule LESSON_MODULE: the exercises of lesson {number} are numbered {number}.1, {number}.2, ... in order, "
        f"each declared once with @exercise: {_module_file(number)} declares {declared}."
    )


@pytest.mark.parametrize("number", WITH_EXERCISES, ids=lambda n: f"{n:02d}_")
def test_each_lesson_has_at_least_the_minimum_number_of_exercises(number):
    assert len(_declared(number)) >= MIN_EXERCISES_PER_LESSON, (
        f"Rule MIN_EXERCISES_PER_LESSON (tests/test_conventions.py): a lesson has at least "
        f"{MIN_EXERCISES_PER_LESSON} exercises; lesson {number} has {_declared(number)}: add them in "
        f"{_module_file(number)} and solutions/."
    )


def test_every_exercise_has_a_set_up():
    missing = [number for number, exercise in checks.EXERCISES.items() if exercise.prepare is None]
    assert missing == [], (
        f"Rule: every exercise cell starts with checks.setup(...), so every exercise has a @prepares set-up; "
        f"{missing} have none: add one in {CHECKS}/lessonNN.py."
    )


# Inside the notebooks ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", WITH_EXERCISES, ids=lambda n: f"{n:02d}_")
def test_each_exercise_starts_at_its_heading_with_its_set_up_and_check_cells(number):
    path = ROOT / "solutions" / BY_NUMBER[number].notebook.name
    parts = exercises.parts(nbformat.read(path, as_version=4))
    headed = [key for key, _ in parts if exercises.is_exercise(key)]
    assert headed == _declared(number), (
        f"Rule EXERCISE_HEADING (smworkbook/authoring/exercises.py): each exercise starts at a markdown cell "
        f"'## Exercise N.M: title', in order; solutions/{path.name} has headings for {headed}, the registry "
        f"({_module_file(number)}) declares {_declared(number)}."
    )
    for key, cells in parts:
        if not exercises.is_exercise(key):
            continue
        code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
        for call in ("setup", "verify"):
            assert re.search(rf"""checks\.{call}\(\s*["']{re.escape(key)}["']""", code), (
                f'Rule EXERCISE_HEADING: exercise {key}\'s checks.{call}("{key}") cell follows its heading, before '
                f"the next '## ' heading, in solutions/{path.name}."
            )


@pytest.mark.parametrize("lesson", LESSONS, ids=_lid)
def test_each_lesson_states_its_number_title_time_and_objectives(lesson):
    header = _markdown(lesson.notebook)[0]
    where = f"the first markdown cell of notebooks/{lesson.notebook.name}"
    title = re.search(lessons.TITLE, header, re.MULTILINE)
    assert title and header.lstrip().startswith(f"# Lesson {lesson.number}: "), (
        f"Rule TITLE (smworkbook/authoring/lessons.py): {where} starts with '# Lesson {lesson.number}: title'."
    )
    assert lesson.minutes, (
        f"Rule TIME (smworkbook/authoring/lessons.py): {where} has a '**Time:** about N minutes' line."
    )
    assert len(lesson.objectives) >= lessons.MIN_OBJECTIVES, (
        f"Rule OBJECTIVES (smworkbook/authoring/lessons.py): {where} has a '**What you will learn**' list of at least "
        f"{lessons.MIN_OBJECTIVES} items; found {len(lesson.objectives)}."
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=_lid)
def test_each_lessons_last_cell_is_a_clean_up_that_says_what_it_did(lesson):
    cleanup = nbformat.read(lesson.notebook, as_version=4).cells[-1]
    shown = "".join(output.get("text", "") for output in cleanup.get("outputs", []))
    assert cleanup.cell_type == "code" and shown.startswith(CLEAN_UP_OPENING) and CLEAN_UP_RERUN in shown, (
        f"Rule CLEAN_UP_OPENING/CLEAN_UP_RERUN (tests/test_conventions.py): the last cell of "
        f"notebooks/{lesson.notebook.name} is its clean-up, and prints '{CLEAN_UP_OPENING}<what it did>. "
        f"{CLEAN_UP_RERUN} ...' (stored: run `make outputs OUTPUTS=notebooks/{lesson.notebook.name}`); "
        f"it printed {shown[:60]!r}."
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=_lid)
def test_each_lesson_links_its_exercises_and_the_next_lesson(lesson):
    following = [other for other in LESSONS if other.number > lesson.number]
    after = following[0].notebook.name if following else START_PAGE
    paragraphs = [text for text in _markdown(lesson.notebook) if NEXT in text]
    assert paragraphs, f"Rule NEXT: notebooks/{lesson.notebook.name} has no '{NEXT}' paragraph near its end."
    text = paragraphs[-1][paragraphs[-1].index(NEXT) :]
    wanted = ([f"](../my-work/{lesson.exercises.name})"] if lesson.exercises else []) + [f"]({after})"]
    for link in wanted:
        assert link in text, (
            f"Rule NEXT: the '{NEXT}' paragraph of notebooks/{lesson.notebook.name} links "
            f"{' and '.join(w[2:-1] for w in wanted)}; it has no {link[2:-1]}."
        )


@pytest.mark.parametrize("number", WITH_EXERCISES, ids=lambda n: f"{n:02d}_")
def test_each_solution_notebooks_done_section_names_only_the_next_lesson(number):
    path = ROOT / "solutions" / BY_NUMBER[number].notebook.name
    done = [text for text in _markdown(path) if text.startswith("## Done?")]
    last = number == LESSONS[-1].number
    for text in done:
        named = {int(n) for n in re.findall(r"\blesson (\d+)\b", text, re.I)} - {number}
        assert named <= {number + 1} and not (last and named), (
            f"Rule NEXT: the '## Done?' cell of solutions/{path.name} names lessons {sorted(named)}; it may name "
            f"only the next lesson ({'none: it is the last' if last else number + 1})."
        )
        assert last or "last lesson" not in text, (
            f"Rule NEXT: solutions/{path.name} says it is the last lesson, but lesson {LESSONS[-1].number} follows."
        )


# Counts and tables -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS, ids=_lid)
def test_each_lessons_notebooks_state_the_registrys_exercise_count(lesson):
    paths = [lesson.notebook, ROOT / "solutions" / lesson.notebook.name]
    expected = len(_declared(lesson.number))
    for path in paths:
        if not path.exists():
            continue
        for text in _markdown(path):
            for found in COUNT.finditer(text):
                assert _count(found.group(1)) == expected, (
                    f"Rule COUNT: {path.parent.name}/{path.name} says {found.group(0)!r}; lesson {lesson.number} has "
                    f"{expected} exercises ({_module_file(lesson.number)}): change the text."
                )


def _docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]


def test_the_readme_and_guides_state_each_lessons_exercise_count_as_the_registry_does():
    counts = {number: len(_declared(number)) for number in WITH_EXERCISES}
    linked = re.compile(r"\[(\w+) exercises\]\([^)]*?(\d{2})_\w+\.ipynb\)", re.I)
    named = re.compile(r"\blesson (\d+)'s (\w+) exercises\b", re.I)
    seen = 0
    for path in _docs():
        text = path.read_text()
        where = path.relative_to(ROOT)
        for word, number in linked.findall(text) + [(w, n) for n, w in named.findall(text)]:
            if not (word.isdigit() or word.lower() in NUMBER_WORDS):
                continue
            seen += 1
            assert _count(word) == counts.get(int(number), 0), (
                f"Rule COUNT: {where} says lesson {int(number)} has {word} exercises; the registry "
                f"({_module_file(int(number))}) has {counts.get(int(number), 0)}: change {where}."
            )
    assert seen or not WITH_EXERCISES  # the patterns still match what the README writes


def test_the_readme_or_a_guide_links_every_lesson():
    text = "\n".join(path.read_text() for path in _docs())
    missing = [lesson.notebook.name for lesson in LESSONS if f"notebooks/{lesson.notebook.name}" not in text]
    assert missing == [], f"Rule: the README's lesson list links every lesson; add {missing} to README.md."


def test_the_start_page_has_one_row_per_lesson_and_no_other():
    rows = [
        int(row.group(1))
        for text in _markdown(ROOT / "notebooks" / START_PAGE)
        for row in re.finditer(r"^\|\s*(\d+)\s*\|", text, re.MULTILINE)
    ]
    assert rows == [lesson.number for lesson in LESSONS], (
        f"Rule: the lesson table of notebooks/{START_PAGE} has one row per lesson, in order "
        f"({[lesson.number for lesson in LESSONS]}); it has rows {rows}."
    )


def test_docs_authoring_rules_lists_every_rule_test_and_each_test_it_names_exists():
    doc = (ROOT / "docs" / "authoring-rules.md").read_text()
    here = [name for name in globals() if name.startswith("test_") and name != _THIS_TEST]
    unlisted = [name for name in here if name not in doc]
    assert unlisted == [], f"Rule: docs/authoring-rules.md lists every rule's test; add {unlisted} to it."
    sources = "\n".join(path.read_text() for path in (ROOT / "tests").glob("*.py"))
    gone = [name for name in re.findall(r"\b(test_\w+)", doc) if f"def {name}(" not in sources and name not in here]
    gone = [name for name in gone if not (ROOT / "tests" / f"{name}.py").exists() and "NN" not in name]
    assert gone == [], f"docs/authoring-rules.md names tests that do not exist: {gone}; update docs/authoring-rules.md."


_THIS_TEST = test_docs_authoring_rules_lists_every_rule_test_and_each_test_it_names_exists.__name__
