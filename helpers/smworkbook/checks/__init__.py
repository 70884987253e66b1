"""Exercise checks: `checks.setup("1.2")` before an exercise, `checks.verify("1.2", answer)` after.

Each check inspects the mock's state and prints one pass line, or raises CheckFailed (an
AssertionError) whose message is a hint. `checks.progress(1)`, the last cell of each exercise
notebook, shows what this kernel's checks found (a view, not the grade).

Lesson NN's checks live in `checks/lessonNN.py` (LESSON_MODULE); every such module in this folder is
imported here, which registers its exercises: a new lesson's module needs no line anywhere else.
"""

import importlib
import pkgutil
import re

from smworkbook.checks._registry import EXERCISES, progress, setup, verify

# The name of a lesson's check module: lesson01.py, lesson02.py, ... (two digits, the lesson's number).
LESSON_MODULE = re.compile(r"lesson(\d{2})")


def lesson_modules() -> dict[int, str]:
    """The lesson check modules in this package, by lesson number: {1: "lesson01", ...} (none imported)."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        name = LESSON_MODULE.fullmatch(module.name)
        if name:
            found[int(name.group(1))] = module.name
    return dict(sorted(found.items()))


# Importing a lesson's module registers its exercises, in lesson order (the registry's order is the
# order of the grade report and of the classroom workflow's tests).
for _module in lesson_modules().values():
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["EXERCISES", "LESSON_MODULE", "lesson_modules", "progress", "setup", "verify"]
# Layer 4 (tests/test_layers.py): the checks use the toolkit and the fixtures; grading runs them.
LAYER = 4
