"""One lesson's quick loop, for an author changing it: `make check-lesson L=3`.

Runs, for lesson L only: its checks' tests (tests/test_checks_lessonNN.py), its lesson and solution notebooks under
nbval (as `make test` does), its generated exercises in a real kernel (tests/test_notebooks.py: each unsolved
exercise fails its own check), the verify cells' answer names, what a learner reads (tests/test_reading.py), the
generated exercises in sync, and every authoring rule (tests/test_conventions.py, a second). Left to `make test`:
running every cell twice (70 s for lesson 6 alone) and everything outside the lesson.

    python tools/check_lesson.py 3            # run it
    python tools/check_lesson.py 3 --print    # only print the pytest command
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from smworkbook import checks
from smworkbook.authoring import lessons

ROOT = Path(__file__).resolve().parent.parent
# The tests parametrized by notebook (ids hold "NN_"), filtered to the lesson's.
PER_NOTEBOOK = ["tests/test_notebooks.py", "tests/test_reading.py", "tests/test_checks_answer_names.py"]
# Left to `make test`: every cell run twice (a minute for a lesson with a database and a service).
SLOW = "test_every_cell_can_be_run_twice"
# Whole files or tests that take a second or two.
ALWAYS = ["tests/test_conventions.py", "tests/test_exercises.py::test_committed_exercises_are_in_sync_with_solutions"]


class UnknownLesson(ValueError):
    pass


def command(lesson_number: str, workers: int = 2) -> list[str]:
    """The pytest command line of lesson `lesson_number`'s quick loop (a clear error for a lesson that is not there)."""
    found = {lesson.number: lesson for lesson in lessons.lessons(ROOT)}
    known = ", ".join(str(number) for number in found)
    if not lesson_number.strip().isdigit() or int(lesson_number) not in found:
        raise UnknownLesson(f"There is no lesson {lesson_number!r}. The lessons are: {known} (make check-lesson L=3).")
    lesson = found[int(lesson_number)]
    prefix = f"{lesson.number:02d}_"
    module = checks.lesson_modules().get(lesson.number)
    own = [f"tests/test_checks_{module}.py"] if module else []
    notebooks = [f"notebooks/{lesson.notebook.name}"]
    if (ROOT / "solutions" / lesson.notebook.name).exists():
        notebooks.append(f"solutions/{lesson.notebook.name}")
    files = [*own, *ALWAYS, *PER_NOTEBOOK, *notebooks]
    # pytest's -k matches a test's name and its parents' names: the lesson's notebooks and the parametrized
    # tests whose id holds the lesson's "NN_", plus every test of the lesson's own files.
    keep = " or ".join([prefix, *(Path(f.split("::")[0]).stem for f in [*own, *ALWAYS])])
    keep = f"({keep}) and not {SLOW}"
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-n",
        str(workers),
        "--dist",
        "loadfile",
        "--nbval",
        "--nbval-sanitize-with",
        "tests/sanitize.cfg",
        "-k",
        keep,
        *files,
    ]


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    try:
        args = command(argv[0], int(os.environ.get("TEST_WORKERS", "2")))
    except UnknownLesson as error:
        print(error, file=sys.stderr)
        return 2
    if "--print" in argv[1:]:
        print(shlex.join(args))
        return 0
    return subprocess.run(args, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
